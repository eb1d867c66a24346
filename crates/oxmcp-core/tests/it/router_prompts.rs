//! `McpServer` prompts and completion end to end.

use std::sync::{Arc, Mutex};

use oxmcp_core::server::McpServer;
use oxmcp_core::server::completion::{Completer, CompletionRequest};
use oxmcp_core::server::prompts::{PromptRegistrationError, PromptRoute};
use oxmcp_core::server::resources::ResourceTemplateRoute;
use oxmcp_types::prompts::{Prompt, PromptArgument, PromptMessage};
use oxmcp_types::{ErrorCode, GetPromptResult, ResourceTemplate, Role, TextContent};
use serde_json::json;

use crate::router_support::*;

fn message(text: String) -> GetPromptResult {
    GetPromptResult::new(vec![PromptMessage::new(Role::User, TextContent::new(text))])
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Translate {
    /// The text to translate.
    text: String,
    /// The target language.
    language: Option<String>,
}

fn greet() -> PromptRoute {
    PromptRoute::new(
        Prompt::new("greet").with_arguments(vec![
            PromptArgument::new("name").with_required(true),
            PromptArgument::new("style"),
        ]),
        |args, _cx| async move {
            let style = args.get("style").map_or("plainly", String::as_str);
            Ok(message(format!("Greet {} {style}.", args["name"])))
        },
    )
    .with_title("Greeting")
    .with_description("Greets someone.")
}

fn server(seen: Arc<Mutex<Vec<CompletionRequest>>>) -> McpServer {
    let many: Vec<String> = (0..250).map(|i| format!("name{i:03}")).collect();
    let recording = Completer::new(move |request: CompletionRequest, _cx| {
        seen.lock().unwrap().push(request.clone());
        async move { Ok(vec![format!("{}!", request.value)]) }
    });
    McpServer::builder(info())
        .prompt(
            greet()
                .with_completion("name", Completer::from_values(many))
                .with_completion("style", recording),
        )
        .prompt(PromptRoute::typed(
            "translate",
            |a: Translate, _cx| async move {
                Ok(message(format!(
                    "Translate to {}: {}",
                    a.language.unwrap_or_default(),
                    a.text
                )))
            },
        ))
        .resource_template(
            ResourceTemplateRoute::new(
                ResourceTemplate::new("db://{table}/{row}", "rows"),
                |_, _, _| async { Ok(Vec::new()) },
            )
            .with_completion("table", Completer::from_values(["users", "posts", "tags"])),
        )
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn lists_and_gets_prompts() {
    let s = open(&server(Arc::default())).await;
    let list = s.ok("prompts/list", json!({})).await;
    assert_eq!(list["prompts"][0]["name"], "greet");
    assert_eq!(
        list["prompts"][0]["arguments"][0],
        json!({"name": "name", "required": true})
    );
    assert_eq!(
        list["prompts"][1]["arguments"],
        json!([
            {"name": "language", "description": "The target language.", "required": false},
            {"name": "text", "description": "The text to translate.", "required": true}
        ])
    );
    let got = s
        .ok(
            "prompts/get",
            json!({"name": "greet", "arguments": {"name": "Ada", "style": "warmly"}}),
        )
        .await;
    assert_eq!(
        got["messages"][0],
        json!({"role": "user", "content": {"type": "text", "text": "Greet Ada warmly."}})
    );
    let typed = s
        .ok(
            "prompts/get",
            json!({"name": "translate", "arguments": {"text": "hi", "language": "fr"}}),
        )
        .await;
    assert_eq!(
        typed["messages"][0]["content"]["text"],
        "Translate to fr: hi"
    );
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn missing_arguments_and_unknown_prompts_are_invalid_params() {
    let s = open(&server(Arc::default())).await;
    let e = s
        .err(
            "prompts/get",
            json!({"name": "greet", "arguments": {"style": "x"}}),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("required argument(s): name"),
        "{e}"
    );
    assert_eq!(e["data"]["missing"], json!(["name"]));
    let e = s
        .err(
            "prompts/get",
            json!({"name": "translate"}),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    assert!(e["message"].as_str().unwrap().contains("text"), "{e}");
    let e = s
        .err(
            "prompts/get",
            json!({"name": "nope"}),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    assert_eq!(e["message"], "unknown prompt: nope");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn completion_is_cut_at_100_with_total_and_has_more() {
    let s = open(&server(Arc::default())).await;
    let all = s
        .ok(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "greet"},
            "argument": {"name": "name", "value": "NAME"}}),
        )
        .await;
    let values = all["completion"]["values"].as_array().unwrap();
    assert_eq!(values.len(), 100);
    assert_eq!(values[0], "name000");
    assert_eq!(all["completion"]["total"], 250);
    assert_eq!(all["completion"]["hasMore"], true);
    let few = s
        .ok(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "greet"},
            "argument": {"name": "name", "value": "name24"}}),
        )
        .await;
    assert_eq!(
        few["completion"],
        json!({"values": (240..250).map(|i| format!("name{i}")).collect::<Vec<_>>()})
    );
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn completers_receive_the_context_arguments() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = open(&server(seen.clone())).await;
    let r = s
        .ok(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "greet"},
            "argument": {"name": "style", "value": "wa"},
            "context": {"arguments": {"name": "Ada"}}}),
        )
        .await;
    assert_eq!(r["completion"]["values"], json!(["wa!"]));
    let request = seen.lock().unwrap().pop().unwrap();
    assert_eq!(request.argument, "style");
    assert_eq!(request.context.get("name").map(String::as_str), Some("Ada"));
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn completes_template_variables_and_refuses_unknown_references() {
    let s = open(&server(Arc::default())).await;
    let r = s
        .ok(
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "db://{table}/{row}"},
            "argument": {"name": "table", "value": "u"}}),
        )
        .await;
    assert_eq!(r["completion"]["values"], json!(["users"]));
    let none = s
        .ok(
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "db://{table}/{row}"},
            "argument": {"name": "row", "value": ""}}),
        )
        .await;
    assert_eq!(none["completion"]["values"], json!([]));
    for (reference, argument) in [
        (json!({"type": "ref/prompt", "name": "nope"}), "x"),
        (json!({"type": "ref/prompt", "name": "greet"}), "nope"),
        (
            json!({"type": "ref/resource", "uri": "db://{nope}"}),
            "nope",
        ),
        (
            json!({"type": "ref/resource", "uri": "db://{table}/{row}"}),
            "nope",
        ),
    ] {
        s.err(
            "completion/complete",
            json!({"ref": reference, "argument": {"name": argument, "value": ""}}),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    }
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn prompt_changes_send_list_changed() {
    let server = server(Arc::default());
    let one = open(&server).await;
    let two = open(&server).await;
    assert!(server.remove_prompt("translate"));
    one.notification("notifications/prompts/list_changed").await;
    two.notification("notifications/prompts/list_changed").await;
    assert_eq!(
        server.add_prompt(greet()),
        Err(PromptRegistrationError::Duplicate("greet".to_owned()))
    );
    assert!(matches!(
        server.add_prompt(
            PromptRoute::new(Prompt::new("p"), |_, _| async {
                Ok(GetPromptResult::new(Vec::new()))
            })
            .with_completion("zzz", Completer::from_values(["a"]))
        ),
        Err(PromptRegistrationError::UnknownArgument { .. })
    ));
    let list = one.ok("prompts/list", json!({})).await;
    assert_eq!(list["prompts"].as_array().unwrap().len(), 1);
    one.close().await;
    two.close().await;
}

#[tokio::test(start_paused = true)]
async fn completion_without_completers_is_not_declared() {
    let server = McpServer::builder(info()).prompt(greet()).build().unwrap();
    assert!(server.capabilities().completions.is_none());
    let s = open(&server).await;
    let params = json!({"ref": {"type": "ref/prompt", "name": "greet"},
        "argument": {"name": "name", "value": ""}});
    s.not_declared("completion/complete", params, "completions")
        .await;
    s.close().await;
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Tone {
    Formal,
    Casual,
}

/// Typed prompt arguments: the strings a client sends, parsed into the fields' types.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Summary {
    /// The note's number.
    id: u32,
    /// How many sentences.
    sentences: Option<u8>,
    /// The tone.
    tone: Tone,
    /// Whether to quote.
    quote: Option<bool>,
}

#[tokio::test(start_paused = true)]
async fn typed_arguments_are_parsed_from_their_text() {
    let server = McpServer::builder(info())
        .prompt(PromptRoute::typed(
            "summary",
            |a: Summary, _cx| async move {
                let tone = match a.tone {
                    Tone::Formal => "formal",
                    Tone::Casual => "casual",
                };
                Ok(message(format!(
                    "note {} in {} sentences, {tone}, quoting: {}",
                    a.id + 1,
                    a.sentences.unwrap_or(1),
                    a.quote.unwrap_or(false)
                )))
            },
        ))
        .build()
        .unwrap();
    let s = open(&server).await;
    let get = |arguments| json!({"name": "summary", "arguments": arguments});
    let got = s
        .ok(
            "prompts/get",
            get(json!({"id": "41", "sentences": "3", "tone": "formal", "quote": "true"})),
        )
        .await;
    assert_eq!(
        got["messages"][0]["content"]["text"],
        "note 42 in 3 sentences, formal, quoting: true"
    );
    let got = s
        .ok("prompts/get", get(json!({"id": "0", "tone": "casual"})))
        .await;
    assert_eq!(
        got["messages"][0]["content"]["text"],
        "note 1 in 1 sentences, casual, quoting: false"
    );
    for (bad, says) in [
        (
            json!({"id": "x", "tone": "formal"}),
            "not an unsigned integer",
        ),
        (json!({"id": "1", "tone": "angry"}), "unknown variant"),
        (
            json!({"id": "1", "tone": "formal", "sentences": "300"}),
            "not an unsigned integer",
        ),
        (
            json!({"tone": "formal"}),
            "missing the required argument(s): id",
        ),
    ] {
        let e = s
            .err("prompts/get", get(bad), ErrorCode::INVALID_PARAMS)
            .await;
        let message = e["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    }
    s.close().await;
}
