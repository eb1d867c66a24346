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

/// A server with a scoped prompt, resource and template beside free ones.
fn catalog(hide: bool) -> McpServer {
    use oxmcp_core::server::completion::Completer;
    use oxmcp_core::server::prompts::PromptRoute;
    use oxmcp_core::server::resources::{ResourceRoute, ResourceTemplateRoute};
    use oxmcp_types::prompts::PromptArgument;
    use oxmcp_types::{GetPromptResult, Prompt, Resource, ResourceTemplate};
    let prompt = |name: &str| {
        let prompt = Prompt::new(name).with_arguments(vec![PromptArgument::new("topic")]);
        PromptRoute::new(prompt, |_, _| async { Ok(GetPromptResult::new(vec![])) })
            .with_completion("topic", Completer::from_values(["a", "b"]))
    };
    let template = |uri: &str| {
        ResourceTemplateRoute::new(ResourceTemplate::new(uri, "t"), |uri, _, _| async move {
            Ok(vec![
                oxmcp_types::TextResourceContents::new(uri, "x").into(),
            ])
        })
        .with_completion("id", Completer::from_values(["1"]))
    };
    let resource = |uri: &str| ResourceRoute::text(Resource::new(uri, "r"), "text");
    McpServer::builder(Implementation::new("scoped", "1.0"))
        .hide_unauthorized(hide)
        .prompt(prompt("open"))
        .prompt(prompt("secret").with_scopes(["admin"]))
        .resource(resource("file:///open"))
        .resource(resource("file:///secret").with_scopes(["admin"]))
        .resource_templates([
            template("open://{id}"),
            template("secret://{id}").with_scopes(["admin"]),
        ])
        .resource_subscriptions(true)
        .build()
        .unwrap()
}

async fn listed(client: &RunningClient, method: &str, member: &str, key: &str) -> Vec<String> {
    let list = call(client, method, json!({})).await.unwrap();
    list[member]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t[key].as_str().unwrap().to_owned())
        .collect()
}

/// Every use of the scoped prompt, resource and template, and what it answers.
async fn uses(client: &RunningClient) -> Vec<Result<Value, String>> {
    let complete = |reference: Value, argument: &str| json!({"ref": reference, "argument": {"name": argument, "value": ""}});
    let requests = [
        ("prompts/get", json!({"name": "secret"})),
        ("resources/read", json!({"uri": "file:///secret"})),
        ("resources/read", json!({"uri": "secret://7"})),
        ("resources/subscribe", json!({"uri": "secret://7"})),
        (
            "completion/complete",
            complete(json!({"type": "ref/prompt", "name": "secret"}), "topic"),
        ),
        (
            "completion/complete",
            complete(
                json!({"type": "ref/resource", "uri": "secret://{id}"}),
                "id",
            ),
        ),
    ];
    let mut answers = Vec::new();
    for (method, params) in requests {
        answers.push(call(client, method, params).await);
    }
    answers
}

#[tokio::test]
async fn prompts_resources_and_templates_need_their_scopes() {
    let server = catalog(false);
    let reader = client(&server, Some(Principal::new("r").with_scopes(["read"]))).await;
    assert_eq!(
        listed(&reader, "prompts/list", "prompts", "name").await,
        ["open", "secret"]
    );
    for answer in uses(&reader).await {
        let refused = answer.unwrap_err();
        assert!(
            refused.contains("insufficient scope") && refused.contains("`admin`"),
            "{refused}"
        );
    }
    let admin = client(&server, Some(Principal::new("a").with_scopes(["admin"]))).await;
    for answer in uses(&admin).await {
        answer.unwrap();
    }
    let anonymous = client(&server, None).await;
    for answer in uses(&anonymous).await {
        answer.unwrap();
    }
    let open = call(&reader, "resources/read", json!({"uri": "open://1"})).await;
    assert_eq!(open.unwrap()["contents"][0]["text"], "x");
}

#[tokio::test]
async fn hidden_prompts_resources_and_templates_look_unknown() {
    let server = catalog(true);
    let reader = client(&server, Some(Principal::new("r").with_scopes(["read"]))).await;
    assert_eq!(
        listed(&reader, "prompts/list", "prompts", "name").await,
        ["open"]
    );
    assert_eq!(
        listed(&reader, "resources/list", "resources", "uri").await,
        ["file:///open"]
    );
    assert_eq!(
        listed(
            &reader,
            "resources/templates/list",
            "resourceTemplates",
            "uriTemplate"
        )
        .await,
        ["open://{id}"]
    );
    let answers = uses(&reader).await;
    let unknown = [
        call(&reader, "prompts/get", json!({"name": "nope"})).await,
        call(&reader, "resources/read", json!({"uri": "nope:///x"})).await,
    ];
    let same = |hidden: &Result<Value, String>, unknown: &Result<Value, String>, from, to| {
        let hidden = hidden.clone().unwrap_err().replace(from, to);
        assert_eq!(&hidden, unknown.as_ref().unwrap_err());
    };
    same(&answers[0], &unknown[0], "secret", "nope");
    same(&answers[1], &unknown[1], "file:///secret", "nope:///x");
    same(&answers[2], &unknown[1], "secret://7", "nope:///x");
    same(&answers[3], &unknown[1], "secret://7", "nope:///x");
    for completion in &answers[4..] {
        let refused = completion.clone().unwrap_err();
        assert!(refused.contains("unknown"), "{refused}");
    }
    let admin = client(&server, Some(Principal::new("a").with_scopes(["admin"]))).await;
    assert_eq!(
        listed(&admin, "resources/list", "resources", "uri").await,
        ["file:///open", "file:///secret"]
    );
}
