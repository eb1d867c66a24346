//! Each failure class has its exit code, one line on stderr, and one JSON object with
//! `--json`.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use crate::support::{closed_port, oxmcp, with_demo};

#[test]
fn usage_errors_exit_2() {
    for args in [
        with_demo(&["call", "add", "a=x", "b=1"]),
        with_demo(&["call", "nope"]),
        with_demo(&["call", "add", "a=1"]),
        with_demo(&["read"]),
        with_demo(&["inspect", "--protocol-version", "1999-01-01"]),
        vec!["tools"],
        vec!["tools", "no-such-server"],
        vec!["tools", "ftp://example.com"],
        vec!["frobnicate"],
        vec!["tools", "x", "--timeout", "soon"],
    ] {
        let run = oxmcp(&args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        assert!(!run.stderr.trim().is_empty(), "{args:?}");
    }
    let run = oxmcp(&with_demo(&["call", "add", "a=x", "--json"]));
    let error = run.json_error();
    assert_eq!(error["error"]["kind"], "usage");
    assert_eq!(error["error"]["exitCode"], 2);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("must be a number")
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[test]
fn connection_failures_exit_3() {
    let url = format!("http://127.0.0.1:{}/mcp", closed_port());
    let run = oxmcp(&["ping", &url, "--json"]);
    assert_eq!(run.code, 3, "{run:?}");
    let error = run.json_error();
    assert_eq!(error["error"]["kind"], "connection");
    assert!(
        error["error"]["code"].is_null(),
        "no JSON-RPC code for a transport failure"
    );
    let run = oxmcp(&["ping", "--", "/nonexistent/mcp-server"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.starts_with("oxmcp: "), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    // A program that exits at once.
    let run = oxmcp(&["ping", "--", "true"]);
    assert_eq!(run.code, 3, "{run:?}");
}

/// A server answering 401 to everything; returns the requests' heads.
fn unauthorized_server() -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut heads = Vec::new();
        // The initialize POST (and, at most, a DELETE).
        if let Ok((mut stream, _)) = listener.accept() {
            let mut buf = vec![0; 65536];
            let n = stream.read(&mut buf).unwrap_or(0);
            heads.push(String::from_utf8_lossy(&buf[..n]).to_lowercase());
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
        heads
    });
    (url, handle)
}

#[test]
fn an_unauthorized_server_exits_4_and_headers_are_sent() {
    let (url, server) = unauthorized_server();
    let run = oxmcp(&["ping", &url, "-H", "X-Team: blue", "--json"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert_eq!(run.json_error()["error"]["kind"], "authorization");
    let heads = server.join().unwrap();
    assert!(heads[0].contains("\r\nx-team: blue\r\n"), "{heads:?}");
}

#[test]
fn server_errors_exit_5_with_their_code() {
    let run = oxmcp(&with_demo(&["read", "info://nothing-here", "--json"]));
    assert_eq!(run.code, 5, "{run:?}");
    let error = run.json_error();
    assert_eq!(error["error"]["kind"], "protocol");
    assert!(error["error"]["code"].is_i64(), "{error}");
    let run = oxmcp(&with_demo(&["prompt", "no_such_prompt"]));
    assert_eq!(run.code, 5, "{run:?}");
}

#[test]
fn a_slow_answer_exits_6() {
    let run = oxmcp(&with_demo(&[
        "call",
        "slow",
        "seconds=10",
        "--timeout",
        "1s",
        "--json",
    ]));
    assert_eq!(run.code, 6, "{run:?}");
    assert_eq!(run.json_error()["error"]["kind"], "timeout");
}
