//! The connection cap of `serve`: half-header sockets (a slowloris) and idle keep-alive
//! connections make room for new clients; busy connections are never closed for room; one
//! client holds its share of the connections at most.

use std::time::Duration;

use oxmcp_http::HttpServerConfig;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::support::*;

/// Whether the server closed `stream` (EOF or reset) within `within`.
async fn closed(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(within, stream.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn half_header_sockets_do_not_starve_a_new_client() {
    const CAP: usize = 32;
    const SLOW: usize = 200;
    let config = HttpServerConfig::default().with_max_connections(CAP);
    let (server, _) = start(config).await;
    let addr = server.local_addr();
    let mut slow = Vec::new();
    for _ in 0..SLOW {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    eventually(|| server.connection_count() == CAP).await;
    let started = Instant::now();
    let resp = tokio::time::timeout(
        Duration::from_secs(2),
        post(&server.url(), None, &init_body("2025-11-25")),
    )
    .await
    .expect("served within 2 s");
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(server.connection_count() <= CAP);
    // All but the newest half-header sockets were closed, long before the header timeout.
    let mut gone = 0;
    for s in &mut slow {
        if closed(s, Duration::from_millis(50)).await {
            gone += 1;
        }
    }
    assert!(gone > SLOW - CAP, "{gone} closed");
    server.shutdown().await;
}

#[tokio::test]
async fn idle_keep_alive_connections_make_room() {
    let config = HttpServerConfig::default().with_max_connections(2);
    let (server, _) = start(config).await;
    let url = server.url();
    // Three clients, each with its own pooled keep-alive connection, one after the other.
    let mut clients = Vec::new();
    for _ in 0..3 {
        let client = http();
        let resp = client
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(init_body("2025-11-25"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        clients.push(client);
    }
    assert!(server.connection_count() <= 2);
    server.shutdown().await;
}

#[tokio::test]
async fn busy_connections_are_not_closed_for_room() {
    let config = HttpServerConfig::default().with_max_connections(2);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let sleeper = |n: u64| {
        let (url, id) = (url.clone(), id.clone());
        tokio::spawn(async move {
            let body = request(n, "sleep", json!({ "ms": 1500 }));
            // A client of its own: a connection of its own.
            let resp = http()
                .post(&url)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .header("mcp-session-id", id)
                .body(body)
                .send()
                .await
                .unwrap();
            resp.status()
        })
    };
    let (a, b) = (sleeper(1), sleeper(2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Both connections are busy: a third one is closed at once, without an answer.
    let mut third = TcpStream::connect(server.local_addr()).await.unwrap();
    assert!(closed(&mut third, Duration::from_secs(1)).await);
    assert_eq!(a.await.unwrap(), 200);
    assert_eq!(b.await.unwrap(), 200);
    server.shutdown().await;
}

#[tokio::test]
async fn one_client_cannot_take_every_connection() {
    let config = HttpServerConfig::default()
        .with_max_connections(8)
        .with_max_connections_per_client(2);
    let (server, _) = start(config).await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let sleeper = |n: u64| {
        let (url, id) = (url.clone(), id.clone());
        tokio::spawn(async move {
            let body = request(n, "sleep", json!({ "ms": 1500 }));
            let resp = http()
                .post(&url)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .header("mcp-session-id", id)
                .body(body)
                .send()
                .await
                .unwrap();
            resp.status()
        })
    };
    let (a, b) = (sleeper(1), sleeper(2));
    eventually(|| server.connection_count() == 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // 127.0.0.1 holds its share, all busy: its third connection is closed at once...
    let mut third = TcpStream::connect(server.local_addr()).await.unwrap();
    assert!(closed(&mut third, Duration::from_secs(1)).await);
    // ...while another client (127.0.0.2, loopback too) is served.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut other = socket.connect(server.local_addr()).await.unwrap();
    let body = init_body("2025-11-25");
    let head = format!(
        "POST /mcp HTTP/1.1\r\nhost: {}\r\naccept: application/json, text/event-stream\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        server.local_addr(),
        body.len()
    );
    other.write_all(head.as_bytes()).await.unwrap();
    other.write_all(body.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), other.read_to_string(&mut answer))
        .await
        .expect("answered within 5 s")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(a.await.unwrap(), 200);
    assert_eq!(b.await.unwrap(), 200);
    server.shutdown().await;
}
