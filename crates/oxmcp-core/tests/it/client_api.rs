//! The typed client API: every server request, auto-pagination, notification streams and
//! tool change reports.

use std::time::Duration;

use futures_util::StreamExt;
use oxmcp_core::client::{ClientHandler, PaginationError, SubscriptionError};
use oxmcp_core::{RequestError, RequestOptions};
use oxmcp_types::completion::PromptReference;
use oxmcp_types::methods::{
    PromptListChangedNotification, ResourceListChangedNotification, ResourceUpdatedNotification,
    ToolListChangedNotification,
};
use oxmcp_types::{
    CallToolRequestParams, CompleteRequestParams, ErrorCode, GetPromptRequestParams, LoggingLevel,
    NotificationParams, ResourceContents, ResourceRequestParams, Tool,
};
use serde_json::json;

use crate::client_support::{connect, first_text};

#[tokio::test(start_paused = true)]
async fn lists_follow_next_cursor_across_pages() {
    let (_fake, _server, client) = connect(ClientHandler::new()).await;
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    let names: Vec<_> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["t1", "t2", "t3", "t4", "t5"]);

    let mut pages = client.peer().list_tools();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await {
        sizes.push(page.unwrap().len());
    }
    assert_eq!(sizes, [2, 2, 1]);

    let streamed: Vec<_> = client.peer().list_resources().into_stream().collect().await;
    let uris: Vec<_> = streamed.into_iter().map(|r| r.unwrap().uri).collect();
    assert_eq!(uris, ["file:///a", "file:///b"]);
    let templates = client
        .peer()
        .list_resource_templates()
        .collect_all()
        .await
        .unwrap();
    assert_eq!(templates[0].uri_template, "file:///{path}");
}

#[tokio::test(start_paused = true)]
async fn pagination_is_bounded() {
    let (_fake, _server, client) = connect(ClientHandler::new()).await;
    let err = client
        .peer()
        .list_prompts()
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PaginationError::RepeatedCursor { method: "prompts/list", cursor } if cursor == "again"),
        "{err}"
    );
    let err = client
        .peer()
        .list_tools()
        .max_pages(2)
        .collect_all()
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaginationError::TooManyPages { max: 2, .. }),
        "{err}"
    );
    // The stream yields the items before the repeated cursor, then the error, then ends.
    let items: Vec<_> = client.peer().list_prompts().into_stream().collect().await;
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok() && items[1].is_err());
}

#[tokio::test(start_paused = true)]
async fn every_typed_request() {
    let (fake, _server, client) = connect(ClientHandler::new()).await;
    let peer = client.peer();
    let args = json!({"x": 1}).as_object().unwrap().clone();
    let result = peer
        .call_tool(CallToolRequestParams::new("echo").with_arguments(args))
        .await
        .unwrap();
    assert_eq!(first_text(&result), r#"{"x":1}"#);

    let read = peer.read_resource("file:///a").await.unwrap();
    assert!(matches!(&read.contents[0], ResourceContents::Text(t) if t.text == "hello"));
    peer.subscribe("file:///a").await.unwrap();
    peer.unsubscribe("file:///a").await.unwrap();

    let prompt = peer
        .get_prompt(GetPromptRequestParams::new("p").with_argument("topic", "rust"))
        .await
        .unwrap();
    assert_eq!(prompt.messages[0].content.as_text(), Some("rust"));

    let completion = peer
        .complete(CompleteRequestParams::new(
            PromptReference::new("p"),
            "topic",
            "ru",
        ))
        .await
        .unwrap();
    assert_eq!(completion.completion.values, ["ru-1"]);

    peer.set_logging_level(LoggingLevel::Error).await.unwrap();
    peer.ping().await.unwrap();
    let seen = fake.state.notifications.lock().unwrap().clone();
    assert!(
        seen.contains(&r#"resources/subscribe "file:///a""#.to_owned()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&r#"resources/unsubscribe "file:///a""#.to_owned()),
        "{seen:?}"
    );

    let unknown = peer
        .call_tool(CallToolRequestParams::new("nope"))
        .await
        .unwrap_err();
    assert_eq!(unknown.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
}

#[tokio::test(start_paused = true)]
async fn server_notifications_reach_their_streams() {
    let (_fake, server, client) = connect(ClientHandler::new()).await;
    let n = client.notifications();
    let (mut logs, mut tools, mut resources, mut prompts, mut updated) = (
        n.logs(),
        n.tool_list_changed(),
        n.resource_list_changed(),
        n.prompt_list_changed(),
        n.resource_updated(),
    );
    let peer = server.peer();
    let none = NotificationParams::default();
    peer.log(LoggingLevel::Warning, Some("db"), json!("slow"))
        .await
        .unwrap();
    peer.notify::<ToolListChangedNotification>(&none)
        .await
        .unwrap();
    peer.notify::<ResourceListChangedNotification>(&none)
        .await
        .unwrap();
    peer.notify::<PromptListChangedNotification>(&none)
        .await
        .unwrap();
    peer.notify::<ResourceUpdatedNotification>(&ResourceRequestParams::new("file:///a"))
        .await
        .unwrap();

    let log = logs.recv().await.unwrap();
    assert_eq!(
        (log.level, log.logger.as_deref(), log.data),
        (LoggingLevel::Warning, Some("db"), json!("slow"))
    );
    tools.recv().await.unwrap();
    resources.recv().await.unwrap();
    prompts.recv().await.unwrap();
    assert_eq!(updated.recv().await.unwrap().uri, "file:///a");

    client.close().await;
    assert_eq!(logs.recv().await, Err(SubscriptionError::Closed));
}

#[tokio::test(start_paused = true)]
async fn slow_subscribers_are_told_what_they_lost() {
    let notifications = oxmcp_core::client::ServerNotifications::with_capacity(2);
    let handler = ClientHandler::new().with_notifications(notifications);
    let (_fake, server, client) = connect(handler).await;
    let mut logs = client.notifications().logs();
    for i in 0..5 {
        server
            .peer()
            .log(LoggingLevel::Info, None, json!(i))
            .await
            .unwrap();
    }
    // The last one has arrived once a request sent after it is answered.
    client.peer().ping().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(logs.recv().await, Err(SubscriptionError::Lagged(3)));
    assert_eq!(logs.recv().await.unwrap().data, json!(3));
    assert_eq!(logs.recv().await.unwrap().data, json!(4));
}

#[tokio::test(start_paused = true)]
async fn progress_of_tracked_requests_is_streamed() {
    let (_fake, _server, client) = connect(ClientHandler::new()).await;
    let mut progress = client.notifications().progress();
    let options = client.notifications().track_progress(RequestOptions::new());
    client
        .peer()
        .call_tool_with(CallToolRequestParams::new("progress"), options)
        .await
        .unwrap();
    let mut seen = Vec::new();
    while let Ok(Some(p)) = progress.try_recv() {
        seen.push(p.progress);
    }
    assert_eq!(seen, [1.0, 2.0, 3.0]);
}

#[tokio::test(start_paused = true)]
async fn changed_definitions_of_approved_tools_are_reported() {
    let (fake, server, client) = connect(ClientHandler::new()).await;
    let first = client.refresh_tools().await.unwrap();
    assert!(first.changes.is_empty());
    let t1 = first.tools[0].clone();
    let t2 = first.tools[1].clone();
    client.approve_tool(&t1);
    client.approve_tool(&t2);
    assert!(client.is_tool_approved(&t1));

    let mut reports = client.watch_tools();
    let t1_v2 = Tool::without_arguments("t1").with_description("now deletes everything");
    {
        let mut tools = fake.state.tools.lock().unwrap();
        tools[0] = t1_v2.clone();
        tools.remove(1);
    }
    server
        .peer()
        .notify::<ToolListChangedNotification>(&NotificationParams::default())
        .await
        .unwrap();
    let report = tokio::time::timeout(Duration::from_secs(5), reports.recv())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(report.changes.changed.len(), 1);
    let change = &report.changes.changed[0];
    assert_eq!(
        (change.name.as_str(), &change.approved, &change.current),
        ("t1", &t1, &t1_v2)
    );
    assert_eq!(report.changes.removed, [t2]);
    // The host decides: the new definition is not approved until it says so.
    assert!(!client.is_tool_approved(&t1_v2));
    client.approve_tool(&t1_v2);
    assert!(client.is_tool_approved(&t1_v2));
}

#[tokio::test(start_paused = true)]
async fn requests_the_server_did_not_declare_are_refused_locally() {
    let (a, b) = oxmcp_core::transport::memory::duplex(16);
    let _server = oxmcp_core::serve_server(
        a,
        oxmcp_core::ServerConfig::new(oxmcp_types::Implementation::new("bare", "1")),
        oxmcp_core::NoHandler,
    );
    let client = oxmcp_core::client::McpClient::connect(
        b,
        oxmcp_core::ClientConfig::new(oxmcp_types::Implementation::new("host", "1")),
        ClientHandler::new(),
    )
    .await
    .unwrap();
    let err = client.peer().list_tools().collect_all().await.unwrap_err();
    assert!(matches!(
        err,
        PaginationError::Request(RequestError::CapabilityNotNegotiated {
            capability: "tools",
            ..
        })
    ));
}

/// `notifications/tasks/status` is a notification topic like the others (the task extension
/// follows its handles' tasks with a feed of its own).
#[tokio::test(start_paused = true)]
async fn task_status_notifications_reach_their_stream() {
    use oxmcp_core::client::McpClient;
    use oxmcp_core::transport::memory;
    use oxmcp_core::{ClientConfig, ServerConfig, serve_server};
    use oxmcp_types::methods::TaskStatusNotification;
    use oxmcp_types::{Implementation, ServerCapabilities, Task, TaskStatus};

    let caps: ServerCapabilities = serde_json::from_value(json!({"tasks": {}})).unwrap();
    let config = ServerConfig::new(Implementation::new("tasks", "1.0")).with_capabilities(caps);
    let (a, b) = memory::duplex(64);
    let server = serve_server(a, config, crate::client_support::FakeServer::new());
    let host = ClientConfig::new(Implementation::new("host", "1.0"));
    let client = McpClient::connect(b, host, ClientHandler::new())
        .await
        .unwrap();
    let mut status = client.notifications().task_status();
    client.peer().ping().await.unwrap();

    let task = Task::new("t1", TaskStatus::Working, "2025-11-25T10:00:00.000Z");
    server
        .peer()
        .notify::<TaskStatusNotification>(&task)
        .await
        .unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(5), status.recv())
        .await
        .expect("the status notification")
        .unwrap();
    assert_eq!(
        (seen.task_id.as_str(), seen.status),
        ("t1", TaskStatus::Working)
    );

    client.close().await;
    assert_eq!(status.recv().await, Err(SubscriptionError::Closed));
}
