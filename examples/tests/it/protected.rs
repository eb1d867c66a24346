//! `everything-server http --port P --auth ISSUER`: the everything server as a protected
//! resource. Without a token, 401 naming the protected resource metadata, which is served;
//! a malformed token, 401 `invalid_token`; a well-formed one while the issuer is
//! unreachable, 503 (not 401: the token could not be checked).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");

/// A port free a moment ago (the server needs a fixed one: its resource URI names it).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// One HTTP/1.1 exchange: the response's head (lowercased) and body.
async fn exchange(port: u16, head: &str, body: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let request = format!(
        "{head}\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (head.to_ascii_lowercase(), body.to_owned())
}

async fn post(port: u16, token: Option<&str>) -> String {
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;
    let mut head = "POST /mcp HTTP/1.1\r\ncontent-type: application/json\r\n\
                    accept: application/json, text/event-stream"
        .to_owned();
    if let Some(token) = token {
        head.push_str(&format!("\r\nauthorization: Bearer {token}"));
    }
    exchange(port, &head, body).await.0
}

#[tokio::test]
async fn the_everything_server_protected_by_auth() {
    let (port, issuer_port) = (free_port(), free_port());
    let issuer = format!("http://127.0.0.1:{issuer_port}");
    let mut child = tokio::process::Command::new(SERVER)
        .args(["http", "--port", &port.to_string(), "--auth", &issuer])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn everything-server http --auth");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let listening = tokio::time::timeout(Duration::from_secs(90), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("listening on") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(listening, Ok(true), "the server did not start");

    let metadata = format!("http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp");
    let head = post(port, None).await;
    assert!(head.starts_with("http/1.1 401"), "{head}");
    let challenge =
        format!("www-authenticate: bearer resource_metadata=\"{metadata}\", scope=\"mcp\"");
    assert!(head.contains(&challenge), "{head}");

    let (head, body) = exchange(
        port,
        "GET /.well-known/oauth-protected-resource/mcp HTTP/1.1",
        "",
    )
    .await;
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let document: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(document["resource"], format!("http://127.0.0.1:{port}/mcp"));
    assert_eq!(
        document["authorization_servers"],
        serde_json::json!([issuer])
    );
    assert_eq!(
        document["scopes_supported"],
        serde_json::json!(["mcp", "notes:write", "admin"])
    );

    let head = post(port, Some("not-a-jwt")).await;
    assert!(
        head.starts_with("http/1.1 401") && head.contains("error=\"invalid_token\""),
        "{head}"
    );
    let encode = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let token = format!(
        "{}.{}.{}",
        encode(serde_json::json!({"alg": "ES256", "typ": "at+jwt", "kid": "k1"})),
        encode(serde_json::json!({"iss": issuer, "sub": "alice", "exp": 4_000_000_000u64})),
        URL_SAFE_NO_PAD.encode([7u8; 64]),
    );
    let head = post(port, Some(&token)).await;
    assert!(head.starts_with("http/1.1 503"), "{head}");
    child.kill().await.unwrap();
}
