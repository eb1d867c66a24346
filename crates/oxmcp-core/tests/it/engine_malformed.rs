//! Malformed input: each gets its exact error and the stream carries on.

use oxmcp_core::transport::memory;
use oxmcp_core::{SessionConfig, serve_server};
use serde_json::{Value, json};

use crate::support::*;

async fn initialized_raw() -> RawPeer<memory::MemoryTransport> {
    let (a, b) = memory::duplex(64);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-11-25").await;
    raw
}

async fn assert_error(
    raw: &mut RawPeer<memory::MemoryTransport>,
    input: &[u8],
    id: Value,
    code: i64,
    message_part: &str,
) {
    raw.send_bytes(input).await;
    let answer = raw.recv().await;
    assert_eq!(answer["jsonrpc"], "2.0");
    assert_eq!(
        answer["id"],
        id,
        "{}: {answer}",
        String::from_utf8_lossy(input)
    );
    assert_eq!(
        answer["error"]["code"],
        code,
        "{}: {answer}",
        String::from_utf8_lossy(input)
    );
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(message_part),
        "{message:?} lacks {message_part:?}"
    );
    // The stream carries on.
    raw.send(json!({"jsonrpc":"2.0","id":"after","method":"ping"}))
        .await;
    assert_eq!(raw.recv().await["id"], "after");
}

#[tokio::test(start_paused = true)]
async fn invalid_json_is_a_parse_error_with_null_id() {
    let mut raw = initialized_raw().await;
    assert_error(
        &mut raw,
        b"{\"jsonrpc\":\"2.0\",",
        Value::Null,
        -32700,
        "parse error",
    )
    .await;
    assert_error(
        &mut raw,
        b"not json at all",
        Value::Null,
        -32700,
        "parse error",
    )
    .await;
    assert_error(
        &mut raw,
        b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"} trailing",
        Value::Null,
        -32700,
        "parse error",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn invalid_utf8_is_a_parse_error() {
    let mut raw = initialized_raw().await;
    assert_error(
        &mut raw,
        b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}",
        Value::Null,
        -32700,
        "UTF-8",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn wrong_types_are_invalid_requests() {
    let mut raw = initialized_raw().await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
        Value::Null,
        -32600,
        "`id` must be a string or an integer",
    )
    .await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#,
        Value::Null,
        -32600,
        "`id`",
    )
    .await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"2.0","id":4,"method":7}"#,
        json!(4),
        -32600,
        "`method` must be a string",
    )
    .await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"2.0","id":5,"method":"echo","params":[1,2]}"#,
        json!(5),
        -32600,
        "`params` must be an object",
    )
    .await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"1.0","id":6,"method":"ping"}"#,
        json!(6),
        -32600,
        "`jsonrpc` must be \"2.0\"",
    )
    .await;
    assert_error(&mut raw, br#"[1,2]"#, Value::Null, -32600, "batches").await;
    assert_error(&mut raw, br#"42"#, Value::Null, -32600, "JSON-RPC message").await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"2.0","id":8,"id":9,"method":"ping"}"#,
        Value::Null,
        -32600,
        "duplicate key `id`",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn null_ids_are_invalid_requests() {
    let mut raw = initialized_raw().await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
        Value::Null,
        -32600,
        "not null",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn typed_params_of_the_wrong_shape_are_invalid_params() {
    let mut raw = initialized_raw().await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"2.0","id":3,"method":"logging/setLevel","params":{"level":7}}"#,
        json!(3),
        -32602,
        "invalid params",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn deep_nesting_is_refused_before_parsing() {
    let mut raw = initialized_raw().await;
    let deep = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"echo","params":{{"a":{}0{}}}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_error(
        &mut raw,
        deep.as_bytes(),
        Value::Null,
        -32600,
        "nests deeper than 64",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn the_depth_limit_is_a_setting() {
    let (a, b) = memory::duplex(8);
    let mut session = SessionConfig::default();
    session.max_depth = 4;
    let _server = serve_server(
        a,
        full_server_config().with_session_config(session),
        TestServer::default(),
    );
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-11-25").await;
    assert_error(
        &mut raw,
        br#"{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":[[[1]]]}}"#,
        Value::Null,
        -32600,
        "nests deeper than 4",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn stray_responses_and_errors_without_ids_are_not_answered() {
    let mut raw = initialized_raw().await;
    raw.send(json!({"jsonrpc":"2.0","id":12345,"result":{}}))
        .await;
    raw.send(json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}))
        .await;
    raw.expect_silence(100).await;
}

#[tokio::test(start_paused = true)]
async fn batches_are_accepted_only_under_2025_03_26() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-03-26").await;
    raw.send(json!([
        {"jsonrpc":"2.0","id":1,"method":"ping"},
        {"jsonrpc":"2.0","id":2,"method":7},
        {"jsonrpc":"2.0","method":"notifications/x"},
    ]))
    .await;
    let mut answers = [raw.recv().await, raw.recv().await];
    answers.sort_by_key(|a| a["id"].as_i64());
    assert_eq!(answers[0], json!({"jsonrpc":"2.0","id":1,"result":{}}));
    assert_eq!(answers[1]["error"]["code"], -32600);
    raw.expect_silence(50).await;
}

#[tokio::test(start_paused = true)]
async fn a_batch_past_the_limit_is_refused_whole_before_decoding() {
    let (a, b) = memory::duplex(8);
    let mut config = full_server_config();
    config.session.max_batch_messages = 3;
    let _server = serve_server(a, config, TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-03-26").await;
    // Four pings, then bytes that are not JSON: the count stops before them.
    let batch = br#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"ping"},{"jsonrpc":"2.0","id":3,"method":"ping"},{"jsonrpc":"2.0","id":4,"method":"ping"},{{{"#;
    assert_error(
        &mut raw,
        batch,
        Value::Null,
        -32600,
        "a batch of more than 3 messages",
    )
    .await;
    raw.expect_silence(50).await;
    // A batch within the limit is still answered.
    raw.send(json!([{"jsonrpc":"2.0","id":5,"method":"ping"}]))
        .await;
    assert_eq!(
        raw.recv().await,
        json!({"jsonrpc":"2.0","id":5,"result":{}})
    );
}

#[tokio::test(start_paused = true)]
async fn an_oversized_message_is_refused_and_the_stream_carries_on() {
    let (a, b) = memory::duplex_with_limit(8, 1024);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-11-25").await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"echo","params":{{"a":"{}"}}}}"#,
        "x".repeat(2000)
    );
    assert_error(
        &mut raw,
        big.as_bytes(),
        Value::Null,
        -32600,
        "exceeds the limit of 1024 bytes",
    )
    .await;
}
