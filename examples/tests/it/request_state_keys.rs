//! `requestState` keys from configuration, through the `everything-server` binary: a
//! multi round-trip request answered `input_required` by one process is retried on another
//! given the same keys (by `--request-state-keys` on one, `OXMCP_REQUEST_STATE_KEYS` on the
//! other, in hex and in base64) and completes; a process with other keys refuses it; bad
//! keys stop the server before it serves, without printing them.

use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::stdio_eras::{StdioServer, modern_meta};

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");

/// 32 bytes 0x01..=0x20: in hex, and the same secret in base64.
const HEX: &str = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";
const BASE64: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

fn profile(extra: &Value) -> Value {
    let mut params = json!({ "name": "elicit_profile", "arguments": {},
                             "_meta": modern_meta(&json!({ "elicitation": {} })) });
    params
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    params
}

#[test]
fn processes_sharing_keys_accept_each_others_states() {
    let mut first = StdioServer::spawn(&["--request-state-keys", HEX]);
    let round = first.ask(1, "tools/call", &profile(&json!({})));
    assert_eq!(round["result"]["resultType"], "input_required", "{round}");
    let state = round["result"]["requestState"].as_str().unwrap().to_owned();
    first.finish();
    let key = round["result"]["inputRequests"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let retry = profile(&json!({ "requestState": state,
                                "inputResponses": { key: { "action": "decline" } } }));

    let mut second = StdioServer::spawn_with_env(&[], &[("OXMCP_REQUEST_STATE_KEYS", BASE64)]);
    let done = second.ask(2, "tools/call", &retry);
    assert_eq!(done["result"]["content"][0]["text"], "declined", "{done}");
    second.finish();

    let other = "ff".repeat(32);
    let mut third = StdioServer::spawn(&["--request-state-keys", &other]);
    let refused = third.ask(3, "tools/call", &retry);
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    assert_eq!(refused["error"]["data"]["requestState"], "unknown_key");
    third.finish();
}

#[test]
fn bad_keys_stop_the_server_without_showing_them() {
    let short = "abcdef0123456789";
    for (flag, env) in [(Some(short), None), (None, Some(short))] {
        let mut command = Command::new(SERVER);
        command.arg("stdio").env_remove("OXMCP_REQUEST_STATE_KEYS");
        if let Some(keys) = flag {
            command.args(["--request-state-keys", keys]);
        }
        if let Some(keys) = env {
            command.env("OXMCP_REQUEST_STATE_KEYS", keys);
        }
        let output = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("invalid request-state keys"), "{stderr}");
        assert!(!stderr.contains(short), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}
