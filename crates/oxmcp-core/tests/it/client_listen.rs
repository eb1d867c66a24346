//! `subscriptions/listen` behind the client's notification streams (2026-07-28): a modern
//! client keeps a listen request open for the list changes the server declares, and
//! `subscribe`/`unsubscribe` change its filter, so the streams of `ServerNotifications`
//! work as in a legacy session.

use std::sync::Arc;
use std::time::Duration;

use oxmcp_core::client::{ClientHandler, McpClient, SubscriptionError};
use oxmcp_core::server::resources::ResourceRoute;
use oxmcp_core::server::tools::{NoArguments, ToolRoute};
use oxmcp_core::session::ModernContext;
use oxmcp_core::transport::memory;
use oxmcp_core::{ClientConfig, McpServer, serve_server};
use oxmcp_types::Implementation;
use oxmcp_types::resources::Resource;

fn server() -> McpServer {
    McpServer::builder(Implementation::new("listening", "1"))
        .tool(ToolRoute::new("noop", |_: NoArguments, _cx| async { "ok" }))
        .resource(ResourceRoute::text(Resource::new("file:///a", "a"), "a"))
        .resource(ResourceRoute::text(Resource::new("file:///b", "b"), "b"))
        .build()
        .unwrap()
}

async fn connect(server: &McpServer, listen: bool) -> McpClient {
    let config = server
        .server_config()
        .with_context_source(Arc::new(ModernContext));
    let (a, b) = memory::duplex(16);
    serve_server(a, config, server.clone());
    let mut config = ClientConfig::new(Implementation::new("c", "1")).with_era_probe();
    config.listen = listen;
    McpClient::connect(b, config, ClientHandler::new())
        .await
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn list_changes_and_resource_updates_reach_the_streams() {
    let server = server();
    let client = connect(&server, true).await;
    let mut tools = client.notifications().tool_list_changed();
    server
        .add_tool(ToolRoute::new("later", |_: NoArguments, _cx| async {
            "ok"
        }))
        .unwrap();
    tools.recv().await.unwrap();

    let mut updates = client.notifications().resource_updated();
    client.peer().subscribe("file:///a").await.unwrap();
    client.peer().subscribe("file:///b").await.unwrap();
    server.notify_resource_updated("file:///a");
    server.notify_resource_updated("file:///b");
    // Each once: the notifications of the listen request the subscription replaced are
    // dropped once the new one is acknowledged.
    let mut seen = vec![updates.recv().await.unwrap().uri];
    seen.push(updates.recv().await.unwrap().uri);
    assert_eq!(seen, ["file:///a", "file:///b"]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(matches!(updates.try_recv(), Ok(None)), "no duplicate");

    // After unsubscribing, no more updates of that resource; the other still comes, and
    // so do list changes (the filter kept them).
    client.peer().unsubscribe("file:///a").await.unwrap();
    server.notify_resource_updated("file:///a");
    server.notify_resource_updated("file:///b");
    assert_eq!(updates.recv().await.unwrap().uri, "file:///b");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        matches!(updates.try_recv(), Ok(None)),
        "no update of file:///a"
    );
    server.remove_tool("later");
    tools.recv().await.unwrap();
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn without_listening_no_list_change_arrives_until_a_subscription() {
    let server = server();
    let client = connect(&server, false).await;
    let mut tools = client.notifications().tool_list_changed();
    server
        .add_tool(ToolRoute::new("later", |_: NoArguments, _cx| async {
            "ok"
        }))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(matches!(tools.try_recv(), Ok(None)));
    // A subscription opens a listen request for that resource only.
    let mut updates = client.notifications().resource_updated();
    client.peer().subscribe("file:///a").await.unwrap();
    server.notify_resource_updated("file:///a");
    assert_eq!(updates.recv().await.unwrap().uri, "file:///a");
    server.remove_tool("later");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(matches!(tools.try_recv(), Ok(None)));
    client.close().await;
    let closed = updates.recv().await;
    assert!(
        matches!(closed, Err(SubscriptionError::Closed)),
        "{closed:?}"
    );
}
