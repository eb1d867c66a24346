//! The resources, the resource template and the prompts the server scenarios read
//! (`resources-*`, `prompts-*`, `completion-complete`).

use oxmcp_core::server::completion::Completer;
use oxmcp_core::server::prompts::PromptRoute;
use oxmcp_core::server::resources::{ResourceRoute, ResourceTemplateRoute};
use oxmcp_types::content::{
    BlobResourceContents, EmbeddedResource, ImageContent, Role, TextResourceContents,
};
use oxmcp_types::prompts::{GetPromptResult, Prompt, PromptArgument, PromptMessage};
use oxmcp_types::resources::{Resource, ResourceTemplate};
use oxmcp_types::{ContentBlock, ErrorData, ResourceContents};
use serde_json::json;

use super::tools::PNG_BASE64;

/// `test://static-text`, `test://static-binary` and `test://watched-resource`.
pub(crate) fn resources() -> Vec<ResourceRoute> {
    let text = Resource::new("test://static-text", "static-text")
        .with_title("Static Text Resource")
        .with_description("A static text resource for testing")
        .with_mime_type("text/plain");
    let binary = Resource::new("test://static-binary", "static-binary")
        .with_title("Static Binary Resource")
        .with_description("A static binary resource (a PNG image) for testing")
        .with_mime_type("image/png");
    let watched = Resource::new("test://watched-resource", "watched-resource")
        .with_title("Watched Resource")
        .with_description("A resource clients may subscribe to")
        .with_mime_type("text/plain");
    vec![
        ResourceRoute::text(text, "This is the content of the static text resource."),
        ResourceRoute::new(binary, |uri, _cx| async move {
            let blob = BlobResourceContents::new(uri, PNG_BASE64).with_mime_type("image/png");
            Ok(vec![ResourceContents::from(blob)])
        }),
        ResourceRoute::text(watched, "Watched resource content"),
    ]
}

/// `test://template/{id}/data`: JSON that names the `id` it was read with.
pub(crate) fn template() -> ResourceTemplateRoute {
    let template = ResourceTemplate::new("test://template/{id}/data", "template")
        .with_title("Resource Template")
        .with_description("A resource template with parameter substitution")
        .with_mime_type("application/json");
    ResourceTemplateRoute::new(template, |uri, vars, _cx| async move {
        let id = vars.get("id").cloned().unwrap_or_default();
        let body = json!({ "id": id, "templateTest": true, "data": format!("Data for ID: {id}") });
        let contents =
            TextResourceContents::new(uri, body.to_string()).with_mime_type("application/json");
        Ok(vec![ResourceContents::from(contents)])
    })
}

fn user(content: impl Into<ContentBlock>) -> PromptMessage {
    PromptMessage::new(Role::User, content)
}

fn argument(name: &str, description: &str) -> PromptArgument {
    PromptArgument::new(name)
        .with_description(description)
        .with_required(true)
}

/// The four prompts.
pub(crate) fn prompts() -> Vec<PromptRoute> {
    vec![
        simple_prompt(),
        prompt_with_arguments(),
        prompt_with_embedded_resource(),
        prompt_with_image(),
    ]
}

fn simple_prompt() -> PromptRoute {
    let prompt = Prompt::new("test_simple_prompt")
        .with_title("Simple Test Prompt")
        .with_description("A simple prompt without arguments");
    PromptRoute::new(prompt, |_args, _cx| async {
        Ok(GetPromptResult::new(vec![user(ContentBlock::text(
            "This is a simple prompt for testing.",
        ))]))
    })
}

fn prompt_with_arguments() -> PromptRoute {
    let prompt = Prompt::new("test_prompt_with_arguments")
        .with_title("Prompt With Arguments")
        .with_description("A prompt with required arguments")
        .with_arguments(vec![
            argument("arg1", "First test argument"),
            argument("arg2", "Second test argument"),
        ]);
    PromptRoute::new(prompt, |args, _cx| async move {
        let get = |name: &str| args.get(name).map_or("", String::as_str).to_owned();
        let text = format!(
            "Prompt with arguments: arg1='{}', arg2='{}'",
            get("arg1"),
            get("arg2")
        );
        Ok::<_, ErrorData>(GetPromptResult::new(vec![user(ContentBlock::text(text))]))
    })
    .with_completion(
        "arg1",
        Completer::from_values(["paris", "park", "party", "test", "testing"]),
    )
}

fn prompt_with_embedded_resource() -> PromptRoute {
    let prompt = Prompt::new("test_prompt_with_embedded_resource")
        .with_title("Prompt With Embedded Resource")
        .with_description("A prompt that includes an embedded resource")
        .with_arguments(vec![argument(
            "resourceUri",
            "URI of the resource to embed",
        )]);
    PromptRoute::new(prompt, |args, _cx| async move {
        let uri = args.get("resourceUri").cloned().unwrap_or_default();
        let contents = TextResourceContents::new(uri, "Embedded resource content for testing.")
            .with_mime_type("text/plain");
        Ok(GetPromptResult::new(vec![
            user(ContentBlock::Resource(EmbeddedResource::new(contents))),
            user(ContentBlock::text(
                "Please process the embedded resource above.",
            )),
        ]))
    })
}

fn prompt_with_image() -> PromptRoute {
    let prompt = Prompt::new("test_prompt_with_image")
        .with_title("Prompt With Image")
        .with_description("A prompt that includes image content");
    PromptRoute::new(prompt, |_args, _cx| async {
        Ok(GetPromptResult::new(vec![
            user(ContentBlock::Image(ImageContent::new(
                PNG_BASE64,
                "image/png",
            ))),
            user(ContentBlock::text("Please analyze the image above.")),
        ]))
    })
}
