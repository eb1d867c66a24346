//! The connection cap when the process runs out of file descriptors first: the test binary
//! runs itself again under `ulimit -n 256` as a server with the default cap (1,024), and
//! 300 half-header sockets must not keep a normal client from being served within 2 s.

use std::process::Stdio;
use std::time::Duration;

use oxmcp_http::HttpServerConfig;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::Command;
use tokio::time::Instant;

use crate::support::*;

/// Set in the child: it serves instead of testing.
const CHILD: &str = "OXMCP_TEST_FD_CHILD";
const TEST: &str = "descriptors::a_server_out_of_descriptors_keeps_serving";

/// The child: a server with the default settings under a low descriptor limit; prints its
/// URL and runs until its stdin closes.
async fn child() {
    let (server, _) = start(HttpServerConfig::default()).await;
    println!("LISTENING {}", server.url());
    let mut stdin = BufReader::new(tokio::io::stdin());
    let mut line = String::new();
    let _ = stdin.read_line(&mut line).await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_out_of_descriptors_keeps_serving() {
    if std::env::var_os(CHILD).is_some() {
        child().await;
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut server = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 256 && exec "$0" "$@""#)
        .arg(exe)
        .args(["--exact", TEST, "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            // libtest may have printed the test's name on the same line.
            if let Some((_, url)) = line.split_once("LISTENING ") {
                return url.trim().to_owned();
            }
        }
        panic!("the child server ended without listening");
    })
    .await
    .expect("the child server listens");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp")
        .to_owned();
    // More half-header sockets than the server has descriptors.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"POST /mcp HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let resp = tokio::time::timeout(
        Duration::from_secs(2),
        post(&url, None, &init_body("2025-11-25")),
    )
    .await
    .expect("served within 2 s");
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(server.stdin.take());
    let status = tokio::time::timeout(Duration::from_secs(10), server.wait())
        .await
        .expect("the child server ends")
        .unwrap();
    assert!(status.success());
}
