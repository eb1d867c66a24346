//! Tasks on [`McpServer`]: the middleware that receives task-augmented `tools/call` and
//! answers the `tasks/*` requests, the builder methods that install it, and recovery at
//! startup.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use oxmcp_types::methods::{CallToolRequest, RequestMethod};
use oxmcp_types::{CallToolRequestParams, ProtocolVersion, ServerCapabilities};

use oxmcp_core::augment::TaskAugmentation;
use oxmcp_core::context::RequestContext;
use oxmcp_core::handler::{HandlerResult, IncomingRequest};
use oxmcp_core::middleware::{Middleware, Next};
use oxmcp_core::role::Server;
use oxmcp_core::server::{McpServer, McpServerBuilder};

use crate::modern::{self, ModernRunner};
use crate::receiver::runner::{EngineRunner, outcome};
use crate::{Recovery, ResumeWork, StoreError, TaskConfig, TaskEngine, TaskRecord, TaskStore};
use oxmcp_types::ext_tasks::{EXTENSION_ID, TASK_IDS_FILTER_KEY};

/// The task extension of a server (installed by [`TasksServerBuilderExt::tasks`]): declares
/// `tasks`, answers `tasks/*`, and offers the engine as the runner of task-augmented
/// `tools/call` of 2025-11-25 sessions.
struct ServerTasks {
    engine: TaskEngine,
    runner: TaskAugmentation<Server>,
    modern_runner: TaskAugmentation<Server>,
}

impl Middleware<Server> for ServerTasks {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        mut cx: RequestContext<Server>,
        next: Next<Server>,
    ) -> HandlerResult {
        if cx.protocol_version().is_modern() {
            return self.modern(request, cx, next).await;
        }
        if TaskEngine::handles(&request.method) {
            return self.engine.answer(&request, &cx).await;
        }
        if request.method == CallToolRequest::METHOD
            && cx.protocol_version() == ProtocolVersion::V2025_11_25
            && mentions_task(&request)
        {
            cx.extensions_mut().insert(self.runner.clone());
        }
        next.run(request, cx).await
    }

    fn capabilities(&self, own: &mut ServerCapabilities) {
        own.tasks = Some(TaskEngine::server_capability());
        own.extensions
            .get_or_insert_with(Default::default)
            .insert(EXTENSION_ID.to_owned(), serde_json::json!({}));
    }
}

impl ServerTasks {
    /// A 2026-07-28 request: the tasks extension's methods, and its runner for a
    /// `tools/call` whose client declared the extension (see [`crate::modern`]). The
    /// 2025-11-25 task methods are not answered (-32601, from the router).
    async fn modern(
        &self,
        request: IncomingRequest,
        mut cx: RequestContext<Server>,
        next: Next<Server>,
    ) -> HandlerResult {
        let declared = modern::declared(&cx);
        if modern::handles(&request.method) {
            if !declared {
                return Err(modern::extension_required(&request.method));
            }
            return self.engine.answer_modern(&request, &cx).await;
        }
        if request.method == CallToolRequest::METHOD && declared {
            cx.extensions_mut().insert(self.modern_runner.clone());
        }
        if request.method == SUBSCRIPTIONS_LISTEN && !declared && asks_task_ids(&request) {
            return Err(modern::extension_required(SUBSCRIPTIONS_LISTEN));
        }
        next.run(request, cx).await
    }
}

/// `subscriptions/listen`.
const SUBSCRIPTIONS_LISTEN: &str = "subscriptions/listen";

/// Whether a `subscriptions/listen` asks for task status notifications (`taskIds` in its
/// filter), which need the extension.
fn asks_task_ids(request: &IncomingRequest) -> bool {
    let Some(params) = &request.params else {
        return false;
    };
    if memchr::memmem::find(params.get().as_bytes(), TASK_IDS_FILTER_KEY.as_bytes()).is_none() {
        return false;
    }
    serde_json::from_str::<serde_json::Value>(params.get())
        .ok()
        .is_some_and(|p| p["notifications"].get(TASK_IDS_FILTER_KEY).is_some())
}

/// Whether the params may hold a `task` member (a quick look at the raw text; the router
/// parses them).
pub(crate) fn mentions_task(request: &IncomingRequest) -> bool {
    request
        .params
        .as_ref()
        .is_some_and(|p| memchr::memmem::find(p.get().as_bytes(), b"\"task\"").is_some())
}

/// Tasks on [`McpServerBuilder`].
pub trait TasksServerBuilderExt {
    /// Receives task-augmented `tools/call` with `engine`: the server declares
    /// `tasks: {list, cancel, requests: {tools: {call}}}` (to 2025-11-25 sessions; older
    /// revisions have no tasks) and answers `tasks/get`, `tasks/result`, `tasks/list` and
    /// `tasks/cancel`. Each tool's `execution.taskSupport` decides how it may be called:
    ///
    /// - absent or `forbidden`: a call with `task` is answered with -32601;
    /// - `optional`: either way;
    /// - `required`: a call without `task` is answered with -32601. The tool-level rules of
    ///   the spec say -32601; its error section allows -32600 instead; oxmcp follows the
    ///   tool-level rules (a client should accept either).
    ///
    /// Without an engine, a `task` member is ignored and the call is answered normally, as
    /// the spec requires of receivers that do not declare tasks (a `required` tool cannot
    /// be called then: -32601).
    #[must_use]
    fn tasks(self, engine: TaskEngine) -> Self;

    /// [`tasks`](Self::tasks) with a new engine over `store`.
    #[must_use]
    fn task_store(self, store: impl TaskStore, config: TaskConfig) -> Self;
}

impl TasksServerBuilderExt for McpServerBuilder {
    fn tasks(self, engine: TaskEngine) -> Self {
        let runner = TaskAugmentation(Arc::new(EngineRunner(engine.clone())));
        let modern_runner = TaskAugmentation(Arc::new(ModernRunner(engine.clone())));
        self.layer(ServerTasks {
            engine: engine.clone(),
            runner,
            modern_runner,
        })
        .extension(engine)
    }

    fn task_store(self, store: impl TaskStore, config: TaskConfig) -> Self {
        self.tasks(TaskEngine::new(store, config))
    }
}

/// Tasks on [`McpServer`].
pub trait TasksServerExt {
    /// The task engine, if the server receives tasks.
    fn task_engine(&self) -> Option<&TaskEngine>;

    /// The startup step for a durable task store: every task that was running when the
    /// previous server process stopped is run again when its tool is
    /// [`resumable`](oxmcp_core::server::tools::ToolRoute::resumable), and otherwise moved to
    /// `failed` ("interrupted: the server stopped while the task was running"). Call it
    /// once, before serving, and only when no other live process serves tasks from the
    /// same store. A resumed result is reachable only with a fixed task owner (see
    /// [`TaskEngine::recover`]). Without an engine it does nothing.
    fn recover_tasks(&self) -> impl Future<Output = Result<Recovery, StoreError>> + Send;

    /// For a store with leases ([`TaskStore::lease_renewal`], several live processes on
    /// one store): runs [`recover_tasks`](Self::recover_tasks) now and then every `every`
    /// (a lease period is a good value) in the background, so that the tasks of a process
    /// that died are taken over by this one once their leases ran out. Stops when the
    /// returned handle is aborted (it keeps the server alive until then). With a store
    /// without leases only one process may serve tasks from it. Needs a Tokio runtime.
    fn keep_recovering_tasks(&self, every: Duration) -> tokio::task::JoinHandle<()>;
}

impl TasksServerExt for McpServer {
    fn task_engine(&self) -> Option<&TaskEngine> {
        self.extension::<TaskEngine>()
    }

    async fn recover_tasks(&self) -> Result<Recovery, StoreError> {
        let Some(engine) = self.task_engine() else {
            return Ok(Recovery::default());
        };
        engine
            .recover::<Server>(|record| {
                let params = resumable_call(self, record)?;
                let server = self.clone();
                Some(ResumeWork::new(move |cx| async move {
                    let answer = server.call_tool_directly(params, cx).await;
                    outcome(CallToolRequest::METHOD, answer)
                }))
            })
            .await
    }

    fn keep_recovering_tasks(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let server = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.max(Duration::from_millis(1)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match server.recover_tasks().await {
                    Ok(done) if !done.resumed.is_empty() || !done.failed.is_empty() => {
                        tracing::info!(resumed = ?done.resumed, failed = ?done.failed, "tasks of a stopped process taken over");
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "task recovery failed; trying again later")
                    }
                }
            }
        })
    }
}

/// The params of a stored `tools/call` task whose tool is resumable.
fn resumable_call(server: &McpServer, record: &TaskRecord) -> Option<CallToolRequestParams> {
    if record.method != CallToolRequest::METHOD {
        return None;
    }
    let params: CallToolRequestParams = serde_json::from_str(record.params.as_ref()?.get()).ok()?;
    let options = server.tool_task_options(&params.name)?;
    options.resumable().then_some(params)
}
