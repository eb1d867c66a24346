//! The client as task receiver: what it declares, task-augmented sampling and elicitation
//! answered at once and run in the background, the server's `tasks/*` answered by the
//! engine (unknown ids, cancellation, pages), and a `task` member ignored without receipt.

use oxmcp_tasks::ServerTaskRequests as _;
use oxmcp_tasks::TaskRequests as _;
use oxmcp_tasks::TasksClientExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::transport::memory;
use oxmcp_core::{ClientConfig, RequestOptions, RunningServer, ServerConfig, serve_server};
use oxmcp_tasks::{CANCELLED_MESSAGE, MemoryTaskStore, TaskConfig, TaskEngine};
use oxmcp_tasks::{PollPolicy, TaskStatusFeed};
use oxmcp_types::elicitation::{
    ElicitAction, ElicitRequestFormParams, ElicitationSchema, StringSchema,
};
use oxmcp_types::sampling::{CreateMessageRequestParams, SamplingMessage};
use oxmcp_types::{
    CreateMessageResult, ElicitRequestParams, ElicitResult, ErrorCode, Implementation, Role,
    SamplingMessageContentBlock, TaskStatus,
};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::client_tasks_support::FeedingServer;

const GUARD: Duration = Duration::from_secs(20);

fn engine(page_size: usize) -> TaskEngine {
    let config = TaskConfig::default()
        .with_poll_interval(Duration::from_millis(20))
        .with_store_poll_interval(Duration::from_millis(20))
        .with_page_size(page_size);
    TaskEngine::new(MemoryTaskStore::new(), config)
}

fn fast_polls() -> PollPolicy {
    PollPolicy::new().with_min_interval(Duration::from_millis(5))
}

/// What the host's sampling callback does: waits for the gate (or its cancellation).
struct Host {
    gate: Semaphore,
    started: Semaphore,
    cancelled: AtomicUsize,
}

impl Default for Host {
    fn default() -> Self {
        Self {
            gate: Semaphore::new(0),
            started: Semaphore::new(0),
            cancelled: AtomicUsize::new(0),
        }
    }
}

impl Host {
    async fn wait_started(&self) {
        let permit = tokio::time::timeout(GUARD, self.started.acquire()).await;
        permit.expect("the callback started").unwrap().forget();
    }
}

fn gated_sampling(host: &Arc<Host>) -> ClientHandler {
    let host = host.clone();
    ClientHandler::new().with_sampling(move |request| {
        let host = host.clone();
        async move {
            host.started.add_permits(1);
            tokio::select! {
                permit = host.gate.acquire() => permit.unwrap().forget(),
                () = request.cancellation.cancelled() => {
                    host.cancelled.fetch_add(1, Ordering::SeqCst);
                    return Err(oxmcp_types::ErrorData::internal_error("cancelled"));
                }
            }
            let text = SamplingMessageContentBlock::text("Short.");
            Ok(CreateMessageResult::new(Role::Assistant, text, "m"))
        }
    })
}

fn naming_form() -> ClientHandler {
    ClientHandler::new().with_form_elicitation(|_form| async {
        let mut answer = ElicitResult::new(ElicitAction::Accept);
        answer.content = Some(serde_json::from_value(json!({"name": "Ada"})).unwrap());
        Ok(answer)
    })
}

/// A requesting server (its feed hears the client's status notifications) and an
/// [`McpClient`] with `handler`.
async fn receiver(handler: ClientHandler) -> (RunningServer, McpClient, TaskStatusFeed) {
    let (a, b) = memory::duplex(64);
    let requestor = FeedingServer::default();
    let feed = requestor.feed.clone();
    let server = serve_server(
        a,
        ServerConfig::new(Implementation::new("srv", "1")),
        requestor,
    );
    let config = ClientConfig::new(Implementation::new("host", "1"));
    let client = McpClient::connect(b, config, handler).await.unwrap();
    client.peer().ping().await.unwrap();
    (server, client, feed)
}

fn sampling() -> CreateMessageRequestParams {
    CreateMessageRequestParams::new(vec![SamplingMessage::user_text("Summarize.")], 100)
}

#[tokio::test(start_paused = true)]
async fn the_client_declares_what_it_receives_as_tasks() {
    let caps = |h: ClientHandler| serde_json::to_value(h.capabilities()).unwrap()["tasks"].clone();
    let both = naming_form()
        .with_sampling(|_| async { Err(oxmcp_types::ErrorData::internal_error("no")) })
        .with_task_receipt();
    let expected = json!({"list": {}, "cancel": {}, "requests": {
        "sampling": {"createMessage": {}}, "elicitation": {"create": {}}
    }});
    assert_eq!(caps(both.clone()), expected);
    let host = Arc::new(Host::default());
    assert_eq!(
        caps(gated_sampling(&host).with_task_receipt())["requests"],
        json!({"sampling": {"createMessage": {}}})
    );
    assert_eq!(caps(ClientHandler::new().with_task_receipt()), Value::Null);
    assert_eq!(caps(naming_form()), Value::Null);

    let (server, _client, _feed) = receiver(both).await;
    let declared = serde_json::to_value(&server.session().unwrap().peer_capabilities).unwrap();
    assert_eq!(declared["tasks"], expected);
}

#[tokio::test(start_paused = true)]
async fn a_sampling_task_is_created_at_once_and_sampled_in_the_background() {
    let host = Arc::new(Host::default());
    let handler = gated_sampling(&host).with_tasks(engine(50));
    let (server, _client, feed) = receiver(handler).await;
    let mut heard = feed.subscribe();
    let task = server
        .peer()
        .create_message_as_task(sampling())
        .await
        .unwrap()
        .with_status_feed(feed)
        .with_poll_policy(fast_polls());
    host.wait_started().await;
    assert_eq!(task.created().unwrap().status, TaskStatus::Working);
    assert_eq!(task.get().await.unwrap().status, TaskStatus::Working);
    host.gate.add_permits(1);
    let result = tokio::time::timeout(GUARD, task.wait_for_result())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.model, "m");
    let completed = loop {
        let note = tokio::time::timeout(GUARD, heard.recv())
            .await
            .unwrap()
            .unwrap();
        if note.status.is_terminal() {
            break note;
        }
    };
    assert_eq!(
        (completed.task_id.as_str(), completed.status),
        (task.task_id(), TaskStatus::Completed)
    );
}

#[tokio::test(start_paused = true)]
async fn an_elicitation_task_returns_the_users_answer() {
    let (server, _client, _feed) = receiver(naming_form().with_tasks(engine(50))).await;
    let schema = ElicitationSchema::new().with_field("name", StringSchema::new(), true);
    let params: ElicitRequestParams = ElicitRequestFormParams::new("Your name?", schema).into();
    let task = server
        .peer()
        .elicit_as_task(params)
        .await
        .unwrap()
        .with_poll_policy(fast_polls());
    let answer = tokio::time::timeout(GUARD, task.wait_for_result())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.action, ElicitAction::Accept);
    assert_eq!(
        serde_json::to_value(answer.content).unwrap(),
        json!({"name": "Ada"})
    );
    assert_eq!(
        task.handle().get().await.unwrap().status,
        TaskStatus::Completed
    );
}

#[tokio::test(start_paused = true)]
async fn unknown_task_ids_are_invalid_params() {
    let (server, _client, _feed) = receiver(naming_form().with_task_receipt()).await;
    let peer = server.peer();
    let codes = [
        peer.get_task("no-such-task").await.unwrap_err(),
        peer.get_task_result::<Value>("no-such-task")
            .await
            .unwrap_err(),
        peer.cancel_task("no-such-task").await.unwrap_err(),
    ]
    .map(|e| e.as_remote().map(|e| e.code));
    assert_eq!(codes, [Some(ErrorCode::INVALID_PARAMS); 3]);
}

#[tokio::test(start_paused = true)]
async fn cancel_stops_the_host_and_a_terminal_task_cannot_be_cancelled() {
    let host = Arc::new(Host::default());
    let (server, _client, _feed) = receiver(gated_sampling(&host).with_tasks(engine(50))).await;
    let running = server
        .peer()
        .create_message_as_task(sampling())
        .await
        .unwrap();
    host.wait_started().await;
    let cancelled = running.cancel().await.unwrap();
    assert_eq!(cancelled.status, TaskStatus::Cancelled);
    assert_eq!(cancelled.status_message.as_deref(), Some(CANCELLED_MESSAGE));
    let again = running.cancel().await.unwrap_err();
    assert_eq!(again.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
    assert_eq!(running.get().await.unwrap().status, TaskStatus::Cancelled);

    let finished = server
        .peer()
        .create_message_as_task(sampling())
        .await
        .unwrap()
        .with_poll_policy(fast_polls());
    host.wait_started().await;
    host.gate.add_permits(1);
    assert_eq!(finished.wait().await.unwrap().status, TaskStatus::Completed);
    let refused = finished.cancel().await.unwrap_err();
    assert_eq!(refused.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
    assert_eq!(
        host.cancelled.load(Ordering::SeqCst),
        1,
        "the cancelled callback saw it"
    );
}

#[tokio::test(start_paused = true)]
async fn the_server_pages_through_the_clients_tasks() {
    let host = Arc::new(Host::default());
    let (server, _client, _feed) = receiver(gated_sampling(&host).with_tasks(engine(2))).await;
    let mut created = Vec::new();
    for _ in 0..3 {
        let task = server
            .peer()
            .create_message_as_task(sampling())
            .await
            .unwrap();
        created.push(task.task_id().to_owned());
    }
    let mut pages = server.peer().list_tasks();
    let mut listed = Vec::new();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        sizes.push(page.len());
        listed.extend(page.into_iter().map(|t| t.task_id));
    }
    assert_eq!(sizes, [2, 1]);
    listed.sort();
    created.sort();
    assert_eq!(listed, created);
    host.gate.add_permits(3);
}

#[tokio::test(start_paused = true)]
async fn a_task_member_is_ignored_without_task_receipt() {
    let host = Arc::new(Host::default());
    host.gate.add_permits(1);
    let (server, _client, _feed) = receiver(gated_sampling(&host)).await;
    let mut params = serde_json::to_value(sampling()).unwrap();
    params["task"] = json!({"ttl": 1000});
    let raw = serde_json::value::to_raw_value(&params).unwrap();
    let answer = server
        .peer()
        .request_raw(
            "sampling/createMessage",
            Some(raw),
            RequestOptions::default(),
        )
        .await
        .unwrap();
    let answer: Value = serde_json::from_str(answer.get()).unwrap();
    assert_eq!(answer["model"], "m", "answered directly: {answer}");
    assert!(answer.get("task").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_task_request_that_fails_its_checks_fails_at_once_without_a_task() {
    let host = Arc::new(Host::default());
    let (server, _client, _feed) = receiver(gated_sampling(&host).with_tasks(engine(50))).await;
    // Tools, which this client did not declare (`sampling.tools`).
    let mut params = serde_json::to_value(sampling()).unwrap();
    params["tools"] = json!([{"name": "t", "inputSchema": {"type": "object"}}]);
    params["task"] = json!({});
    let raw = serde_json::value::to_raw_value(&params).unwrap();
    let error = server
        .peer()
        .request_raw(
            "sampling/createMessage",
            Some(raw),
            RequestOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
    assert!(
        server
            .peer()
            .list_tasks()
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        host.started.available_permits(),
        0,
        "the host was never asked"
    );
}
