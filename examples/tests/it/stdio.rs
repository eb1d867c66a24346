//! The stdio transport end to end, with the real `interop-server` binary: malformed input on
//! stdin, clean exits on stdin EOF and on a closed stdout, and logs only on stderr.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use oxmcp::transport::child::{ChildProcess, StderrMode};
use oxmcp::types::Implementation;
use oxmcp::{ClientConfig, connect};
use oxmcp_examples::fixture_client::{LogCollector, run_checks};
use serde_json::{Value, json};

const SERVER: &str = env!("CARGO_BIN_EXE_interop-server");

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Option<BufReader<ChildStdout>>,
}

impl Server {
    fn spawn(log_filter: &str) -> Self {
        let mut child = Command::new(SERVER)
            .env("RUST_LOG", log_filter)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = Some(BufReader::new(child.stdout.take().unwrap()));
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn send_line(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.as_mut().unwrap().read_line(&mut line).unwrap();
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout carried a non-JSON line {line:?}: {e}"))
    }

    fn initialize(&mut self) {
        self.send_line(br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}"#);
        assert_eq!(
            self.recv()["result"]["serverInfo"]["name"],
            "oxmcp-interop-server"
        );
        self.send_line(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    }

    #[expect(
        clippy::disallowed_methods,
        reason = "a synchronous test polling a child process, outside any runtime"
    )]
    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn malformed_lines_get_exact_errors_and_the_stream_carries_on() {
    let mut server = Server::spawn("off");
    server.initialize();
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"a":{}1{}}}}}"#,
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":2,"method":"ping","params":{{"a":"{}"}}}}"#,
        "x".repeat(5 << 20)
    );
    let cases: Vec<(Vec<u8>, Value, i64, &str)> = vec![
        (b"{not json".to_vec(), Value::Null, -32700, "parse error"),
        (
            b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffng\"}".to_vec(),
            Value::Null,
            -32700,
            "invalid UTF-8",
        ),
        (
            br#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#.to_vec(),
            Value::Null,
            -32600,
            "`id` must be a string or an integer",
        ),
        (
            br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#.to_vec(),
            Value::Null,
            -32600,
            "not null",
        ),
        (
            br#"{"jsonrpc":"2.0","id":3,"method":["ping"]}"#.to_vec(),
            json!(3),
            -32600,
            "`method` must be a string",
        ),
        (
            br#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":"x"}"#.to_vec(),
            json!(4),
            -32600,
            "`params` must be an object",
        ),
        (
            br#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":7}}"#.to_vec(),
            json!(5),
            -32602,
            "unknown tool",
        ),
        (
            deep.into_bytes(),
            Value::Null,
            -32600,
            "nests deeper than 64 levels",
        ),
        (
            huge.into_bytes(),
            Value::Null,
            -32600,
            "exceeds the limit of 4194304 bytes",
        ),
    ];
    for (i, (line, id, code, part)) in cases.into_iter().enumerate() {
        server.send_line(&line);
        let answer = server.recv();
        assert_eq!(answer["id"], id, "case {i}: {answer}");
        assert_eq!(answer["error"]["code"], code, "case {i}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(part),
            "case {i}: {message:?} lacks {part:?}"
        );
        server
            .send_line(format!(r#"{{"jsonrpc":"2.0","id":"ping{i}","method":"ping"}}"#).as_bytes());
        assert_eq!(
            server.recv(),
            json!({"jsonrpc":"2.0","id":format!("ping{i}"),"result":{}})
        );
    }
}

#[test]
fn exits_cleanly_on_stdin_eof_after_answering_what_it_accepted() {
    let mut server = Server::spawn("off");
    server.initialize();
    server.send_line(br#"{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"slow","arguments":{"seconds":0.2}}}"#);
    drop(server.stdin.take());
    assert_eq!(server.recv()["result"]["content"][0]["text"], "finished");
    let status = server.wait_exit();
    assert!(status.success(), "{status}");
}

#[test]
fn exits_cleanly_when_stdout_is_closed() {
    let mut server = Server::spawn("off");
    server.initialize();
    // Close our end of the server's stdout, then make it write.
    drop(server.stdout.take());
    server.send_line(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
    let status = server.wait_exit();
    assert!(
        status.success(),
        "a closed stdout must end the server cleanly, got {status}"
    );
}

#[test]
fn logs_go_to_stderr_only() {
    let mut server = Server::spawn("trace");
    server.initialize();
    server.send_line(br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}"#);
    // Every stdout line parses as JSON-RPC (recv panics otherwise).
    assert_eq!(server.recv()["id"], 1);
    drop(server.stdin.take());
    server.wait_exit();
    let mut stderr = String::new();
    std::io::Read::read_to_string(server.child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(
        stderr.contains("session ending"),
        "expected engine logs on stderr, got {stderr:?}"
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(server.stdout.as_mut().unwrap(), &mut rest).unwrap();
    assert!(rest.is_empty(), "unexpected stdout output {rest:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oxmcp_client_against_oxmcp_server_over_stdio() {
    let (transport, child) = ChildProcess::new(SERVER)
        .stderr(StderrMode::Null)
        .spawn()
        .unwrap();
    let logs = LogCollector::default();
    let client = connect(
        transport,
        ClientConfig::new(Implementation::new("c", "0")),
        logs.clone(),
    )
    .await
    .unwrap();
    let checks = run_checks(&client, &logs, "oxmcp-interop-server", |_| {}).await;
    let failed: Vec<_> = checks.iter().filter(|c| !c.ok).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    client.close().await;
    let status = child.shutdown().await.unwrap();
    assert!(
        status.success(),
        "the server exits by itself when its stdin closes: {status}"
    );
}
