//! [`TaskEngine`]: creates tasks, runs their work, changes their status, and keeps expired
//! tasks purged. Role-generic: the server runs `tools/call` with it, the client
//! `sampling/createMessage` and `elicitation/create`.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use oxmcp_types::capabilities::{
    ClientTaskRequests, ClientTasksCapability, ElicitationTaskRequests, SamplingTaskRequests,
    ServerTaskRequests, ServerTasksCapability, ToolsTaskRequests,
};
use oxmcp_types::methods::{NotificationMethod, TaskStatusNotification};
use oxmcp_types::tasks::{CreateTaskResult, Task};
use oxmcp_types::{ErrorData, JsonObject, ProtocolVersion};
use tokio::sync::oneshot;

use super::config::TaskConfig;
use super::inner::EngineInner;
use super::link::{RunningTask, TaskHook, TaskLink};
use super::live::{LiveTask, StatusSink};
use super::owner::{owned_by_session, owner_for};
use super::work::{NewTask, WorkResult, supervise};
use super::{TaskRecord, TaskStore, wire_timestamp};
use oxmcp_core::context::RequestContext;
use oxmcp_core::role::Role;
use oxmcp_core::session::{OutboundHook, Peer};

/// Runs task-augmented requests as tasks and answers `tasks/get`, `tasks/result`,
/// `tasks/list` and `tasks/cancel`, for either role, over a [`TaskStore`]. Cheap to clone
/// (one `Arc`); share one engine between all sessions of a server (or a client).
///
/// - [`start`](Self::start) turns a request into a task: it records the task, starts the
///   work in the background with a [`RequestContext`] of its own, and returns the
///   `CreateTaskResult` to answer with at once.
/// - [`answer`](Self::answer) answers the `tasks/*` requests of a session.
/// - [`recover`](Self::recover) is the startup step for a store that outlived a process.
///
/// Expired tasks are purged on a timer (every [`TaskConfig::purge_interval`]), one per
/// engine, started with the first task operation (and again by a later one if the runtime
/// it ran on was shut down) and stopped when the engine is dropped.
///
/// Every task belongs to the requestor that created it (today its session; see
/// [`TaskOwner`](super::TaskOwner)); a task of another owner is answered exactly like one
/// that does not exist. A session's unfinished tasks are cancelled when it ends, unless the
/// [`OwnerPolicy`](super::OwnerPolicy) gives them a fixed owner.
///
/// A choice the spec leaves open: `tasks/result` of a cancelled task is a -32603 error
/// (with `data.status: "cancelled"`); see [`answer`](Self::answer).
///
/// Costs: a waiting `tasks/result` and the running work are woken by the engine, not by
/// reading the store, unless the store is [shared](TaskStore::shared) between processes
/// (then each running task reads its record every [`TaskConfig::store_poll_interval`]). What
/// tasks may hold is bounded by [`TaskConfig`]: unfinished and stored tasks per requestor,
/// unfinished tasks per engine, and the bytes of params and outcomes.
///
/// A server runs its tools as tasks with [`TasksServerBuilderExt::tasks`](crate::TasksServerBuilderExt::tasks):
///
/// ```
/// use oxmcp_core::server::{McpServer, tools::ToolRoute};
/// use oxmcp_tasks::{MemoryTaskStore, TaskConfig, TaskEngine, TasksServerBuilderExt};
/// use oxmcp_core::{ClientConfig, NoHandler, RunningClient, connect, transport::memory};
/// use oxmcp_types::{Implementation, tools::TaskSupport};
/// use serde_json::{Value, json};
///
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// struct Args { seconds: u64 }
///
/// async fn request(client: &RunningClient, method: &str, params: Value) -> Value {
///     let params = serde_json::value::to_raw_value(&params).unwrap();
///     let answer = client.peer().request_raw(method, Some(params), Default::default());
///     serde_json::from_str(answer.await.unwrap().get()).unwrap()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let engine = TaskEngine::new(MemoryTaskStore::new(), TaskConfig::default());
/// let wait = ToolRoute::new("wait", |a: Args, _cx| async move { format!("waited {}s", a.seconds) })
///     .with_task_support(TaskSupport::Optional);
/// let server = McpServer::builder(Implementation::new("demo", "1.0"))
///     .tool(wait)
///     .tasks(engine)
///     .build()
///     .unwrap();
/// let (a, b) = memory::duplex(16);
/// let running = server.serve(a);
/// let client = connect(b, ClientConfig::new(Implementation::new("me", "1.0")), NoHandler)
///     .await
///     .unwrap();
///
/// let call = json!({"name": "wait", "arguments": {"seconds": 0}, "task": {"ttl": 60000}});
/// let created = request(&client, "tools/call", call).await;
/// let id = created["task"]["taskId"].clone();
/// assert_eq!(created["task"]["status"], "working");
/// let result = request(&client, "tasks/result", json!({"taskId": id})).await;
/// assert_eq!(result["content"][0]["text"], "waited 0s");
/// assert_eq!(result["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], id);
/// let task = request(&client, "tasks/get", json!({"taskId": id})).await;
/// assert_eq!(task["status"], "completed");
/// client.close().await;
/// running.wait().await;
/// # }
/// ```
#[derive(Clone)]
pub struct TaskEngine {
    pub(crate) inner: Arc<EngineInner>,
}

impl fmt::Debug for TaskEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskEngine")
            .field("config", &self.inner.config)
            .field("running", &self.inner.running())
            .finish_non_exhaustive()
    }
}

impl TaskEngine {
    /// An engine over `store`.
    pub fn new(store: impl TaskStore, config: TaskConfig) -> Self {
        Self::with_store(Arc::new(store), config)
    }

    /// An engine over a shared store.
    pub fn with_store(store: Arc<dyn TaskStore>, config: TaskConfig) -> Self {
        let inner = EngineInner::new(store, config);
        inner.ensure_purger();
        Self { inner }
    }

    /// The settings.
    pub fn config(&self) -> &TaskConfig {
        &self.inner.config
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn TaskStore> {
        &self.inner.store
    }

    /// How many tasks run in this process now (for monitoring).
    pub fn running(&self) -> usize {
        self.inner.running()
    }

    /// How many `tasks/result` requests wait in this process on the task `task_id` (0 when
    /// its work does not run here; for monitoring).
    pub fn waiting(&self, task_id: &str) -> usize {
        self.inner
            .live_task(task_id)
            .map_or(0, |live| live.waiter_count())
    }

    /// The `tasks` capability of a server whose engine receives `tools/call`: `list`,
    /// `cancel` and `requests.tools.call`. `list` is offered because every task belongs to
    /// an owner and a listing shows only the caller's own tasks.
    pub fn server_capability() -> ServerTasksCapability {
        let mut tools = ToolsTaskRequests::default();
        tools.call = Some(JsonObject::new());
        let mut requests = ServerTaskRequests::default();
        requests.tools = Some(tools);
        let mut caps = ServerTasksCapability::default();
        caps.list = Some(JsonObject::new());
        caps.cancel = Some(JsonObject::new());
        caps.requests = Some(requests);
        caps
    }

    /// The `tasks` capability of a client whose engine receives task-augmented
    /// `sampling/createMessage` (when `sampling`) and `elicitation/create` (when
    /// `elicitation`), with `list` and `cancel`.
    pub fn client_capability(sampling: bool, elicitation: bool) -> ClientTasksCapability {
        let mut requests = ClientTaskRequests::default();
        if sampling {
            let mut s = SamplingTaskRequests::default();
            s.create_message = Some(JsonObject::new());
            requests.sampling = Some(s);
        }
        if elicitation {
            let mut e = ElicitationTaskRequests::default();
            e.create = Some(JsonObject::new());
            requests.elicitation = Some(e);
        }
        let mut caps = ClientTasksCapability::default();
        caps.list = Some(JsonObject::new());
        caps.cancel = Some(JsonObject::new());
        caps.requests = Some(requests);
        caps
    }

    /// Runs the request of `cx` as a task: records it (owned by the requestor of `cx`,
    /// `working`, with the ttl [`TaskConfig::effective_ttl`] gives), starts `work` in the
    /// background, and returns the `CreateTaskResult` to answer the request with.
    ///
    /// `work` gets a [`RequestContext`] of its own: the same request id, session and
    /// progress token (valid until the task is terminal), the task's cancellation token
    /// (fired by `tasks/cancel`), and a peer whose requests and notifications carry the
    /// related-task `_meta`. While one of its requests to the other side is outstanding,
    /// the task is `input_required`. What `work` returns is the task's outcome: see
    /// [`WorkResult`]. A panic fails the task with -32603.
    ///
    /// A task owned by its session (the default [`OwnerPolicy`](super::OwnerPolicy)) is
    /// cancelled when the session ends, with the statusMessage
    /// [`SESSION_ENDED_MESSAGE`](super::SESSION_ENDED_MESSAGE), and its work's token fires:
    /// no one could read it afterwards. With a fixed owner it runs on.
    ///
    /// The record is written and the work started in a task of their own, so dropping this
    /// future (the request was cancelled, the session closed) never leaves a record without
    /// work behind it: the task runs anyway.
    ///
    /// Fails with -32603 when the requestor is at [`TaskConfig::max_unfinished_per_owner`]
    /// or [`TaskConfig::max_tasks_per_owner`], when the engine runs
    /// [`TaskConfig::max_unfinished`] tasks, when the params are larger than
    /// [`TaskConfig::max_payload_bytes`], when the store fails, and with -32601 before
    /// protocol 2025-11-25 (tasks do not exist there).
    pub async fn start<R, F, Fut>(
        &self,
        cx: &RequestContext<R>,
        task: NewTask,
        work: F,
    ) -> Result<CreateTaskResult, ErrorData>
    where
        R: Role,
        F: FnOnce(RequestContext<R>) -> Fut + Send + 'static,
        Fut: Future<Output = WorkResult> + Send + 'static,
    {
        self.start_in(cx, task, work, Era::Legacy).await
    }

    /// [`start`](Self::start), with the work's peer as `era` wants it: the 2025-11-25
    /// task protocol's, or the tasks extension's (its requests wait as `inputRequests`,
    /// and no status notification goes out: the extension sends them only on
    /// `subscriptions/listen`).
    pub(crate) async fn start_in<R, F, Fut>(
        &self,
        cx: &RequestContext<R>,
        task: NewTask,
        work: F,
        era: Era,
    ) -> Result<CreateTaskResult, ErrorData>
    where
        R: Role,
        F: FnOnce(RequestContext<R>) -> Fut + Send + 'static,
        Fut: Future<Output = WorkResult> + Send + 'static,
    {
        require_tasks(cx.protocol_version(), &task.method)?;
        self.inner.ensure_purger();
        let owner = owner_for(cx, &self.inner.config.owner)
            .map_err(|e| ErrorData::internal_error(e.to_string()))?;
        self.inner.check_params(&task)?;
        let slot = self.inner.reserve(R::NAME)?;
        let sink = match era {
            Era::Legacy => self.status_sink(cx.peer()),
            Era::Modern => None,
        };
        let session = owned_by_session(&owner).then(|| cx.peer().session_id());
        let cx = cx.clone();
        let engine = self.inner.clone();
        let (answer, created) = oneshot::channel();
        tokio::spawn(async move {
            let record = match engine.create(owner, task).await {
                Ok(record) => record,
                Err(e) => {
                    let _ = answer.send(Err(e));
                    return;
                }
            };
            let live = LiveTask::new(
                record.task.task_id.clone(),
                record.owner.clone(),
                session,
                sink,
            );
            engine.add_live(live.clone());
            engine.track_session(&live, |hook| cx.peer().on_session_end(hook));
            let link = Arc::new(TaskLink::new(engine.clone(), live.clone()));
            let mut context = cx.for_work(live.cancel.clone(), Some(era.hook(link, &live)));
            context
                .extensions_mut()
                .insert(RunningTask(live.id.clone()));
            let completion = context.completion();
            drop(cx);
            tracing::debug!(task = %live.id, method = %record.method, "task created");
            // The requestor may be gone; the task runs all the same.
            let _ = answer.send(Ok(to_wire(&record)));
            let work = Box::pin(async move { work(context).await });
            supervise(engine, live, completion, work, slot).await;
        });
        match created.await {
            Ok(Ok(task)) => Ok(CreateTaskResult::new(task)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ErrorData::internal_error(
                "internal error: the task could not be started",
            )),
        }
    }

    fn status_sink<R: Role>(&self, peer: &Peer<R>) -> Option<StatusSink> {
        if !self.inner.config.status_notifications {
            return None;
        }
        let peer = peer.downgrade();
        Some(Box::new(move |task: &Task| {
            let Some(peer) = peer.upgrade() else { return };
            let sent = serde_json::value::to_raw_value(task)
                .map_err(|e| e.to_string())
                .and_then(|raw| {
                    peer.try_notify_raw(TaskStatusNotification::METHOD, Some(raw))
                        .map_err(|e| e.to_string())
                });
            if let Err(error) = sent {
                tracing::debug!(task = %task.task_id, %error, "task status notification not sent");
            }
        }))
    }
}

/// Which protocol a task's requestor speaks to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Era {
    /// The task protocol of 2025-11-25.
    Legacy,
    /// The tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`).
    Modern,
}

impl Era {
    /// The hook of the work's peer.
    pub(crate) fn hook(self, link: Arc<TaskLink>, live: &LiveTask) -> Arc<dyn OutboundHook> {
        match self {
            Self::Legacy => Arc::new(TaskHook(link)),
            Self::Modern => Arc::new(crate::modern::ModernHook {
                link,
                inbox: live.inbox.clone(),
            }),
        }
    }
}

/// -32601 before 2025-11-25, where tasks do not exist.
pub(crate) fn require_tasks(version: ProtocolVersion, method: &str) -> Result<(), ErrorData> {
    if version < ProtocolVersion::V2025_11_25 {
        return Err(
            ErrorData::method_not_found(method).with_data(serde_json::json!({
                "reason": "tasks need protocol version 2025-11-25"
            })),
        );
    }
    Ok(())
}

/// The task as the wire shows it: timestamps from the record's milliseconds.
pub(crate) fn to_wire(record: &TaskRecord) -> Task {
    let mut task = record.task.clone();
    task.created_at = wire_timestamp(record.created_at_ms);
    task.last_updated_at = wire_timestamp(record.updated_at_ms);
    task.meta = None;
    task
}
