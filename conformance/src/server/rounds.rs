//! The tools and the prompt of the 2026-07-28 `input-required-result-*` scenarios (multi
//! round-trip requests, SEP-2322), and `test_streaming_elicitation` (`server-stateless`: no
//! request of the server's own on a response stream). Each is written as for any era: it asks the client with
//! `cx.elicit`, `cx.create_message` or `cx.list_roots`, naming its input keys where the
//! scenario checks them; under 2026-07-28 the engine turns the questions into an
//! `input_required` result and runs the handler again on the retry.

use oxmcp_core::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_core::server::client_requests::{ClientRequestError, ElicitOutcome};
use oxmcp_core::server::prompts::PromptRoute;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_types::sampling::{CreateMessageRequestParams, CreateMessageResult};
use oxmcp_types::{
    ContentBlock, ErrorData, GetPromptResult, Prompt, PromptMessage, Role, SamplingMessage,
    SamplingMessageContentBlock,
};
use schemars::JsonSchema;
use serde::Deserialize;

/// A name, from a form.
#[derive(Debug, Deserialize, JsonSchema)]
struct Name {
    name: String,
}

/// A confirmation, from a form.
#[derive(Debug, Deserialize, JsonSchema)]
struct Confirm {
    ok: bool,
}

/// A favourite colour, from a form.
#[derive(Debug, Deserialize, JsonSchema)]
struct Color {
    color: String,
}

/// The context of a prompt, from a form.
#[derive(Debug, Deserialize, JsonSchema)]
struct Context {
    context: String,
}

/// The accepted answer of a form, or what the user did instead.
fn accepted<T>(outcome: ElicitOutcome<T>) -> Result<T, String> {
    match outcome {
        ElicitOutcome::Accepted(value) => Ok(value),
        ElicitOutcome::Declined => Err("declined".to_owned()),
        ElicitOutcome::Cancelled => Err("cancelled".to_owned()),
    }
}

/// Asks the form of `T` under input key `key`.
async fn ask<T: JsonSchema + for<'de> Deserialize<'de>>(
    cx: &RequestContext<Server>,
    key: &str,
    message: &str,
) -> Result<Result<T, String>, ClientRequestError> {
    let keyed = cx.with_input_key(key);
    keyed.elicit::<T>(message).await.map(accepted)
}

/// Asks the client's LLM `prompt` under input key `key`.
async fn sample(
    cx: &RequestContext<Server>,
    key: &str,
    prompt: &str,
    max_tokens: u64,
) -> Result<CreateMessageResult, ClientRequestError> {
    let params =
        CreateMessageRequestParams::new(vec![SamplingMessage::user_text(prompt)], max_tokens);
    cx.with_input_key(key).create_message(params).await
}

/// The first text of a sampling result.
fn text_of(result: &CreateMessageResult) -> String {
    result
        .content
        .blocks()
        .iter()
        .find_map(|block| match block {
            SamplingMessageContentBlock::Text(t) => Some(t.text.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The URIs of the client's roots, with a `client_roots` key.
async fn roots(cx: &RequestContext<Server>) -> Result<String, ClientRequestError> {
    let roots = cx.with_input_key("client_roots").list_roots().await?;
    let uris: Vec<String> = roots.into_iter().map(|r| r.uri).collect();
    Ok(format!("roots: {}", uris.join(", ")))
}

async fn elicitation(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    Ok(
        match ask::<Name>(&cx, "user_name", "What is your name?").await? {
            Ok(n) => format!("Hello, {}!", n.name),
            Err(what) => format!("Hello! (the user {what})"),
        },
    )
}

async fn sampling(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let answer = sample(
        &cx,
        "capital_question",
        "What is the capital of France?",
        100,
    )
    .await?;
    Ok(format!("LLM response: {}", text_of(&answer)))
}

async fn list_roots(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    Ok(roots(&cx).await?)
}

/// `confirm`, then "state-ok": the confirmation could only come back through a state that
/// passed its integrity check (`request_state` and `tampered_state`).
async fn confirmed(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let answer = ask::<Confirm>(&cx, "confirm", "Please confirm").await?;
    Ok(match answer {
        Ok(c) => format!("state-ok: confirmed={}", c.ok),
        Err(what) => format!("state-ok: the user {what}"),
    })
}

/// A name, a greeting and the roots, asked together in one round.
async fn multiple(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let (name, greeting, roots) = tokio::join!(
        ask::<Name>(&cx, "user_name", "What is your name?"),
        sample(&cx, "greeting", "Generate a greeting", 50),
        roots(&cx),
    );
    let name = name?.map_or_else(|what| format!("(the user {what})"), |n| n.name);
    Ok(format!("{name}; {}; {}", text_of(&greeting?), roots?))
}

/// A name, then a colour: two rounds.
async fn multi_round(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let name = ask::<Name>(&cx, "step1", "Step 1: What is your name?").await?;
    let name = name.map_or_else(|what| format!("(the user {what})"), |n| n.name);
    let color = ask::<Color>(&cx, "step2", "Step 2: What is your favorite color?").await?;
    let color = color.map_or_else(|what| format!("(the user {what})"), |c| c.color);
    Ok(format!("{name} likes {color}"))
}

/// Asks what the client declared of elicitation and sampling (a question of an
/// undeclared capability is refused locally, never sent).
async fn capabilities(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    let (name, answer) = tokio::join!(
        ask::<Name>(&cx, "user_name", "What is your name?"),
        sample(
            &cx,
            "capital_question",
            "What is the capital of France?",
            100
        ),
    );
    let name = match name {
        Ok(n) => n.map_or_else(|what| format!("the user {what}"), |n| n.name),
        Err(e) => format!("no elicitation ({e})"),
    };
    let text = match answer {
        Ok(a) => text_of(&a),
        Err(e) => format!("no sampling ({e})"),
    };
    Ok(format!("{name}; {text}"))
}

/// The tools of the `input-required-result-*` scenarios.
pub(crate) fn routes() -> Vec<ToolRoute> {
    const PREFIX: &str = "test_input_required_result_";
    let name = |suffix: &str| format!("{PREFIX}{suffix}");
    vec![
        ToolRoute::new(name("elicitation"), elicitation)
            .with_description("Asks the user's name (input key user_name)."),
        ToolRoute::new(name("sampling"), sampling)
            .with_description("Asks the client's LLM (input key capital_question)."),
        ToolRoute::new(name("list_roots"), list_roots)
            .with_description("Asks the client's roots (input key client_roots)."),
        ToolRoute::new(name("request_state"), confirmed)
            .with_description("Asks a confirmation (input key confirm); answers state-ok."),
        ToolRoute::new(name("multiple_inputs"), multiple)
            .with_description("Asks a name, a greeting and the roots in one round."),
        ToolRoute::new(name("multi_round"), multi_round)
            .with_description("Asks a name (step1), then a colour (step2)."),
        ToolRoute::new(name("tampered_state"), confirmed)
            .with_description("Asks a confirmation; the state of the round is signed."),
        ToolRoute::new(name("capabilities"), capabilities)
            .with_description("Asks what the client declared of elicitation and sampling."),
        ToolRoute::new("test_streaming_elicitation", elicitation).with_description(
            "Asks the user's name: in 2025-11-25 an elicitation/create request on the \
             response stream, in 2026-07-28 an input_required result (server-stateless).",
        ),
    ]
}

/// `test_input_required_result_prompt`: asks the context to use (key `user_context`).
pub(crate) fn prompt() -> PromptRoute {
    let prompt = Prompt::new("test_input_required_result_prompt")
        .with_description("Asks the user what context the prompt should use.");
    PromptRoute::new(prompt, |_args, cx| async move {
        let asked = ask::<Context>(&cx, "user_context", "What context should the prompt use?");
        let context = asked
            .await
            .map_err(ErrorData::from)?
            .map_or_else(|what| format!("(the user {what})"), |c| c.context);
        let text = ContentBlock::text(format!("Use this context: {context}"));
        Ok(GetPromptResult::new(vec![PromptMessage::new(
            Role::User,
            text,
        )]))
    })
}
