//! The strict HTTP edge, over raw sockets (no client library sends these requests): one
//! `Host`, at most one `Origin`, the authority of an absolute-form request-target, and IP
//! literals parsed rather than cut.

use std::net::SocketAddr;
use std::time::Duration;

use oxmcp_http::HttpServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// Sends one `POST` of an `initialize` with `target` and the header lines `headers`, and
/// returns the status code of the answer.
async fn status_of(addr: SocketAddr, target: &str, headers: &[String]) -> u16 {
    let body = init_body("2025-11-25");
    let mut request = format!("POST {target} HTTP/1.1\r\n");
    for line in headers {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str(&format!(
        "accept: application/json, text/event-stream\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    text.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{text}"))
}

#[tokio::test]
async fn one_host_one_origin_and_the_authority_of_the_request_target() {
    let (server, _) = start(HttpServerConfig::default()).await;
    let addr = server.local_addr();
    let port = addr.port();
    let host = format!("host: 127.0.0.1:{port}");
    let cases: Vec<(String, Vec<String>, u16)> = vec![
        ("/mcp".into(), vec![host.clone()], 200),
        ("/mcp".into(), vec![format!("host: localhost:{port}")], 200),
        ("/mcp".into(), vec![format!("host: [::1]:{port}")], 200),
        // Two Host headers, even equal: 400 (RFC 9112, section 3.2).
        ("/mcp".into(), vec![host.clone(), host.clone()], 400),
        ("/mcp".into(), vec![], 400),
        // IPv6 literals are parsed, not cut at the bracket.
        (
            "/mcp".into(),
            vec![format!("host: [::1].evil.com:{port}")],
            400,
        ),
        ("/mcp".into(), vec!["host: [::1]evil.com".into()], 400),
        ("/mcp".into(), vec![format!("host: evil.com:{port}")], 403),
        // Origins: one at most, parsed.
        (
            "/mcp".into(),
            vec![host.clone(), format!("origin: http://[::1]:{port}")],
            200,
        ),
        (
            "/mcp".into(),
            vec![host.clone(), "origin: http://[::1].evil.com".into()],
            403,
        ),
        (
            "/mcp".into(),
            vec![
                host.clone(),
                "origin: http://localhost".into(),
                "origin: http://localhost".into(),
            ],
            400,
        ),
        // The authority of an absolute-form request-target is the one checked, and Host
        // must agree with it.
        (
            format!("http://127.0.0.1:{port}/mcp"),
            vec![host.clone()],
            200,
        ),
        ("http://evil.com/mcp".into(), vec![host.clone()], 400),
        (
            "http://evil.com/mcp".into(),
            vec!["host: evil.com".into()],
            403,
        ),
    ];
    for (target, headers, want) in cases {
        let got = status_of(addr, &target, &headers).await;
        assert_eq!(got, want, "{target} {headers:?}");
    }
    // Only the accepted initializes made sessions.
    assert_eq!(server.service().session_count(), 5);
    server.shutdown().await;
}
