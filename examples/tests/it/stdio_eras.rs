//! Both eras over real stdio, with the `everything-server` binary: a 2026-07-28 client
//! probes with `server/discover` and calls tools with no `initialize`; a legacy client's
//! `initialize` opens a session in the same process, and modern requests are still served
//! beside it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");

/// The everything server over stdio, spoken to line by line.
pub(crate) struct StdioServer {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl StdioServer {
    pub(crate) fn spawn(args: &[&str]) -> Self {
        Self::spawn_with_env(args, &[])
    }

    /// [`spawn`](Self::spawn) with `env` set (and `OXMCP_REQUEST_STATE_KEYS` unset unless
    /// given).
    pub(crate) fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(SERVER)
            .arg("stdio")
            .args(args)
            .env_remove("OXMCP_REQUEST_STATE_KEYS")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn everything-server");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Self {
            child,
            stdin,
            stdout,
        }
    }

    pub(crate) fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        let mut line = serde_json::to_vec(message).unwrap();
        line.push(b'\n');
        stdin.write_all(&line).unwrap();
        stdin.flush().unwrap();
    }

    /// The next line of stdout, as JSON.
    pub(crate) fn recv(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
    }

    /// Sends a request and returns its answer, skipping notifications.
    pub(crate) fn ask(&mut self, id: u64, method: &str, params: &Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self.recv();
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
            assert!(message.get("method").is_some(), "unexpected {message}");
        }
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub(crate) fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Closes stdin and waits for a clean exit.
    pub(crate) fn finish(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

/// The `_meta` of a 2026-07-28 request.
pub(crate) fn modern_meta(capabilities: &Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
        "io.modelcontextprotocol/clientInfo": { "name": "stdio-eras", "version": "1" }
    })
}

fn echo(text: &str, meta: Option<Value>) -> Value {
    let mut params = json!({ "name": "echo", "arguments": { "text": text } });
    if let Some(meta) = meta {
        params["_meta"] = meta;
    }
    params
}

#[test]
fn a_modern_client_probes_and_calls_without_initialize() {
    let mut server = StdioServer::spawn(&[]);
    let probe = server.ask(
        1,
        "server/discover",
        &json!({ "_meta": modern_meta(&json!({})) }),
    );
    let result = &probe["result"];
    assert_eq!(result["supportedVersions"][0], "2026-07-28", "{probe}");
    assert!(
        result["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&json!("2025-11-25"))
    );
    let echoed = server.ask(2, "tools/call", &echo("hi", Some(modern_meta(&json!({})))));
    assert_eq!(echoed["result"]["content"][0]["text"], "hi", "{echoed}");
    assert_eq!(echoed["result"]["resultType"], "complete");
    let mut old = modern_meta(&json!({}));
    old["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let refused = server.ask(3, "tools/list", &json!({ "_meta": old }));
    assert_eq!(refused["error"]["code"], -32022, "{refused}");
    server.finish();
}

#[test]
fn a_legacy_session_and_modern_requests_share_the_process() {
    let mut server = StdioServer::spawn(&[]);
    let init = server.ask(
        1,
        "initialize",
        &json!({ "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": { "name": "legacy", "version": "1" } }),
    );
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    server.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    let legacy = server.ask(2, "tools/call", &echo("old", None));
    assert_eq!(legacy["result"]["content"][0]["text"], "old", "{legacy}");
    assert!(legacy["result"].get("resultType").is_none(), "{legacy}");
    let modern = server.ask(3, "tools/call", &echo("new", Some(modern_meta(&json!({})))));
    assert_eq!(modern["result"]["content"][0]["text"], "new", "{modern}");
    assert_eq!(modern["result"]["resultType"], "complete", "{modern}");
    server.finish();
}
