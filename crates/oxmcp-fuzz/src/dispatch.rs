//! Target over the whole server: bytes in, bytes out, through an in-memory server with
//! tools, a resource template and a prompt.

use std::time::Duration;

use oxmcp_core::server::McpServer;
use oxmcp_core::server::prompts::PromptRoute;
use oxmcp_core::server::resources::ResourceTemplateRoute;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_core::transport::LineTransport;
use oxmcp_types::jsonrpc;
use oxmcp_types::{
    CallToolResult, GetPromptResult, Implementation, Prompt, ResourceContents, ResourceTemplate,
    TextResourceContents, Tool,
};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What a client says first, so that most inputs reach the operating session.
const HANDSHAKE: &str = concat!(
    r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"roots":{},"sampling":{},"elicitation":{}},"clientInfo":{"name":"fuzz","version":"0"}}}"#,
    "\n",
    r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    "\n"
);

/// The longest a run may take before it counts as a hang.
const HANG: Duration = Duration::from_secs(5);

fn server() -> McpServer {
    let schema = json!({
        "type": "object",
        "properties": { "text": { "type": "string", "maxLength": 64 } },
        "required": ["text"]
    });
    let Some(schema) = schema.as_object().cloned() else {
        unreachable!("a literal object")
    };
    let echo = ToolRoute::from_tool(Tool::new("echo", schema), |args, cx| async move {
        let _ = cx.progress(1.0, Some(2.0), None).await;
        let text = args
            .get("text")
            .map(ToString::to_string)
            .unwrap_or_default();
        Ok::<_, ToolError>(CallToolResult::text(text))
    });
    let template = ResourceTemplate::new("note://{id}", "note");
    let template = ResourceTemplateRoute::new(template, |uri, vars, _cx| async move {
        let id = vars.get("id").cloned().unwrap_or_default();
        Ok(vec![ResourceContents::Text(TextResourceContents::new(
            uri, id,
        ))])
    });
    let prompt = PromptRoute::new(Prompt::new("hello"), |_args, _cx| async {
        Ok(GetPromptResult::new(Vec::new()))
    });
    McpServer::builder(Implementation::new("fuzz", "0"))
        .tool(echo)
        .resource_template(template)
        .prompt(prompt)
        .build()
        .expect("a valid server")
}

/// Sends the handshake and then `data` (as lines) to a server, and reads until it closes:
/// every line it writes is one well-formed JSON-RPC message, and it ends within 5 s.
pub fn server_dispatch(data: &[u8]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let (client, server_io) = tokio::io::duplex(1 << 16);
        let (read, write) = tokio::io::split(server_io);
        let _running = server().serve(LineTransport::new(read, write));
        let (mut from_server, mut to_server) = tokio::io::split(client);
        let mut input = HANDSHAKE.as_bytes().to_vec();
        input.extend_from_slice(data);
        input.push(b'\n');
        let write = async move {
            let _ = to_server.write_all(&input).await;
            let _ = to_server.shutdown().await;
        };
        let read = async move {
            let mut output = Vec::new();
            let _ = from_server.read_to_end(&mut output).await;
            output
        };
        let (_, output) = tokio::time::timeout(HANG, async { tokio::join!(write, read) })
            .await
            .expect("the server ends once its input ends");
        for line in output.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            assert!(
                jsonrpc::decode(line, jsonrpc::DEFAULT_MAX_DEPTH).is_ok(),
                "the server wrote something that is not JSON-RPC: {}",
                String::from_utf8_lossy(line)
            );
        }
    });
}
