//! `subscriptions/listen` from the client over real HTTP (2026-07-28): list changes and
//! resource updates reach `ServerNotifications`, and a replaced listen request's stream is
//! closed (a server allowing two listen streams per client keeps serving subscription
//! after subscription).

use std::time::Duration;

use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::server::resources::ResourceRoute;
use oxmcp_core::server::tools::{NoArguments, ToolRoute};
use oxmcp_core::{ClientConfig, McpServer};
use oxmcp_http::{HttpClientTransport, HttpServerConfig, McpService, serve_with};
use oxmcp_types::Implementation;
use oxmcp_types::resources::Resource;

async fn listening_server() -> (oxmcp_http::Server, McpServer) {
    let mut builder = McpServer::builder(Implementation::new("listening", "1"))
        .tool(ToolRoute::new("noop", |_: NoArguments, _cx| async { "ok" }));
    for name in ["a", "b", "c"] {
        let resource = Resource::new(format!("file:///{name}"), name);
        builder = builder.resource(ResourceRoute::text(resource, name));
    }
    let mcp = builder.build().unwrap();
    let served = mcp.clone();
    let config = HttpServerConfig::default().with_max_listen_streams_per_client(2);
    let service = McpService::new(move |t| served.serve(t), config);
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    (server, mcp)
}

#[tokio::test]
async fn notifications_arrive_and_replaced_streams_close() {
    let (server, mcp) = listening_server().await;
    let transport = HttpClientTransport::new(&server.url()).unwrap();
    let config = ClientConfig::new(Implementation::new("c", "1")).with_era_probe();
    let client = McpClient::connect(transport, config, ClientHandler::new())
        .await
        .unwrap();
    let mut tools = client.notifications().tool_list_changed();
    mcp.add_tool(ToolRoute::new("later", |_: NoArguments, _cx| async {
        "ok"
    }))
    .unwrap();
    tokio::time::timeout(Duration::from_secs(5), tools.recv())
        .await
        .expect("a tool list change")
        .unwrap();

    // Each change of the filter opens a listen request and closes the one before: with a
    // cap of two streams, a stream left open would get the third subscription refused.
    let mut updates = client.notifications().resource_updated();
    for round in 0..3 {
        for name in ["a", "b", "c"] {
            let uri = format!("file:///{name}");
            client.peer().subscribe(uri.clone()).await.unwrap();
            mcp.notify_resource_updated(&uri);
            let update = tokio::time::timeout(Duration::from_secs(5), updates.recv())
                .await
                .unwrap_or_else(|_| panic!("no update of {uri} in round {round}"))
                .unwrap();
            assert_eq!(update.uri, uri);
            client.peer().unsubscribe(uri).await.unwrap();
        }
    }
    client.close().await;
}
