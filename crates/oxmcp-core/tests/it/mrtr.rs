//! Multi round-trip requests (2026-07-28, SEP-2322): a handler's `cx.elicit`,
//! `cx.create_message` and `cx.list_roots` end a modern request `input_required`, and the
//! retry with the answers and the signed `requestState` runs the handler again past them.
//! States that are altered, expired, foreign or too large are refused; keys rotate and are
//! shared between instances; legacy sessions still send real requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxmcp_core::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::mrtr::{RequestStateKey, RequestStateKeys, RoundTripConfig};
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::session::ModernContext;
use oxmcp_core::transport::memory;
use oxmcp_core::{McpServer, serve_server};
use oxmcp_types::sampling::CreateMessageRequestParams;
use oxmcp_types::{Implementation, SamplingMessage, SamplingMessageContentBlock};
use serde_json::{Value, json};

use crate::support::RawPeer;

type Raw = RawPeer<memory::MemoryTransport>;

fn meta(capabilities: &Value) -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": capabilities,
    })
}

fn all_caps() -> Value {
    json!({ "elicitation": {}, "sampling": {}, "roots": {} })
}

/// The answer the user gives in a form.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

/// Three rounds: a name (elicitation), then a greeting (sampling) and the roots together.
async fn onboard(cx: RequestContext<Server>, runs: Arc<AtomicUsize>) -> Result<String, ToolError> {
    runs.fetch_add(1, Ordering::SeqCst);
    let name = match cx.elicit::<Name>("What is your name?").await? {
        ElicitOutcome::Accepted(n) => n.name,
        _ => "stranger".to_owned(),
    };
    let ask = SamplingMessage::user_text(format!("Greet {name}"));
    let sampled = cx.create_message(CreateMessageRequestParams::new(vec![ask], 50));
    let roots = cx.list_roots();
    let (sampled, roots) = tokio::join!(sampled, roots);
    let (sampled, roots) = (sampled?, roots?);
    let text = match sampled.content.blocks().first() {
        Some(SamplingMessageContentBlock::Text(t)) => t.text.clone(),
        _ => String::new(),
    };
    let first = roots.first().map(|r| r.uri.clone()).unwrap_or_default();
    Ok(format!("{name} / {text} / {first}"))
}

fn server_with(config: RoundTripConfig, runs: Arc<AtomicUsize>) -> McpServer {
    let tool = ToolRoute::new("onboard", move |_: NoArguments, cx| {
        onboard(cx, runs.clone())
    });
    let named = ToolRoute::new(
        "named",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            let keyed = cx.with_input_key("user_name");
            match keyed.elicit::<Name>("Name?").await? {
                ElicitOutcome::Accepted(n) => Ok::<_, ToolError>(format!("Hello, {}!", n.name)),
                _ => Ok("Hello!".to_owned()),
            }
        },
    );
    McpServer::builder(Implementation::new("rounds", "1.0"))
        .tool(tool)
        .tool(named)
        .round_trips(config)
        .build()
        .unwrap()
}

fn modern_peer(server: &McpServer) -> Raw {
    let config = server
        .server_config()
        .with_context_source(Arc::new(ModernContext));
    let (a, b) = memory::duplex(16);
    serve_server(a, config, server.clone());
    RawPeer::new(b)
}

async fn call(raw: &mut Raw, id: u64, params: Value) -> Value {
    raw.send(json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}))
        .await;
    raw.recv().await
}

fn onboard_call(extra: Value) -> Value {
    let mut params = json!({ "name": "onboard", "arguments": {}, "_meta": meta(&all_caps()) });
    if let (Some(p), Value::Object(extra)) = (params.as_object_mut(), extra) {
        p.extend(extra);
    }
    params
}

fn state_of(answer: &Value) -> String {
    answer["result"]["requestState"]
        .as_str()
        .unwrap_or_else(|| panic!("no requestState in {answer}"))
        .to_owned()
}

fn accept_name() -> Value {
    json!({"action": "accept", "content": {"name": "Ada"}})
}

fn sampled(text: &str) -> Value {
    json!({"role": "assistant", "content": {"type": "text", "text": text}, "model": "m"})
}

fn keys(id: &str, byte: u8) -> RequestStateKeys {
    RequestStateKeys::new(RequestStateKey::new(id, [byte; 32]).unwrap())
}

/// Round 1 of `onboard` on `raw`: the state.
async fn first_round(raw: &mut Raw) -> String {
    let answer = call(raw, 1, onboard_call(json!({}))).await;
    state_of(&answer)
}

#[tokio::test]
async fn a_handler_asks_in_rounds_and_resumes_where_it_stopped() {
    let runs = Arc::new(AtomicUsize::new(0));
    let server = server_with(RoundTripConfig::default(), runs.clone());
    let mut raw = modern_peer(&server);
    let r1 = call(&mut raw, 1, onboard_call(json!({}))).await;
    let result = &r1["result"];
    assert_eq!(result["resultType"], "input_required", "{r1}");
    assert_eq!(
        result["inputRequests"]["elicitation-1"]["method"],
        "elicitation/create"
    );
    assert_eq!(result["inputRequests"].as_object().unwrap().len(), 1);
    let retry = json!({ "inputResponses": { "elicitation-1": accept_name() },
                        "requestState": state_of(&r1) });
    let r2 = call(&mut raw, 2, onboard_call(retry)).await;
    let requests = r2["result"]["inputRequests"].as_object().unwrap();
    assert_eq!(
        requests.keys().collect::<Vec<_>>(),
        ["roots-3", "sampling-2"],
        "{r2}"
    );
    assert_eq!(requests["sampling-2"]["method"], "sampling/createMessage");
    assert_eq!(
        requests["sampling-2"]["params"]["messages"][0]["content"]["text"],
        "Greet Ada"
    );
    assert_eq!(requests["roots-3"]["method"], "roots/list");
    assert_ne!(state_of(&r2), state_of(&r1));
    let retry = json!({
        "inputResponses": {
            "sampling-2": sampled("Hello, Ada"),
            "roots-3": {"roots": [{"uri": "file:///home/ada"}]},
            "elicitation-1": {"action": "decline"},
        },
        "requestState": state_of(&r2),
    });
    let r3 = call(&mut raw, 3, onboard_call(retry)).await;
    assert_eq!(r3["result"]["resultType"], "complete", "{r3}");
    // The name came from the state, not from the (ignored) answer sent again.
    assert_eq!(
        r3["result"]["content"][0]["text"],
        "Ada / Hello, Ada / file:///home/ada"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}

/// A retry whose member names are spelled with escapes is the same retry: the answer and
/// the state are found (a search for the names as written would miss them).
#[tokio::test]
async fn a_retry_with_escaped_member_names_resumes() {
    let runs = Arc::new(AtomicUsize::new(0));
    let server = server_with(RoundTripConfig::default(), runs.clone());
    let mut raw = modern_peer(&server);
    let r1 = call(&mut raw, 1, onboard_call(json!({}))).await;
    let retry = json!({ "inputResponses": { "elicitation-1": accept_name() },
                        "requestState": state_of(&r1) });
    let request = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                         "params": onboard_call(retry)});
    let text = request
        .to_string()
        .replace("\"inputResponses\"", r#""input\u0052esponses""#)
        .replace("\"requestState\"", r#""request\u0053tate""#);
    assert!(!text.contains("inputResponses") && !text.contains("requestState"));
    raw.send_bytes(text.as_bytes()).await;
    let r2 = raw.recv().await;
    // Past the name: the next round asks for the greeting and the roots.
    let requests = r2["result"]["inputRequests"].as_object().unwrap();
    assert!(requests.contains_key("sampling-2"), "{r2}");
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_retry_missing_an_answer_is_asked_again_and_named_keys_hold() {
    let server = server_with(RoundTripConfig::default(), Arc::default());
    let mut raw = modern_peer(&server);
    let named = |extra: Value| {
        let mut p = json!({ "name": "named", "arguments": {}, "_meta": meta(&all_caps()) });
        p.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        p
    };
    let r1 = call(&mut raw, 1, named(json!({}))).await;
    assert!(
        r1["result"]["inputRequests"]["user_name"].is_object(),
        "{r1}"
    );
    // Wrong key: asked again, not an error.
    let wrong = json!({ "inputResponses": { "wrong_key": accept_name() },
                        "requestState": state_of(&r1) });
    let r2 = call(&mut raw, 2, named(wrong)).await;
    assert_eq!(r2["result"]["resultType"], "input_required", "{r2}");
    // Answered up front, without a state, with extra keys: they are ignored.
    let upfront = json!({ "inputResponses": { "user_name": accept_name(), "x": {"a": 1} } });
    let r3 = call(&mut raw, 3, named(upfront)).await;
    assert_eq!(r3["result"]["content"][0]["text"], "Hello, Ada!", "{r3}");
    // An answer that is no ElicitResult refuses the request.
    let bad = json!({ "inputResponses": { "user_name": {"roots": "nope"} } });
    let r4 = call(&mut raw, 4, named(bad)).await;
    assert_eq!(r4["error"]["code"], -32602, "{r4}");
    let null = json!({ "inputResponses": null });
    let r5 = call(&mut raw, 5, named(null)).await;
    assert_eq!(r5["error"]["code"], -32602, "{r5}");
}

fn refusal(answer: &Value) -> (&Value, &Value) {
    (
        &answer["error"]["code"],
        &answer["error"]["data"]["requestState"],
    )
}

#[tokio::test]
async fn altered_foreign_and_expired_states_are_refused() {
    let server = server_with(RoundTripConfig::default(), Arc::default());
    let mut raw = modern_peer(&server);
    let state = first_round(&mut raw).await;
    let answers = json!({ "elicitation-1": accept_name() });
    let tampered =
        json!({ "inputResponses": answers, "requestState": format!("{state}-TAMPERED") });
    let answer = call(&mut raw, 2, onboard_call(tampered)).await;
    assert_eq!(
        refusal(&answer),
        (&json!(-32602), &json!("integrity")),
        "{answer}"
    );
    // The same state on a call with other arguments, and on another tool.
    let mut other = onboard_call(json!({ "inputResponses": answers, "requestState": state }));
    other["arguments"] = json!({ "extra": 1 });
    let answer = call(&mut raw, 3, other).await;
    assert_eq!(
        refusal(&answer),
        (&json!(-32602), &json!("other_request")),
        "{answer}"
    );
    let mut other = onboard_call(json!({ "inputResponses": answers, "requestState": state }));
    other["name"] = json!("named");
    let answer = call(&mut raw, 4, other).await;
    assert_eq!(refusal(&answer).1, &json!("other_request"), "{answer}");
    // A server whose states last 1 ms: replayed after expiry.
    let config = RoundTripConfig::default().with_state_ttl(Duration::from_millis(1));
    let brief = server_with(config, Arc::default());
    let mut raw = modern_peer(&brief);
    let state = first_round(&mut raw).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let late = json!({ "inputResponses": answers, "requestState": state });
    let answer = call(&mut raw, 2, onboard_call(late)).await;
    assert_eq!(
        refusal(&answer),
        (&json!(-32602), &json!("expired")),
        "{answer}"
    );
}

#[tokio::test]
async fn keys_rotate_and_instances_sharing_them_take_each_others_retries() {
    let old = RequestStateKey::new("old", [1u8; 32]).unwrap();
    let new = RequestStateKey::new("new", [2u8; 32]).unwrap();
    // Instance A signs with `old`; B signs with `new` and still accepts `old`.
    let a = server_with(
        RoundTripConfig::default().with_keys(keys("old", 1)),
        Arc::default(),
    );
    let both = RequestStateKeys::new(new.clone()).with_key(old);
    let b = server_with(RoundTripConfig::default().with_keys(both), Arc::default());
    let (mut on_a, mut on_b) = (modern_peer(&a), modern_peer(&b));
    let state = first_round(&mut on_a).await;
    let retry = json!({ "inputResponses": { "elicitation-1": accept_name() },
                        "requestState": state });
    let answer = call(&mut on_b, 2, onboard_call(retry.clone())).await;
    assert_eq!(answer["result"]["resultType"], "input_required", "{answer}");
    let from_b = state_of(&answer);
    assert!(from_b.starts_with("1.new."), "{from_b}");
    // Once `old` is retired, its states are refused; B's are not.
    let c = server_with(
        RoundTripConfig::default().with_keys(RequestStateKeys::new(new)),
        Arc::default(),
    );
    let mut on_c = modern_peer(&c);
    let answer = call(&mut on_c, 3, onboard_call(retry)).await;
    assert_eq!(refusal(&answer).1, &json!("unknown_key"), "{answer}");
    let retry = json!({
        "inputResponses": { "sampling-2": sampled("hi"), "roots-3": {"roots": []} },
        "requestState": from_b,
    });
    let answer = call(&mut on_c, 4, onboard_call(retry)).await;
    assert_eq!(
        answer["result"]["content"][0]["text"], "Ada / hi / ",
        "{answer}"
    );
}

#[tokio::test]
async fn the_state_size_is_bounded_both_ways() {
    let shared = || RoundTripConfig::default().with_keys(keys("k", 3));
    let roomy = server_with(shared(), Arc::default());
    let mut raw = modern_peer(&roomy);
    let state = first_round(&mut raw).await;
    let retry = json!({ "inputResponses": { "elicitation-1": accept_name() },
                        "requestState": state });
    // A server that accepts shorter states refuses it before checking anything else.
    let tight = server_with(
        shared().with_max_state_bytes(state.len() - 1),
        Arc::default(),
    );
    let mut raw = modern_peer(&tight);
    let answer = call(&mut raw, 2, onboard_call(retry)).await;
    assert_eq!(
        refusal(&answer),
        (&json!(-32602), &json!("too_large")),
        "{answer}"
    );
    // And one that cannot write its state answers -32603 rather than send it.
    let tiny = server_with(shared().with_max_state_bytes(16), Arc::default());
    let mut raw = modern_peer(&tiny);
    let answer = call(&mut raw, 1, onboard_call(json!({}))).await;
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
}

#[tokio::test]
async fn only_declared_capabilities_are_asked() {
    let tool = ToolRoute::new(
        "either",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            let ask = CreateMessageRequestParams::new(vec![SamplingMessage::user_text("hi")], 5);
            let (named, sampled) = tokio::join!(cx.elicit::<Name>("Name?"), cx.create_message(ask));
            let refused = named.err().map(|e| e.to_string()).unwrap_or_default();
            sampled?;
            Ok::<_, ToolError>(refused)
        },
    );
    let server = McpServer::builder(Implementation::new("rounds", "1.0"))
        .tool(tool)
        .build()
        .unwrap();
    let mut raw = modern_peer(&server);
    let params =
        json!({ "name": "either", "arguments": {}, "_meta": meta(&json!({"sampling": {}})) });
    let answer = call(&mut raw, 1, params).await;
    let requests = answer["result"]["inputRequests"].as_object().unwrap();
    assert_eq!(
        requests.keys().collect::<Vec<_>>(),
        ["sampling-1"],
        "{answer}"
    );
}

#[tokio::test]
async fn other_modern_requests_cannot_reach_the_client() {
    let asks = |_request, cx: RequestContext<Server>| async move {
        match cx.list_roots().await {
            Ok(_) => Ok(oxmcp_core::to_result(&json!({}))?),
            Err(e) => Err(oxmcp_types::ErrorData::internal_error(e.to_string())),
        }
    };
    let server = McpServer::builder(Implementation::new("rounds", "1.0"))
        .fallback(FnHandler(asks))
        .build()
        .unwrap();
    let mut raw = modern_peer(&server);
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "x/ask",
                    "params": {"_meta": meta(&all_caps())}}))
        .await;
    let answer = raw.recv().await;
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("cannot be sent to a 2026-07-28 client"),
        "{answer}"
    );
}

/// A handler from a closure.
struct FnHandler<F>(F);

impl<F, Fut> oxmcp_core::Handler<Server> for FnHandler<F>
where
    F: Fn(oxmcp_core::IncomingRequest, RequestContext<Server>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = oxmcp_core::HandlerResult> + Send,
{
    fn handle_request(
        &self,
        request: oxmcp_core::IncomingRequest,
        cx: RequestContext<Server>,
    ) -> impl Future<Output = oxmcp_core::HandlerResult> + Send {
        (self.0)(request, cx)
    }
}

#[tokio::test]
async fn legacy_sessions_still_send_requests_to_the_client() {
    let server = server_with(RoundTripConfig::default(), Arc::default());
    let (a, b) = memory::duplex(16);
    server.serve(a);
    let mut raw: Raw = RawPeer::new(b);
    raw.send(
        json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{
        "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
        "clientInfo": {"name":"legacy","version":"0"}}}),
    )
    .await;
    raw.recv().await;
    raw.send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
        .await;
    let params = json!({ "name": "named", "arguments": {} });
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}))
        .await;
    let request = raw.recv().await;
    assert_eq!(request["method"], "elicitation/create", "{request}");
    raw.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": accept_name()}))
        .await;
    let answer = raw.recv().await;
    assert_eq!(
        answer["result"]["content"][0]["text"], "Hello, Ada!",
        "{answer}"
    );
    assert!(answer["result"].get("resultType").is_none(), "{answer}");
}

#[tokio::test]
async fn a_state_belongs_to_its_caller() {
    use oxmcp_core::Principal;
    let server = server_with(RoundTripConfig::default(), Arc::default());
    let as_user = |who: &str| {
        let config = server
            .server_config()
            .with_context_source(Arc::new(ModernContext))
            .with_principal(Principal::new(who).with_issuer("https://issuer.example"));
        let (a, b) = memory::duplex(16);
        serve_server(a, config, server.clone());
        RawPeer::new(b)
    };
    let (mut alice, mut bob): (Raw, Raw) = (as_user("alice"), as_user("bob"));
    let state = first_round(&mut alice).await;
    let retry = json!({ "inputResponses": { "elicitation-1": accept_name() },
                        "requestState": state });
    let answer = call(&mut bob, 2, onboard_call(retry.clone())).await;
    assert_eq!(
        refusal(&answer),
        (&json!(-32602), &json!("other_request")),
        "{answer}"
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("principal"),
        "{answer}"
    );
    let answer = call(&mut alice, 3, onboard_call(retry)).await;
    assert_eq!(answer["result"]["resultType"], "input_required", "{answer}");
    assert!(answer["result"]["inputRequests"]["sampling-2"].is_object());
}

#[tokio::test]
async fn resources_read_and_prompts_get_take_rounds_too() {
    use oxmcp_core::server::prompts::PromptRoute;
    use oxmcp_core::server::resources::ResourceRoute;
    use oxmcp_types::{
        ContentBlock, ErrorData, GetPromptResult, Prompt, PromptMessage, Resource, Role,
        TextResourceContents,
    };
    let resource = ResourceRoute::new(
        Resource::new("test://greeting", "greeting"),
        |uri, cx| async move {
            let name = match cx
                .elicit::<Name>("Who is reading?")
                .await
                .map_err(ErrorData::from)?
            {
                ElicitOutcome::Accepted(n) => n.name,
                _ => "nobody".to_owned(),
            };
            Ok(vec![
                TextResourceContents::new(uri, format!("Hi {name}")).into(),
            ])
        },
    );
    let prompt = PromptRoute::new(Prompt::new("roots"), |_args, cx| async move {
        let roots = cx.list_roots().await.map_err(ErrorData::from)?;
        let text = ContentBlock::text(format!("{} roots", roots.len()));
        Ok(GetPromptResult::new(vec![PromptMessage::new(
            Role::User,
            text,
        )]))
    });
    let server = McpServer::builder(Implementation::new("rounds", "1.0"))
        .resource(resource)
        .prompt(prompt)
        .build()
        .unwrap();
    let mut raw = modern_peer(&server);
    let ask = |method: &str, params: Value| json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let read = json!({ "uri": "test://greeting", "_meta": meta(&all_caps()) });
    raw.send(ask("resources/read", read.clone())).await;
    let r1 = raw.recv().await;
    assert_eq!(r1["result"]["resultType"], "input_required", "{r1}");
    let mut retry = read;
    retry["inputResponses"] = json!({ "elicitation-1": accept_name() });
    retry["requestState"] = json!(state_of(&r1));
    raw.send(ask("resources/read", retry)).await;
    let r2 = raw.recv().await;
    assert_eq!(r2["result"]["contents"][0]["text"], "Hi Ada", "{r2}");
    assert_eq!(r2["result"]["resultType"], "complete");
    let get = json!({ "name": "roots", "_meta": meta(&all_caps()) });
    raw.send(ask("prompts/get", get.clone())).await;
    let r1 = raw.recv().await;
    assert_eq!(
        r1["result"]["inputRequests"]["roots-1"]["method"], "roots/list",
        "{r1}"
    );
    let mut retry = get;
    retry["inputResponses"] = json!({ "roots-1": {"roots": [{"uri": "file:///a"}]} });
    retry["requestState"] = json!(state_of(&r1));
    raw.send(ask("prompts/get", retry)).await;
    let r2 = raw.recv().await;
    assert_eq!(
        r2["result"]["messages"][0]["content"]["text"], "1 roots",
        "{r2}"
    );
}

#[tokio::test]
async fn url_elicitation_goes_without_its_id() {
    let tool = ToolRoute::new(
        "connect",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            let url = "https://example.com/connect";
            let action = cx.elicit_url("Connect your account", url, "el-1").await?;
            Ok::<_, ToolError>(format!("{action:?}"))
        },
    );
    let server = McpServer::builder(Implementation::new("rounds", "1.0"))
        .tool(tool)
        .build()
        .unwrap();
    let mut raw = modern_peer(&server);
    let caps = json!({ "elicitation": { "url": {} } });
    let params = json!({ "name": "connect", "arguments": {}, "_meta": meta(&caps) });
    let r1 = call(&mut raw, 1, params.clone()).await;
    let question = &r1["result"]["inputRequests"]["elicitation-1"]["params"];
    assert_eq!(question["mode"], "url", "{r1}");
    assert_eq!(question["url"], "https://example.com/connect");
    assert!(question.get("elicitationId").is_none(), "{r1}");
    let mut retry = params;
    retry["inputResponses"] = json!({ "elicitation-1": { "action": "accept" } });
    retry["requestState"] = json!(state_of(&r1));
    let r2 = call(&mut raw, 2, retry).await;
    assert_eq!(r2["result"]["content"][0]["text"], "Accept", "{r2}");
}

#[tokio::test]
async fn a_handler_that_asks_without_end_is_stopped() {
    let tool = ToolRoute::new(
        "insist",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            // Written for the legacy era, where each call waits for the user.
            loop {
                if let Ok(ElicitOutcome::Accepted(n)) = cx.elicit::<Name>("Name, please").await {
                    return Ok::<_, ToolError>(n.name);
                }
            }
        },
    );
    let config = RoundTripConfig::default().with_max_input_requests(4);
    let server = McpServer::builder(Implementation::new("rounds", "1.0"))
        .tool(tool)
        .round_trips(config)
        .build()
        .unwrap();
    let mut raw = modern_peer(&server);
    let params = json!({ "name": "insist", "arguments": {}, "_meta": meta(&all_caps()) });
    let answer = call(&mut raw, 1, params).await;
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("more than 4 questions"), "{answer}");
}
