//! Tools with scopes: refused to a principal without them, hidden from its list when the
//! setting is on, unchecked without a principal.

use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::{NoArguments, ToolRoute};
use oxmcp_core::transport::LineTransport;
use oxmcp_core::{ClientConfig, Principal, RunningClient, ServerConfig, connect, serve_server};
use oxmcp_types::Implementation;
use serde_json::{Value, json};

fn server(hide: bool) -> McpServer {
    McpServer::builder(Implementation::new("scoped", "1.0"))
        .hide_unauthorized(hide)
        .tool(ToolRoute::new("read", |_: NoArguments, _cx| async {
            "read"
        }))
        .tool(
            ToolRoute::new("wipe", |_: NoArguments, _cx| async { "wiped" })
                .with_scopes(["files:write", "admin"]),
        )
        .build()
        .unwrap()
}

async fn client(server: &McpServer, principal: Option<Principal>) -> RunningClient {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let (client_read, client_write) = tokio::io::split(client_io);
    let mut config = ServerConfig::new(Implementation::new("scoped", "1.0"))
        .with_capabilities(server.capabilities());
    if let Some(principal) = principal {
        config = config.with_principal(principal);
    }
    serve_server(
        LineTransport::new(server_read, server_write),
        config,
        server.clone(),
    );
    let client = ClientConfig::new(Implementation::new("test-client", "1.0"));
    connect(
        LineTransport::new(client_read, client_write),
        client,
        oxmcp_core::NoHandler,
    )
    .await
    .unwrap()
}

async fn call(client: &RunningClient, method: &str, params: Value) -> Result<Value, String> {
    let raw = serde_json::value::to_raw_value(&params).unwrap();
    match client
        .peer()
        .request_raw(method, Some(raw), Default::default())
        .await
    {
        Ok(answer) => Ok(serde_json::from_str(answer.get()).unwrap()),
        Err(e) => Err(e.to_string()),
    }
}

async fn names(client: &RunningClient) -> Vec<String> {
    let list = call(client, "tools/list", json!({})).await.unwrap();
    list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_call_without_the_scopes_is_refused() {
    let server = server(false);
    assert_eq!(
        server.tool_scopes(),
        [(
            "wipe".to_owned(),
            vec!["files:write".to_owned(), "admin".to_owned()]
        )]
    );
    let reader = client(
        &server,
        Some(Principal::new("r").with_scopes(["files:write"])),
    )
    .await;
    assert_eq!(
        names(&reader).await,
        ["read", "wipe"],
        "shown while hiding is off"
    );
    let refused = call(&reader, "tools/call", json!({"name": "wipe"}))
        .await
        .unwrap_err();
    assert!(
        refused.contains("insufficient scope") && refused.contains("`files:write admin`"),
        "{refused}"
    );
    let ok = call(&reader, "tools/call", json!({"name": "read"}))
        .await
        .unwrap();
    assert_eq!(ok["content"][0]["text"], "read");
    let admin = Principal::new("a").with_scopes(["admin", "files:write"]);
    let admin = client(&server, Some(admin)).await;
    let wiped = call(&admin, "tools/call", json!({"name": "wipe"}))
        .await
        .unwrap();
    assert_eq!(wiped["content"][0]["text"], "wiped");
    // Without authentication there is nothing to check.
    let anonymous = client(&server, None).await;
    assert!(
        call(&anonymous, "tools/call", json!({"name": "wipe"}))
            .await
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn hidden_tools_look_unknown_to_callers_without_their_scopes() {
    let server = server(true);
    let reader = client(&server, Some(Principal::new("r").with_scopes(["admin"]))).await;
    assert_eq!(names(&reader).await, ["read"]);
    let hidden = call(&reader, "tools/call", json!({"name": "wipe"}))
        .await
        .unwrap_err();
    let unknown = call(&reader, "tools/call", json!({"name": "nope"}))
        .await
        .unwrap_err();
    assert_eq!(hidden.replace("wipe", "nope"), unknown);
    let admin = Principal::new("a").with_scopes(["admin", "files:write"]);
    assert_eq!(
        names(&client(&server, Some(admin)).await).await,
        ["read", "wipe"]
    );
}
