//! The `tracing` bridge: events inside a tool reach the client of that request.

use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::ToolRoute;
use oxmcp_core::server::tracing_bridge::McpLoggingLayer;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;

use crate::router_support::*;

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct CityArgs {
    city: String,
}

fn server() -> McpServer {
    let weather = ToolRoute::new("weather", |args: CityArgs, _cx| async move {
        tracing::debug!("too detailed for the default level");
        tracing::info!(city = %args.city, attempts = 2, access_token = "s3cr3t", "looking up the weather");
        tracing::warn!(target: "weather::cache", "cache miss");
        format!("sunny in {}", args.city)
    });
    McpServer::builder(info()).tool(weather).build().unwrap()
}

#[tokio::test(start_paused = true)]
async fn tracing_events_in_a_tool_reach_that_client() {
    let subscriber = tracing_subscriber::registry().with(McpLoggingLayer::new());
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = server();
    let caller = open(&server).await;
    let bystander = open(&server).await;
    let r = caller
        .ok("tools/call", call("weather", json!({"city": "Paris"})))
        .await;
    assert_eq!(r["content"][0]["text"], "sunny in Paris");
    let info = caller.notification("notifications/message").await;
    assert_eq!(info["level"], "info");
    assert_eq!(info["logger"], module_path!());
    assert_eq!(
        info["data"],
        json!({"message": "looking up the weather", "city": "Paris", "attempts": 2,
               "access_token": "[redacted]"})
    );
    let warning = caller.notification("notifications/message").await;
    assert_eq!(
        (warning["level"].as_str(), warning["logger"].as_str()),
        (Some("warning"), Some("weather::cache"))
    );
    caller.no_notification("notifications/message").await;
    bystander.no_notification("notifications/message").await;

    // After `logging/setLevel warning`, info is filtered out.
    caller
        .ok("logging/setLevel", json!({"level": "warning"}))
        .await;
    caller
        .ok("tools/call", call("weather", json!({"city": "Oslo"})))
        .await;
    let only = caller.notification("notifications/message").await;
    assert_eq!(only["level"], "warning");
    caller.no_notification("notifications/message").await;
    caller.close().await;
    bystander.close().await;
}
