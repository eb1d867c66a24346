//! Plain `fn` tools and prompts, resource templates, and `#[schema]` types, with nothing but
//! `oxmcp` in scope.
#![deny(warnings)]

use std::sync::Arc;

use oxmcp::prelude::*;
use oxmcp::types::Implementation;

/// The arguments of `shout`.
#[schema(deserialize)]
struct ShoutArgs {
    /// The text.
    text: String,
}

/// A result.
#[schema]
#[derive(Debug, Clone)]
struct Shouted {
    text: String,
}

struct Server1;

#[tool_router]
impl Server1 {
    /// Shouts.
    #[tool]
    fn shout(&self, args: ShoutArgs) -> Json<Shouted> {
        Json(Shouted {
            text: args.text.to_uppercase(),
        })
    }

    /// Reads a file.
    #[tool]
    fn read(path: String) -> Result<String, ToolError> {
        Ok(std::fs::read_to_string(path)?)
    }
}

#[prompt_router]
impl Server1 {
    /// A plain prompt.
    #[prompt]
    fn hello(&self, name: String) -> String {
        format!("Hello, {name}!")
    }
}

#[resource_router]
impl Server1 {
    /// A note.
    #[resource(uri_template = "note://{id}", mime_type = "text/plain")]
    async fn note(&self, cx: RequestContext<Server>, id: u64) -> String {
        format!("note {id} for request {}", cx.id())
    }
}

fn main() {
    let server = Arc::new(Server1);
    let _ = McpServer::builder(Implementation::new("s", "1"))
        .tools(server.tool_routes())
        .prompts(server.prompt_routes())
        .resource_templates(server.resource_templates())
        .build();
}
