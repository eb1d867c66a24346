//! `serve` speaks HTTP/2 with prior knowledge (h2c) beside HTTP/1.1 on one port: a whole
//! session over one HTTP/2 connection, requests as concurrent streams, and the stream cap.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, Version};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use oxmcp_http::HttpServerConfig;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::support::*;

/// An HTTP/2 connection with prior knowledge.
async fn connect(addr: SocketAddr) -> http2::SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (send, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .expect("the server speaks HTTP/2");
    tokio::spawn(connection);
    send
}

fn post_to(addr: SocketAddr, session: Option<&str>, body: String) -> Request<Full<Bytes>> {
    let mut request = Request::post(format!("http://{addr}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2025-11-25");
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    request.body(Full::new(Bytes::from(body))).unwrap()
}

async fn send(
    sender: &mut http2::SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Response<Incoming> {
    sender.ready().await.unwrap();
    sender.send_request(request).await.unwrap()
}

/// Initializes a session on `h2` (with `notifications/initialized`); returns its id.
async fn open_session(h2: &mut http2::SendRequest<Full<Bytes>>, addr: SocketAddr) -> String {
    let init = send(h2, post_to(addr, None, init_body("2025-11-25"))).await;
    assert_eq!(init.status(), 200);
    assert_eq!(init.version(), Version::HTTP_2);
    let session = init.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.to_owned();
    let done = send(h2, post_to(addr, Some(&session), initialized)).await;
    assert_eq!(done.status(), 202);
    session
}

async fn json_of(response: Response<Incoming>) -> Value {
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn a_session_over_one_http2_connection() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let addr = server.local_addr();
    let mut h2 = connect(addr).await;
    let session = open_session(&mut h2, addr).await;
    // Sixteen requests at once, each a stream of the one connection.
    let calls = (1..=16).map(|i| {
        let mut h2 = h2.clone();
        let request = post_to(addr, Some(&session), request(i, "echo", json!({ "n": i })));
        async move { json_of(send(&mut h2, request).await).await }
    });
    let answers = futures_util::future::join_all(calls).await;
    for (i, answer) in (1..=16).zip(answers) {
        assert_eq!(answer["id"], i);
        assert_eq!(answer["result"]["n"], i);
    }
    assert_eq!(server.connection_count(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn one_connection_has_at_most_its_streams_open() {
    let config = HttpServerConfig::default().with_max_streams_per_connection(1);
    let (server, _) = start(config).await;
    let addr = server.local_addr();
    let mut h2 = connect(addr).await;
    let session = open_session(&mut h2, addr).await;
    let started = Instant::now();
    let slow = {
        let mut h2 = h2.clone();
        let request = post_to(
            addr,
            Some(&session),
            request(1, "sleep", json!({ "ms": 400 })),
        );
        tokio::spawn(async move { json_of(send(&mut h2, request).await).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The second request waits for the first one's stream to close.
    let quick = send(
        &mut h2,
        post_to(addr, Some(&session), request(2, "echo", json!({}))),
    )
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(350),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(json_of(quick).await["id"], 2);
    assert_eq!(slow.await.unwrap()["result"]["slept"], 400);
    server.shutdown().await;
}
