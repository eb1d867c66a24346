//! Single-use request states (`RoundTripConfig::with_replay_guard`): a state is accepted
//! once; the same retry again is refused `replayed`, a full guard `replay_guard_full`;
//! without the guard a state may be retried until it expires, and after its expiry it is
//! refused either way.

use std::time::Duration;

use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::mrtr::{ENTRY_BYTES, RoundTripConfig};
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::transport::memory;
use oxmcp_core::{McpServer, RequestContext, role::Server};
use oxmcp_types::Implementation;
use serde_json::{Value, json};

use crate::support::RawPeer;

type Raw = RawPeer<memory::MemoryTransport>;

/// The answer the user gives in a form.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// `greet` asks a name, then the place: two rounds.
fn server(config: RoundTripConfig) -> McpServer {
    let greet = ToolRoute::new(
        "greet",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            let name = match cx.with_input_key("name").elicit::<Name>("Name?").await? {
                ElicitOutcome::Accepted(n) => n.name,
                _ => "stranger".to_owned(),
            };
            let place = match cx.with_input_key("place").elicit::<Name>("Where?").await? {
                ElicitOutcome::Accepted(n) => n.name,
                _ => "nowhere".to_owned(),
            };
            Ok::<_, ToolError>(format!("{name} in {place}"))
        },
    );
    McpServer::builder(Implementation::new("replay", "1"))
        .tool(greet)
        .round_trips(config)
        .build()
        .unwrap()
}

fn connect(server: &McpServer) -> Raw {
    let (a, b) = memory::duplex(16);
    let _running = server.serve(a);
    RawPeer::new(b)
}

async fn greet(raw: &mut Raw, extra: Value) -> Value {
    let mut params = json!({ "name": "greet", "arguments": {}, "_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": { "elicitation": {} } } });
    params
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}))
        .await;
    raw.recv().await
}

/// Round 1, then the retry with the name: the state of round 1, and the retry's params.
async fn first_round(raw: &mut Raw) -> Value {
    let r1 = greet(raw, json!({})).await;
    let state = r1["result"]["requestState"]
        .as_str()
        .expect("a state")
        .to_owned();
    json!({ "requestState": state,
            "inputResponses": { "name": { "action": "accept", "content": { "name": "Ada" } } } })
}

fn refusal(answer: &Value) -> &str {
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    answer["error"]["data"]["requestState"].as_str().unwrap()
}

#[tokio::test]
async fn with_the_guard_a_state_is_good_for_one_retry() {
    let server = server(RoundTripConfig::default().with_replay_guard(1024 * ENTRY_BYTES));
    let mut raw = connect(&server);
    let retry = first_round(&mut raw).await;
    let r2 = greet(&mut raw, retry.clone()).await;
    assert_eq!(r2["result"]["resultType"], "input_required", "{r2}");
    assert_eq!(refusal(&greet(&mut raw, retry).await), "replayed");
    // The next round's state is good once too.
    let place = json!({ "requestState": r2["result"]["requestState"],
        "inputResponses": { "place": { "action": "accept", "content": { "name": "Paris" } } } });
    let r3 = greet(&mut raw, place.clone()).await;
    assert_eq!(r3["result"]["content"][0]["text"], "Ada in Paris", "{r3}");
    assert_eq!(refusal(&greet(&mut raw, place).await), "replayed");
}

#[tokio::test]
async fn a_full_guard_refuses_new_states_until_old_ones_expire() {
    let config = RoundTripConfig::default()
        .with_replay_guard(ENTRY_BYTES)
        .with_state_ttl(Duration::from_millis(300));
    let server = server(config);
    let mut raw = connect(&server);
    let first = first_round(&mut raw).await;
    // States issued in the same millisecond for the same request are the same state.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = first_round(&mut raw).await;
    let r2 = greet(&mut raw, first).await;
    assert_eq!(r2["result"]["resultType"], "input_required", "{r2}");
    assert_eq!(refusal(&greet(&mut raw, second).await), "replay_guard_full");
    // Once the first state expired its place is free.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let third = first_round(&mut raw).await;
    let r2 = greet(&mut raw, third).await;
    assert_eq!(r2["result"]["resultType"], "input_required", "{r2}");
}

#[tokio::test]
async fn without_the_guard_a_state_is_retried_until_it_expires() {
    let config = RoundTripConfig::default().with_state_ttl(Duration::from_millis(300));
    let server = server(config);
    let mut raw = connect(&server);
    let retry = first_round(&mut raw).await;
    for _ in 0..2 {
        let r2 = greet(&mut raw, retry.clone()).await;
        assert_eq!(r2["result"]["resultType"], "input_required", "{r2}");
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(refusal(&greet(&mut raw, retry).await), "expired");
}
