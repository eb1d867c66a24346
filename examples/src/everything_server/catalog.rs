//! The resources, resource templates and prompts of the everything server.

use std::sync::Arc;

use oxmcp::PromptRoute;
use oxmcp::server::completion::{Completer, CompletionRequest};
use oxmcp::types::prompts::{Prompt, PromptArgument};
use oxmcp::types::{
    GetPromptResult, PromptMessage, Resource, ResourceTemplate, Role, TextContent,
    TextResourceContents,
};
use oxmcp::{ResourceRoute, ResourceTemplateRoute, resource_not_found};
use schemars::JsonSchema;
use serde::Deserialize;

use super::State;

/// The text of `info://about`.
pub const ABOUT: &str = "oxmcp everything server: every MCP 2025-11-25 feature in one place.";

/// The bytes of `info://pixels`.
pub const PIXELS: [u8; 8] = [0, 1, 2, 3, 252, 253, 254, 255];

/// The URI of the resource `toggle_extras` adds.
pub const EXTRA_URI: &str = "extra://status";

/// `info://about`: a static text resource.
pub fn about() -> ResourceRoute {
    let resource = Resource::new("info://about", "about")
        .with_title("About this server")
        .with_mime_type("text/plain");
    ResourceRoute::text(resource, ABOUT)
}

/// `info://pixels`: a static blob resource.
pub fn pixels() -> ResourceRoute {
    let resource = Resource::new("info://pixels", "pixels")
        .with_description("Eight bytes.")
        .with_mime_type("application/octet-stream");
    ResourceRoute::blob(resource, PIXELS)
}

/// The resource `toggle_extras` adds.
pub fn extra_resource() -> ResourceRoute {
    ResourceRoute::text(
        Resource::new(EXTRA_URI, "extra").with_mime_type("text/plain"),
        "the extras are on",
    )
}

/// `note://{id}`: the notes, with completion of `id`.
pub fn notes(state: &Arc<State>) -> ResourceTemplateRoute {
    let template = ResourceTemplate::new("note://{id}", "note")
        .with_description("A note; `update_note` changes it and notifies subscribers.")
        .with_mime_type("text/plain");
    let reader_state = state.clone();
    let completer_state = state.clone();
    ResourceTemplateRoute::new(template, move |uri, vars, _cx| {
        let text = vars.get("id").and_then(|id| reader_state.note(id));
        async move {
            match text {
                Some(text) => Ok(vec![
                    TextResourceContents::new(uri, text)
                        .with_mime_type("text/plain")
                        .into(),
                ]),
                None => Err(resource_not_found(&uri)),
            }
        }
    })
    .with_completion(
        "id",
        Completer::new(move |request: CompletionRequest, _cx| {
            let ids = completer_state.note_ids();
            async move {
                Ok(ids
                    .into_iter()
                    .filter(|id| id.starts_with(&request.value))
                    .collect())
            }
        }),
    )
}

/// Arguments of the `greet` prompt.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GreetArgs {
    /// Who to greet.
    pub name: String,
    /// How: formal, casual or pirate.
    pub style: Option<String>,
}

/// `greet`: typed arguments, `name` required and `style` optional, both completed.
pub fn greet() -> PromptRoute {
    PromptRoute::typed("greet", |args: GreetArgs, _cx| async move {
        let style = args.style.as_deref().unwrap_or("casual");
        let text = format!("Greet {} in a {style} way.", args.name);
        Ok(
            GetPromptResult::new(vec![PromptMessage::new(Role::User, TextContent::new(text))])
                .with_description(format!("A {style} greeting")),
        )
    })
    .with_title("Greeting")
    .with_description("Writes a greeting.")
    .with_completion(
        "name",
        Completer::from_values(["Ada", "Alan", "Grace", "Linus"]),
    )
    .with_completion(
        "style",
        Completer::from_values(["formal", "casual", "pirate"]),
    )
}

/// `code_review`: `language` required, `framework` optional; the completion of `framework`
/// depends on the `language` already chosen (`context.arguments`).
pub fn code_review() -> PromptRoute {
    let prompt = Prompt::new("code_review")
        .with_title("Code review")
        .with_description("Asks for a review of code in a language and framework.")
        .with_arguments(vec![
            PromptArgument::new("language")
                .with_description("The programming language.")
                .with_required(true),
            PromptArgument::new("framework").with_description("The framework, if any."),
        ]);
    PromptRoute::new(prompt, |args, _cx| async move {
        let language = args.get("language").map_or("code", String::as_str);
        let text = match args.get("framework") {
            Some(framework) => format!("Review this {language} code that uses {framework}."),
            None => format!("Review this {language} code."),
        };
        Ok(GetPromptResult::new(vec![PromptMessage::new(
            Role::User,
            TextContent::new(text),
        )]))
    })
    .with_completion(
        "language",
        Completer::from_values(["python", "rust", "typescript"]),
    )
    .with_completion(
        "framework",
        Completer::new(|request: CompletionRequest, _cx| async move {
            let choices: &[&str] = match request.context.get("language").map(String::as_str) {
                Some("rust") => &["axum", "actix-web", "tokio"],
                Some("python") => &["django", "fastapi", "flask"],
                Some("typescript") => &["express", "nestjs", "react"],
                _ => &[],
            };
            Ok(choices
                .iter()
                .filter(|c| c.starts_with(&request.value))
                .map(|c| (*c).to_owned())
                .collect())
        }),
    )
}

/// The prompt `toggle_extras` adds.
pub fn extra_prompt() -> PromptRoute {
    PromptRoute::new(Prompt::new("extra"), |_args, _cx| async {
        Ok(GetPromptResult::new(vec![PromptMessage::new(
            Role::User,
            TextContent::new("The extras are on."),
        )]))
    })
}
