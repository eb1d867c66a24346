//! The client as task requestor: tool calls as tasks against a test-double receiver, the
//! status stream, polling pace, results and errors, cancellation, listing, local refusals.

use oxmcp_tasks::McpClientTasksExt as _;
use oxmcp_tasks::TaskRequests as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::RequestError;
use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_tasks::{PollPolicy, TaskCallError, TaskStatusFeed};
use oxmcp_types::elicitation::ElicitAction;
use oxmcp_types::tasks::RelatedTaskMetadata;
use oxmcp_types::{
    CallToolRequestParams, CallToolResult, ElicitResult, ErrorCode, ErrorData, ProtocolVersion,
    ServerCapabilities, Task, TaskMetadata, TaskStatus, Tool,
};
use serde_json::json;

use crate::client_tasks_support::{
    TaskBoard, TaskServer, task_server, task_server_capabilities, task_server_with,
};

/// A guard against hangs only: every wait here ends on a signal long before it.
const GUARD: Duration = Duration::from_secs(20);

async fn tool_named(client: &McpClient, name: &str) -> Tool {
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    tools.into_iter().find(|t| t.name == name).unwrap()
}

fn fast_polls() -> PollPolicy {
    PollPolicy::new()
        .with_min_interval(Duration::from_millis(5))
        .with_default_interval(Duration::from_millis(20))
}

async fn next_status(stream: &mut oxmcp_tasks::TaskStatusStream<oxmcp_core::role::Client>) -> Task {
    tokio::time::timeout(GUARD, stream.next())
        .await
        .expect("a status within the guard")
        .expect("the stream goes on")
        .expect("the poll succeeds")
}

/// Drives a task through every state, letting the stream poll (and hear) each state
/// several times, and checks it shows each change once, in order.
async fn status_stream_in_order(double: &TaskServer, client: &McpClient) {
    let slow = tool_named(client, "slow").await;
    let task = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap();
    let id = task.task_id().to_owned();
    let mut stream = task.status_stream();
    let collector = tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(status) = stream.next().await {
            let status = status.unwrap();
            seen.push((status.status, status.status_message));
        }
        seen
    });
    let board = &double.board;
    board.wait_for_more_polls(2).await;
    board
        .set(&id, TaskStatus::InputRequired, Some("need input"))
        .await;
    board.wait_for_more_polls(2).await;
    board.set(&id, TaskStatus::Working, Some("resumed")).await;
    board.wait_for_more_polls(2).await;
    let done = Ok(json!({"content": []}));
    board.finish(&id, TaskStatus::Completed, done).await;
    let seen = tokio::time::timeout(GUARD, collector)
        .await
        .unwrap()
        .unwrap();
    let message = |m: &str| Some(m.to_owned());
    assert_eq!(
        seen,
        [
            (TaskStatus::Working, None),
            (TaskStatus::InputRequired, message("need input")),
            (TaskStatus::Working, message("resumed")),
            (TaskStatus::Completed, None),
        ]
    );
}

/// Moves the task along only after each status was delivered: the receiver's
/// notifications alone carry the changes when polls are a minute apart.
async fn status_stream_step_by_step(double: &TaskServer, client: &McpClient) {
    let slow = tool_named(client, "slow").await;
    let task = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap();
    let id = task.task_id().to_owned();
    let mut stream = task.status_stream();
    assert_eq!(next_status(&mut stream).await.status, TaskStatus::Working);
    double
        .board
        .set(&id, TaskStatus::InputRequired, Some("need input"))
        .await;
    assert_eq!(
        next_status(&mut stream).await.status,
        TaskStatus::InputRequired
    );
    double
        .board
        .set(&id, TaskStatus::Working, Some("resumed"))
        .await;
    let seen = next_status(&mut stream).await;
    assert_eq!(
        (seen.status, seen.status_message.as_deref()),
        (TaskStatus::Working, Some("resumed"))
    );
    let done = Ok(json!({"content": []}));
    double.board.finish(&id, TaskStatus::Completed, done).await;
    assert_eq!(next_status(&mut stream).await.status, TaskStatus::Completed);
    assert!(
        stream.next().await.is_none(),
        "the stream ends after a terminal status"
    );
}

#[tokio::test(start_paused = true)]
async fn status_stream_shows_each_change_once_in_order_with_notifications() {
    let (double, _server, client) = task_server(TaskBoard::new(true, Some(10))).await;
    let client = client.with_task_poll_policy(fast_polls());
    status_stream_in_order(&double, &client).await;
}

#[tokio::test(start_paused = true)]
async fn status_stream_shows_each_change_once_in_order_by_polling_alone() {
    let (double, _server, client) = task_server(TaskBoard::new(false, Some(10))).await;
    let client = client.with_task_poll_policy(fast_polls());
    status_stream_in_order(&double, &client).await;
}

#[tokio::test(start_paused = true)]
async fn notifications_move_the_stream_between_distant_polls() {
    // The receiver asks for a poll a minute apart; its notifications carry the changes.
    let (double, _server, client) = task_server(TaskBoard::new(true, Some(60_000))).await;
    status_stream_step_by_step(&double, &client).await;
    assert_eq!(
        double.board.gets_of("task-1").len(),
        1,
        "only the first status is polled"
    );
}

#[tokio::test(start_paused = true)]
async fn stale_and_repeated_statuses_are_dropped() {
    let (double, _server, client) = task_server(TaskBoard::new(false, Some(60_000))).await;
    let slow = tool_named(&client, "slow").await;
    let created = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap();
    let feed = TaskStatusFeed::new();
    let task = client
        .peer()
        .task_handle::<CallToolResult>(created.task_id())
        .with_status_feed(feed.clone());
    let mut stream = task.status_stream();
    let first = next_status(&mut stream).await;
    assert_eq!(first.status, TaskStatus::Working);
    let at = |ts: &str, status| {
        let mut t = Task::new(first.task_id.clone(), status, first.created_at.clone());
        t.last_updated_at = ts.to_owned();
        t
    };
    feed.publish(first.clone()); // a repeat
    feed.publish(at("2025-11-25T09:59:59Z", TaskStatus::InputRequired)); // older than the first
    let mut other = at("2025-11-25T11:00:00Z", TaskStatus::Failed);
    other.task_id = "someone-else".to_owned(); // another task
    feed.publish(other);
    feed.publish(at("2025-11-25T11:00:00Z", TaskStatus::Completed));
    let next = next_status(&mut stream).await;
    assert_eq!(next.status, TaskStatus::Completed, "got {next:?}");
    assert!(stream.next().await.is_none());
    assert_eq!(double.board.gets_of(created.task_id()).len(), 1);
}

/// The gaps between the polls of `id`.
fn gaps(double: &TaskServer, id: &str) -> Vec<Duration> {
    let gets = double.board.gets_of(id);
    gets.windows(2).map(|w| w[1] - w[0]).collect()
}

/// Lets the task run `polls` polls, completes it, and waits for it.
async fn poll_then_complete(
    double: &TaskServer,
    client: &McpClient,
    polls: usize,
) -> Vec<Duration> {
    let slow = tool_named(client, "slow").await;
    let task = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap();
    let id = task.task_id().to_owned();
    let board = double.board.clone();
    let driver = tokio::spawn(async move {
        board.wait_for_polls(polls).await;
        board
            .finish(&id, TaskStatus::Completed, Ok(json!({"content": []})))
            .await;
    });
    assert_eq!(task.wait().await.unwrap().status, TaskStatus::Completed);
    driver.await.unwrap();
    gaps(double, task.task_id())
}

#[tokio::test(start_paused = true)]
async fn polls_follow_the_receivers_poll_interval() {
    let (double, _server, client) = task_server(TaskBoard::new(false, Some(250))).await;
    let gaps = poll_then_complete(&double, &client, 4).await;
    assert!(gaps.len() >= 3, "{gaps:?}");
    for gap in gaps {
        assert!(
            gap >= Duration::from_millis(250),
            "polled too soon: {gap:?}"
        );
        assert!(
            gap <= Duration::from_millis(300),
            "polled too late: {gap:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn polls_keep_the_floor_against_a_tiny_poll_interval() {
    let (double, _server, client) = task_server(TaskBoard::new(false, Some(1))).await;
    let policy = PollPolicy::new().with_min_interval(Duration::from_millis(100));
    let client = client.with_task_poll_policy(policy);
    let gaps = poll_then_complete(&double, &client, 5).await;
    assert!(gaps.len() >= 4, "{gaps:?}");
    assert!(
        gaps.iter().all(|g| *g >= Duration::from_millis(100)),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().all(|g| *g <= Duration::from_millis(150)),
        "{gaps:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn polls_use_the_default_when_the_receiver_suggests_nothing() {
    let (double, _server, client) = task_server(TaskBoard::new(false, None)).await;
    let policy = PollPolicy::new().with_default_interval(Duration::from_millis(300));
    let client = client.with_task_poll_policy(policy);
    let gaps = poll_then_complete(&double, &client, 3).await;
    assert!(gaps.len() >= 2, "{gaps:?}");
    for gap in gaps {
        assert!((300..=350).contains(&gap.as_millis()), "{gap:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_result_is_the_tools_call_result_with_the_related_task() {
    let (double, _server, client) = task_server(TaskBoard::new(true, Some(10))).await;
    let slow = tool_named(&client, "slow").await;
    let params = CallToolRequestParams::new("slow").with_task(TaskMetadata::with_ttl(60_000));
    let task = client.call_tool_as_task(&slow, params).await.unwrap();
    assert_eq!(task.created().unwrap().status, TaskStatus::Working);
    assert_eq!(task.created().unwrap().ttl, Some(60_000));
    assert_eq!(task.model_immediate_response(), Some("working on it"));
    assert_eq!(double.board.created()[0]["task"], json!({"ttl": 60_000}));
    let done =
        json!({"content": [{"type": "text", "text": "done"}], "structuredContent": {"n": 3}});
    double
        .board
        .finish(task.task_id(), TaskStatus::Completed, Ok(done))
        .await;
    let result = task.result().await.unwrap();
    assert_eq!(result.content[0].as_text(), Some("done"));
    assert_eq!(result.structured_content.unwrap()["n"], 3);
    let related = RelatedTaskMetadata::from_meta(result.meta.as_ref().unwrap()).unwrap();
    assert_eq!(related.task_id, task.task_id());
}

#[tokio::test(start_paused = true)]
async fn a_task_without_ttl_sends_an_empty_task_member() {
    let (double, _server, client) = task_server(TaskBoard::new(false, Some(10))).await;
    let must = tool_named(&client, "must").await;
    let task = client
        .call_tool_as_task(&must, CallToolRequestParams::new("must"))
        .await
        .unwrap();
    assert_eq!(double.board.created()[0]["task"], json!({}));
    assert_eq!(task.created().unwrap().ttl, None);
}

#[tokio::test(start_paused = true)]
async fn a_failed_task_passes_the_json_rpc_error_through() {
    let (double, _server, client) = task_server(TaskBoard::new(true, Some(10))).await;
    let slow = tool_named(&client, "slow").await;
    let task = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap();
    let error = ErrorData::new(ErrorCode(-32010), "the backend is down")
        .with_data(json!({"retryAfter": 30}));
    double
        .board
        .finish(task.task_id(), TaskStatus::Failed, Err(error.clone()))
        .await;
    match task.wait_for_result().await {
        Err(RequestError::Remote(e)) => assert_eq!(e, error),
        other => panic!("expected the tool's error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn an_is_error_result_is_a_result() {
    let (double, _server, client) = task_server(TaskBoard::new(false, Some(10))).await;
    let slow = tool_named(&client, "slow").await;
    let task = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap()
        .with_poll_policy(fast_polls());
    let failed = json!({"content": [{"type": "text", "text": "bad date"}], "isError": true});
    double
        .board
        .finish(task.task_id(), TaskStatus::Failed, Ok(failed))
        .await;
    let result = task.wait_for_result().await.unwrap();
    assert_eq!(result.is_error, Some(true));
    assert_eq!(result.content[0].as_text(), Some("bad date"));
}

#[tokio::test(start_paused = true)]
async fn cancel_moves_the_task_to_cancelled_and_a_second_cancel_is_refused() {
    let (_double, _server, client) = task_server(TaskBoard::new(true, Some(10))).await;
    let slow = tool_named(&client, "slow").await;
    let task = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap();
    let cancelled = task.cancel().await.unwrap();
    assert_eq!(cancelled.status, TaskStatus::Cancelled);
    assert_eq!(task.wait().await.unwrap().status, TaskStatus::Cancelled);
    let again = task.cancel().await.unwrap_err();
    assert_eq!(again.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
}

#[tokio::test(start_paused = true)]
async fn tasks_list_follows_the_pages() {
    let (_double, _server, client) = task_server(TaskBoard::new(false, Some(10))).await;
    let slow = tool_named(&client, "slow").await;
    for _ in 0..5 {
        client
            .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
            .await
            .unwrap();
    }
    let mut pages = client.peer().list_tasks();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await {
        sizes.push(page.unwrap().len());
    }
    assert_eq!(sizes, [2, 2, 1]);
    let ids: Vec<String> = client
        .peer()
        .list_tasks()
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.task_id)
        .collect();
    assert_eq!(ids, ["task-1", "task-2", "task-3", "task-4", "task-5"]);
}

#[tokio::test(start_paused = true)]
async fn refusals_are_local_and_send_nothing() {
    let (double, _server, client) = task_server(TaskBoard::new(false, Some(10))).await;
    for name in ["plain", "never"] {
        let tool = tool_named(&client, name).await;
        match client
            .call_tool_as_task(&tool, CallToolRequestParams::new(name))
            .await
        {
            Err(TaskCallError::TaskForbidden { tool }) => assert_eq!(tool, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let slow = tool_named(&client, "slow").await;
    match client
        .call_tool_as_task(&slow, CallToolRequestParams::new("must"))
        .await
    {
        Err(TaskCallError::ToolMismatch { called, defined }) => {
            assert_eq!((called.as_str(), defined.as_str()), ("must", "slow"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        double.tool_calls.load(std::sync::atomic::Ordering::SeqCst),
        0
    );

    // A server that receives tool calls as tasks but lists none of them.
    let mut caps = task_server_capabilities();
    caps.tasks.as_mut().unwrap().list = None;
    let (_d, _s, client) = task_server_with(
        TaskBoard::new(false, None),
        caps,
        ClientHandler::new(),
        ProtocolVersion::LATEST,
    )
    .await;
    match client.peer().list_tasks().collect_all().await {
        Err(oxmcp_core::client::PaginationError::Request(
            RequestError::CapabilityNotNegotiated { capability, .. },
        )) => assert_eq!(capability, "tasks.list"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_server_without_tool_tasks_or_an_old_session_is_refused_locally() {
    let caps: ServerCapabilities =
        serde_json::from_value(json!({"tools": {}, "tasks": {"list": {}}})).unwrap();
    let (double, _server, client) = task_server_with(
        TaskBoard::new(false, None),
        caps,
        ClientHandler::new(),
        ProtocolVersion::LATEST,
    )
    .await;
    let slow = tool_named(&client, "slow").await;
    match client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
    {
        Err(TaskCallError::CapabilityMissing { capability }) => {
            assert_eq!(capability, "tasks.requests.tools.call");
        }
        other => panic!("{other:?}"),
    }
    let (old, _server, client) = task_server_with(
        TaskBoard::new(false, None),
        task_server_capabilities(),
        ClientHandler::new(),
        ProtocolVersion::V2025_06_18,
    )
    .await;
    match client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
    {
        Err(TaskCallError::VersionTooOld { negotiated }) => {
            assert_eq!(negotiated, ProtocolVersion::V2025_06_18);
        }
        other => panic!("{other:?}"),
    }
    for d in [double, old] {
        assert_eq!(d.tool_calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    }
}

#[tokio::test(start_paused = true)]
async fn wait_stops_when_the_task_needs_input() {
    let (double, _server, client) = task_server(TaskBoard::new(false, Some(10))).await;
    let client = client.with_task_poll_policy(fast_polls());
    let slow = tool_named(&client, "slow").await;
    let task = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap();
    double
        .board
        .set(task.task_id(), TaskStatus::InputRequired, None)
        .await;
    let seen = tokio::time::timeout(GUARD, task.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.status, TaskStatus::InputRequired);
}

#[tokio::test(start_paused = true)]
async fn call_and_wait_answers_the_tasks_input_requests_with_their_task_id() {
    let related = Arc::new(Mutex::new(Vec::new()));
    let seen = related.clone();
    let handler = ClientHandler::new().with_form_elicitation(move |form| {
        seen.lock().unwrap().push(form.related_task_id);
        async move {
            let mut answer = ElicitResult::new(ElicitAction::Accept);
            answer.content = Some(serde_json::from_value(json!({"name": "Ada"})).unwrap());
            Ok(answer)
        }
    });
    let (double, _server, client) = task_server_with(
        TaskBoard::new(true, Some(10)),
        task_server_capabilities(),
        handler,
        ProtocolVersion::LATEST,
    )
    .await;
    let ask = tool_named(&client, "ask").await;
    let result = tokio::time::timeout(
        GUARD,
        client.call_tool_as_task_and_wait(&ask, CallToolRequestParams::new("ask")),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(result.content[0].as_text(), Some("hello Ada"));
    assert_eq!(*related.lock().unwrap(), [Some("task-1".to_owned())]);
    assert_eq!(double.board.created().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_result_request_that_times_out_goes_back_to_polling() {
    use oxmcp_core::transport::memory;
    use oxmcp_core::{ClientConfig, ServerConfig, SessionConfig, serve_server};
    use oxmcp_types::Implementation;

    let (a, b) = memory::duplex(64);
    let double = TaskServer::new(TaskBoard::new(false, Some(100)));
    let config = ServerConfig::new(Implementation::new("task-server", "1"))
        .with_capabilities(task_server_capabilities());
    let _server = serve_server(a, config, double.clone());
    let mut session = SessionConfig::default();
    session.request_timeout = Duration::from_secs(1);
    let config = ClientConfig::new(Implementation::new("host", "1")).with_session_config(session);
    let client = McpClient::connect(b, config, ClientHandler::new())
        .await
        .unwrap();
    let slow = tool_named(&client, "slow").await;
    let task = client
        .call_tool_as_task(&slow, CallToolRequestParams::new("slow"))
        .await
        .unwrap();
    double
        .board
        .set(task.task_id(), TaskStatus::InputRequired, None)
        .await;
    let board = double.board.clone();
    let id = task.task_id().to_owned();
    let driver = tokio::spawn(async move {
        // Long enough for two `tasks/result` requests to time out.
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        let done = json!({"content": [{"type": "text", "text": "finally"}]});
        board.finish(&id, TaskStatus::Completed, Ok(done)).await;
    });
    let result = task.wait_for_result().await.unwrap();
    assert_eq!(result.content[0].as_text(), Some("finally"));
    driver.await.unwrap();
    assert!(
        double.board.gets_of(task.task_id()).len() >= 3,
        "each timed-out tasks/result is followed by a poll"
    );
}
