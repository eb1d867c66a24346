//! Test doubles of task receivers, for the requestor tests: a [`TaskBoard`] that keeps
//! tasks and answers `tasks/*` as the spec says (status changes driven by the test), a
//! server that receives task-augmented tool calls, and a client that receives
//! task-augmented sampling and elicitation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::role::{Client, Role, Server};
use oxmcp_core::transport::memory;
use oxmcp_core::{
    ClientConfig, Handler, HandlerResult, IncomingNotification, IncomingRequest,
    NotificationContext, Peer, RequestContext, RunningClient, RunningServer, ServerConfig, connect,
    serve_server, to_result,
};
use oxmcp_tasks::TaskStatusFeed;
use oxmcp_types::elicitation::{ElicitRequestFormParams, ElicitationSchema, StringSchema};
use oxmcp_types::methods::TaskStatusNotification;
use oxmcp_types::tasks::{CreateTaskResult, RelatedTaskMetadata};
use oxmcp_types::{
    ClientCapabilities, ErrorData, Implementation, Meta, ProtocolVersion, ServerCapabilities, Task,
    TaskStatus,
};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::Instant;

/// One task of a board.
struct Entry {
    task: Task,
    outcome: Option<Result<Value, ErrorData>>,
    terminal: watch::Sender<bool>,
}

#[derive(Default)]
struct BoardState {
    entries: Vec<Entry>,
    clock_ms: u64,
    /// Every `tasks/get`: the task id and when it arrived.
    gets: Vec<(String, Instant)>,
    /// The params of every request that created a task.
    created: Vec<Value>,
}

/// A receiver's tasks, kept in creation order. Status changes come from the test.
pub(crate) struct TaskBoard<R: Role> {
    state: Mutex<BoardState>,
    peer: Mutex<Option<Peer<R>>>,
    /// Whether status changes are announced with `notifications/tasks/status`.
    pub(crate) notify: bool,
    /// The `pollInterval` suggested to requestors.
    pub(crate) poll_interval: Option<u64>,
    /// Tasks per `tasks/list` page.
    pub(crate) page_size: usize,
    /// Bumped on every `tasks/get`, for tests that wait for polls.
    pub(crate) polls: watch::Sender<usize>,
}

impl<R: Role> TaskBoard<R> {
    pub(crate) fn new(notify: bool, poll_interval: Option<u64>) -> Self {
        Self {
            state: Mutex::default(),
            peer: Mutex::new(None),
            notify,
            poll_interval,
            page_size: 2,
            polls: watch::channel(0).0,
        }
    }

    fn now(state: &mut BoardState) -> String {
        state.clock_ms += 1;
        let ms = state.clock_ms;
        format!(
            "2025-11-25T10:{:02}:{:02}.{:03}Z",
            ms / 60_000,
            (ms / 1_000) % 60,
            ms % 1_000
        )
    }

    /// Creates a working task for a request with `params`.
    pub(crate) fn create(&self, peer: &Peer<R>, params: Value) -> CreateTaskResult {
        *self.peer.lock().unwrap() = Some(peer.unrelated());
        let mut state = self.state.lock().unwrap();
        let id = format!("task-{}", state.entries.len() + 1);
        let now = Self::now(&mut state);
        let ttl = params["task"]["ttl"].as_u64();
        let mut task = Task::new(id, TaskStatus::Working, now).with_ttl(ttl);
        task.poll_interval = self.poll_interval;
        state.created.push(params);
        state.entries.push(Entry {
            task: task.clone(),
            outcome: None,
            terminal: watch::channel(false).0,
        });
        CreateTaskResult::new(task).with_model_immediate_response("working on it")
    }

    /// Moves task `id` to `status` (with `message`), announcing it if `notify`.
    pub(crate) async fn set(&self, id: &str, status: TaskStatus, message: Option<&str>) {
        self.change(id, status, message, None).await;
    }

    /// Ends task `id` with `status` and what `tasks/result` will return.
    pub(crate) async fn finish(
        &self,
        id: &str,
        status: TaskStatus,
        outcome: Result<Value, ErrorData>,
    ) {
        self.change(id, status, None, Some(outcome)).await;
    }

    async fn change(
        &self,
        id: &str,
        status: TaskStatus,
        message: Option<&str>,
        outcome: Option<Result<Value, ErrorData>>,
    ) {
        let task = {
            let mut state = self.state.lock().unwrap();
            let now = Self::now(&mut state);
            let entry = state
                .entries
                .iter_mut()
                .find(|e| e.task.task_id == id)
                .unwrap();
            assert!(
                entry.task.status.can_become(status),
                "{:?} -> {status:?}",
                entry.task.status
            );
            entry.task.status = status;
            entry.task.status_message = message.map(str::to_owned);
            entry.task.last_updated_at = now;
            if outcome.is_some() {
                entry.outcome = outcome;
            }
            if status.is_terminal() {
                entry.terminal.send_replace(true);
            }
            entry.task.clone()
        };
        let peer = self.peer.lock().unwrap().clone();
        if let (true, Some(peer)) = (self.notify, peer) {
            peer.notify::<TaskStatusNotification>(&task).await.unwrap();
        }
    }

    /// The params of the requests that created tasks.
    pub(crate) fn created(&self) -> Vec<Value> {
        self.state.lock().unwrap().created.clone()
    }

    /// When each `tasks/get` of `id` arrived.
    pub(crate) fn gets_of(&self, id: &str) -> Vec<Instant> {
        let state = self.state.lock().unwrap();
        state
            .gets
            .iter()
            .filter(|(t, _)| t == id)
            .map(|(_, at)| *at)
            .collect()
    }

    /// Waits until `n` more polls arrived.
    pub(crate) async fn wait_for_more_polls(&self, n: usize) {
        let base = *self.polls.borrow();
        self.wait_for_polls(base + n).await;
    }

    /// Waits until at least `n` polls arrived in all.
    pub(crate) async fn wait_for_polls(&self, n: usize) {
        let mut polls = self.polls.subscribe();
        polls.wait_for(|count| *count >= n).await.unwrap();
    }

    fn task(&self, id: &str) -> Result<Task, ErrorData> {
        let state = self.state.lock().unwrap();
        state
            .entries
            .iter()
            .find(|e| e.task.task_id == id)
            .map(|e| e.task.clone())
            .ok_or_else(|| ErrorData::invalid_params(format!("unknown task `{id}`")))
    }

    /// Answers a `tasks/*` request, or `None` for other methods.
    pub(crate) async fn answer(&self, method: &str, params: &Value) -> Option<HandlerResult> {
        let id = params["taskId"].as_str().unwrap_or_default().to_owned();
        Some(match method {
            "tasks/get" => {
                self.state
                    .lock()
                    .unwrap()
                    .gets
                    .push((id.clone(), Instant::now()));
                self.polls.send_modify(|n| *n += 1);
                self.task(&id).and_then(|t| to_result(&t))
            }
            "tasks/result" => self.result(&id).await,
            "tasks/list" => self.list(params),
            "tasks/cancel" => self.cancel(&id).await,
            _ => return None,
        })
    }

    async fn result(&self, id: &str) -> HandlerResult {
        let mut terminal = {
            let state = self.state.lock().unwrap();
            let entry = state.entries.iter().find(|e| e.task.task_id == id);
            entry
                .ok_or_else(|| ErrorData::invalid_params(format!("unknown task `{id}`")))?
                .terminal
                .subscribe()
        };
        terminal.wait_for(|t| *t).await.unwrap();
        let outcome = {
            let state = self.state.lock().unwrap();
            let entry = state.entries.iter().find(|e| e.task.task_id == id).unwrap();
            entry.outcome.clone()
        };
        match outcome {
            Some(Ok(mut value)) => {
                let mut meta = Meta::new();
                RelatedTaskMetadata::new(id).insert_into(&mut meta);
                value["_meta"] = Value::Object(meta);
                to_result(&value)
            }
            Some(Err(e)) => Err(e),
            None => Err(ErrorData::invalid_params(format!(
                "task `{id}` was cancelled"
            ))),
        }
    }

    fn list(&self, params: &Value) -> HandlerResult {
        let start: usize = match params["cursor"].as_str() {
            None => 0,
            Some(c) => c
                .parse()
                .map_err(|_| ErrorData::invalid_params("invalid cursor"))?,
        };
        let state = self.state.lock().unwrap();
        let tasks: Vec<&Task> = state.entries.iter().map(|e| &e.task).collect();
        let end = (start + self.page_size).min(tasks.len());
        let mut page = json!({ "tasks": tasks[start.min(end)..end] });
        if end < tasks.len() {
            page["nextCursor"] = json!(end.to_string());
        }
        to_result(&page)
    }

    async fn cancel(&self, id: &str) -> HandlerResult {
        let current = self.task(id)?;
        if current.status.is_terminal() {
            return Err(ErrorData::invalid_params(format!(
                "task `{id}` is already {:?}",
                current.status
            )));
        }
        self.set(id, TaskStatus::Cancelled, Some("cancelled by request"))
            .await;
        to_result(&self.task(id)?)
    }
}

/// A server that receives task-augmented tool calls. `ask` runs on its own: it asks the
/// client for a name (with the related-task `_meta`) while `input_required`, then completes
/// with it. Other tools are driven by the test through the board.
#[derive(Clone)]
pub(crate) struct TaskServer {
    pub(crate) board: Arc<TaskBoard<Server>>,
    pub(crate) tool_calls: Arc<AtomicUsize>,
}

impl TaskServer {
    pub(crate) fn new(board: TaskBoard<Server>) -> Self {
        Self {
            board: Arc::new(board),
            tool_calls: Arc::default(),
        }
    }

    fn tools() -> Value {
        json!([
            {"name": "slow", "inputSchema": {"type": "object"}, "execution": {"taskSupport": "optional"}},
            {"name": "must", "inputSchema": {"type": "object"}, "execution": {"taskSupport": "required"}},
            {"name": "plain", "inputSchema": {"type": "object"}},
            {"name": "never", "inputSchema": {"type": "object"}, "execution": {"taskSupport": "forbidden"}},
            {"name": "ask", "inputSchema": {"type": "object"}, "execution": {"taskSupport": "optional"}},
        ])
    }

    async fn ask(board: Arc<TaskBoard<Server>>, peer: Peer<Server>, id: String) {
        board
            .set(&id, TaskStatus::InputRequired, Some("waiting for a name"))
            .await;
        let schema = ElicitationSchema::new().with_field("name", StringSchema::new(), true);
        let mut params = ElicitRequestFormParams::new("Your name?", schema);
        let mut meta = Meta::new();
        RelatedTaskMetadata::new(id.clone()).insert_into(&mut meta);
        params.meta = Some(meta);
        let answer = peer.elicit_form(params).await;
        board.set(&id, TaskStatus::Working, Some("got it")).await;
        let outcome = match answer {
            Ok(r) => {
                let content = serde_json::to_value(r.content.unwrap_or_default()).unwrap();
                let name = content["name"].as_str().unwrap_or("?").to_owned();
                Ok(json!({"content": [{"type": "text", "text": format!("hello {name}")}]}))
            }
            Err(e) => Err(ErrorData::internal_error(e.to_string())),
        };
        board.finish(&id, TaskStatus::Completed, outcome).await;
    }
}

impl Handler<Server> for TaskServer {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let params: Value = req.params()?;
        if let Some(answer) = self.board.answer(&req.method, &params).await {
            return answer;
        }
        match req.method.as_str() {
            "tools/list" => to_result(&json!({ "tools": Self::tools() })),
            "tools/call" => {
                self.tool_calls.fetch_add(1, Ordering::SeqCst);
                if params.get("task").is_none() {
                    return to_result(&json!({"content": [{"type": "text", "text": "immediate"}]}));
                }
                let created = self.board.create(cx.peer(), params.clone());
                if params["name"] == "ask" {
                    let peer = cx.peer().unrelated();
                    let id = created.task.task_id.clone();
                    tokio::spawn(Self::ask(self.board.clone(), peer, id));
                }
                to_result(&created)
            }
            other => Err(ErrorData::method_not_found(other)),
        }
    }
}

pub(crate) fn task_server_capabilities() -> ServerCapabilities {
    serde_json::from_value(json!({
        "tools": {},
        "tasks": {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}
    }))
    .unwrap()
}

/// A [`TaskServer`] declaring `caps`, and an [`McpClient`] with `handler` speaking `version`.
pub(crate) async fn task_server_with(
    board: TaskBoard<Server>,
    caps: ServerCapabilities,
    handler: ClientHandler,
    version: ProtocolVersion,
) -> (TaskServer, RunningServer, McpClient) {
    let (a, b) = memory::duplex(64);
    let double = TaskServer::new(board);
    let config = ServerConfig::new(Implementation::new("task-server", "1")).with_capabilities(caps);
    let server = serve_server(a, config, double.clone());
    let config = ClientConfig::new(Implementation::new("host", "1")).with_protocol_version(version);
    let client = McpClient::connect(b, config, handler)
        .await
        .expect("connect");
    client.peer().ping().await.expect("ping");
    (double, server, client)
}

pub(crate) async fn task_server(
    board: TaskBoard<Server>,
) -> (TaskServer, RunningServer, McpClient) {
    let handler = ClientHandler::new();
    task_server_with(
        board,
        task_server_capabilities(),
        handler,
        ProtocolVersion::LATEST,
    )
    .await
}

/// A client that receives task-augmented sampling and elicitation; the test finishes them
/// through the board.
#[derive(Clone)]
pub(crate) struct TaskClient {
    pub(crate) board: Arc<TaskBoard<Client>>,
}

impl Handler<Client> for TaskClient {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<Client>,
    ) -> HandlerResult {
        let params: Value = req.params()?;
        if let Some(answer) = self.board.answer(&req.method, &params).await {
            return answer;
        }
        match req.method.as_str() {
            "sampling/createMessage" | "elicitation/create" if params.get("task").is_some() => {
                to_result(&self.board.create(cx.peer(), params))
            }
            other => Err(ErrorData::invalid_params(format!(
                "`{other}` is only taken as a task here"
            ))),
        }
    }
}

/// The requesting server's handler: publishes the client's task status notifications.
#[derive(Clone, Default)]
pub(crate) struct FeedingServer {
    pub(crate) feed: TaskStatusFeed,
}

impl Handler<Server> for FeedingServer {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        _cx: RequestContext<Server>,
    ) -> HandlerResult {
        Err(ErrorData::method_not_found(&req.method))
    }

    async fn handle_notification(&self, n: IncomingNotification, _cx: NotificationContext<Server>) {
        self.feed.publish_notification(&n);
    }
}

/// A requesting server (whose feed hears the client's status notifications), and a
/// [`TaskClient`] declaring `caps`.
pub(crate) async fn task_client_with(
    board: TaskBoard<Client>,
    caps: Value,
    version: ProtocolVersion,
) -> (TaskClient, RunningServer, RunningClient, TaskStatusFeed) {
    let (a, b) = memory::duplex(64);
    let config = ServerConfig::new(Implementation::new("requestor", "1"));
    let requestor = FeedingServer::default();
    let feed = requestor.feed.clone();
    let server = serve_server(a, config, requestor);
    let double = TaskClient {
        board: Arc::new(board),
    };
    let caps: ClientCapabilities = serde_json::from_value(caps).unwrap();
    let config = ClientConfig::new(Implementation::new("task-client", "1"))
        .with_capabilities(caps)
        .with_protocol_version(version);
    let client = connect(b, config, double.clone()).await.expect("connect");
    client.peer().ping().await.expect("ping");
    (double, server, client, feed)
}

pub(crate) fn task_client_capabilities() -> Value {
    json!({
        "sampling": {},
        "elicitation": {"form": {}, "url": {}},
        "tasks": {"list": {}, "cancel": {}, "requests": {
            "sampling": {"createMessage": {}}, "elicitation": {"create": {}}
        }}
    })
}
