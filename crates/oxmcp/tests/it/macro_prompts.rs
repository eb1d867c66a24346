//! `#[prompt_router]` end to end.

use std::sync::Arc;

use oxmcp::prelude::*;
use oxmcp::types::prompts::PromptMessage;
use oxmcp::types::{ErrorCode, ErrorData, GetPromptResult, Role, TextContent};
use serde_json::json;

use crate::macro_support::{info, open_server};

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct ReviewArgs {
    /// The code to review.
    code: String,
    /// What to focus on.
    focus: Option<String>,
}

struct Prompts {
    greeting: String,
}

#[prompt_router]
impl Prompts {
    /// Greets someone.
    #[prompt(title = "Greet")]
    async fn greet(
        &self,
        /// Who to greet.
        name: String,
        /// The tone.
        tone: Option<String>,
    ) -> String {
        let tone = tone.unwrap_or_else(|| "warmly".to_owned());
        format!("{} {name}, {tone}.", self.greeting)
    }

    /// Reviews code.
    #[prompt(name = "code.review", scopes = ["code:read", "review"])]
    async fn review(
        &self,
        args: ReviewArgs,
        cx: RequestContext<Server>,
    ) -> Result<Vec<PromptMessage>, ErrorData> {
        let focus = args.focus.unwrap_or_else(|| "everything".to_owned());
        Ok(vec![
            PromptMessage::new(Role::User, TextContent::new(args.code)),
            PromptMessage::new(
                Role::Assistant,
                TextContent::new(format!("focus: {focus}, {}", cx.protocol_version())),
            ),
        ])
    }

    /// Always fails.
    #[prompt]
    async fn broken() -> Result<GetPromptResult, ErrorData> {
        Err(ErrorData::internal_error("broken on purpose"))
    }
}

#[test]
fn scopes_reach_the_prompt_route() {
    let routes = Arc::new(Prompts {
        greeting: "Hi".into(),
    })
    .prompt_routes();
    let scopes = |name: &str| routes.iter().find(|r| r.name() == name).unwrap().scopes();
    assert_eq!(scopes("code.review"), ["code:read", "review"]);
    assert!(scopes("greet").is_empty());
}

async fn session() -> crate::macro_support::Session {
    let prompts = Arc::new(Prompts {
        greeting: "Hello".to_owned(),
    });
    let server = prompts
        .prompt_routes()
        .into_iter()
        .fold(McpServer::builder(info()), |builder, route| {
            builder.prompt(route)
        })
        .build()
        .expect("the server builds");
    open_server(&server).await
}

#[tokio::test]
async fn prompts_are_listed_with_their_arguments() {
    let session = session().await;
    let list = session
        .request("prompts/list", json!({}), oxmcp::RequestOptions::new())
        .await
        .expect("prompts/list");
    assert_eq!(
        list["prompts"],
        json!([
            {
                "name": "greet",
                "title": "Greet",
                "description": "Greets someone.",
                "arguments": [
                    {"name": "name", "description": "Who to greet.", "required": true},
                    {"name": "tone", "description": "The tone.", "required": false}
                ]
            },
            {
                "name": "code.review",
                "description": "Reviews code.",
                "arguments": [
                    {"name": "code", "description": "The code to review.", "required": true},
                    {"name": "focus", "description": "What to focus on.", "required": false}
                ]
            },
            {"name": "broken", "description": "Always fails.", "arguments": []}
        ])
    );
}

#[tokio::test]
async fn prompts_are_rendered_by_the_methods() {
    let session = session().await;
    let options = oxmcp::RequestOptions::new;

    let params = json!({"name": "greet", "arguments": {"name": "Ada"}});
    let greet = session.request("prompts/get", params, options()).await;
    let greet = greet.expect("prompts/get greet");
    assert_eq!(
        greet["messages"],
        json!([{"role": "user", "content": {"type": "text", "text": "Hello Ada, warmly."}}])
    );

    let params =
        json!({"name": "code.review", "arguments": {"code": "fn main() {}", "focus": "names"}});
    let review = session.request("prompts/get", params, options()).await;
    let review = review.expect("prompts/get code.review");
    assert_eq!(review["messages"][0]["content"]["text"], "fn main() {}");
    assert_eq!(
        review["messages"][1]["content"]["text"],
        "focus: names, 2025-11-25"
    );

    let params = json!({"name": "code.review", "arguments": {}});
    match session.request("prompts/get", params, options()).await {
        Err(oxmcp::RequestError::Remote(error)) => {
            assert_eq!(error.code, ErrorCode::INVALID_PARAMS);
            assert!(error.message.contains("code"), "{}", error.message);
        }
        other => panic!("expected -32602, got {other:?}"),
    }

    let params = json!({"name": "broken"});
    match session.request("prompts/get", params, options()).await {
        Err(oxmcp::RequestError::Remote(error)) => {
            assert_eq!(error.code, ErrorCode::INTERNAL_ERROR);
            assert_eq!(error.message, "broken on purpose");
        }
        other => panic!("expected -32603, got {other:?}"),
    }
}
