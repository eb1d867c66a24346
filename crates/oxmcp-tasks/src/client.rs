//! Tasks on [`ClientHandler`]: the middleware that receives task-augmented
//! `sampling/createMessage` and `elicitation/create` and answers the server's `tasks/*`, the
//! methods that install it, and recovery at startup.

use std::future::Future;
use std::sync::Arc;

use oxmcp_types::methods::{CreateMessageRequest, ElicitRequest, RequestMethod};
use oxmcp_types::{ClientCapabilities, ProtocolVersion};

use oxmcp_core::augment::TaskAugmentation;
use oxmcp_core::client::ClientHandler;
use oxmcp_core::context::RequestContext;
use oxmcp_core::handler::{HandlerResult, IncomingRequest};
use oxmcp_core::middleware::{Middleware, Next};
use oxmcp_core::role::Client;

use crate::receiver::runner::EngineRunner;
use crate::server::mentions_task;
use crate::{MemoryTaskStore, Recovery, StoreError, TaskConfig, TaskEngine};

/// The task extension of a client (installed by [`TasksClientExt::with_tasks`]).
struct ClientTasks {
    engine: TaskEngine,
    runner: TaskAugmentation<Client>,
}

impl Middleware<Client> for ClientTasks {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        mut cx: RequestContext<Client>,
        next: Next<Client>,
    ) -> HandlerResult {
        if TaskEngine::handles(&request.method) {
            return self.engine.answer(&request, &cx).await;
        }
        let augmentable = matches!(
            request.method.as_str(),
            CreateMessageRequest::METHOD | ElicitRequest::METHOD
        );
        if augmentable
            && cx.protocol_version() >= ProtocolVersion::V2025_11_25
            && !cx.protocol_version().is_modern()
            && mentions_task(&request)
        {
            cx.extensions_mut().insert(self.runner.clone());
        }
        next.run(request, cx).await
    }

    /// `tasks: {list, cancel, requests: {...}}` with `sampling.createMessage` when the
    /// client answers sampling and `elicitation.create` when it answers elicitation
    /// (nothing when it answers neither).
    fn capabilities(&self, own: &mut ClientCapabilities) {
        let (sampling, elicitation) = (own.sampling.is_some(), own.elicitation.is_some());
        if sampling || elicitation {
            own.tasks = Some(TaskEngine::client_capability(sampling, elicitation));
        }
    }
}

/// Tasks on [`ClientHandler`].
pub trait TasksClientExt: Sized {
    /// Receives task-augmented sampling and elicitation with `engine`: the client declares
    /// `tasks: {list, cancel, requests: {...}}` with `sampling.createMessage` when it answers
    /// sampling and `elicitation.create` when it answers elicitation (nothing when it
    /// answers neither). Such a request from a 2025-11-25 server is checked as usual, then
    /// answered at once with a `CreateTaskResult` while the host's callback runs in the
    /// background (`tasks/cancel` fires its
    /// [`SamplingRequest::cancellation`](oxmcp_core::client::SamplingRequest::cancellation));
    /// the server's `tasks/get`, `tasks/result`, `tasks/list` and `tasks/cancel` are answered
    /// by the engine. A request without `task` is answered directly, as before.
    ///
    /// ```
    /// use oxmcp_core::client::ClientHandler;
    /// use oxmcp_tasks::TasksClientExt;
    /// use oxmcp_types::{ElicitResult, elicitation::ElicitAction};
    ///
    /// let handler = ClientHandler::new()
    ///     .with_form_elicitation(|_form| async { Ok(ElicitResult::new(ElicitAction::Decline)) })
    ///     .with_task_receipt();
    /// let caps = serde_json::to_value(handler.capabilities()).unwrap();
    /// assert_eq!(caps["tasks"], serde_json::json!({
    ///     "list": {}, "cancel": {}, "requests": {"elicitation": {"create": {}}}
    /// }));
    /// ```
    #[must_use]
    fn with_tasks(self, engine: TaskEngine) -> Self;

    /// [`with_tasks`](Self::with_tasks) with an engine over a [`MemoryTaskStore`] and the
    /// default [`TaskConfig`].
    #[must_use]
    fn with_task_receipt(self) -> Self {
        self.with_tasks(TaskEngine::new(
            MemoryTaskStore::new(),
            TaskConfig::default(),
        ))
    }

    /// The task engine, if the client receives tasks.
    fn task_engine(&self) -> Option<&TaskEngine>;

    /// The startup step for a durable task store: the tasks a previous client process left
    /// `working` or `input_required` move to `failed` (a user's answer cannot be resumed).
    /// Without an engine it does nothing. See [`TaskEngine::recover`].
    fn recover_tasks(&self) -> impl Future<Output = Result<Recovery, StoreError>> + Send;
}

impl TasksClientExt for ClientHandler {
    fn with_tasks(self, engine: TaskEngine) -> Self {
        let runner = TaskAugmentation(Arc::new(EngineRunner(engine.clone())));
        self.layer(ClientTasks {
            engine: engine.clone(),
            runner,
        })
        .with_extension(engine)
    }

    fn task_engine(&self) -> Option<&TaskEngine> {
        self.extension::<TaskEngine>()
    }

    async fn recover_tasks(&self) -> Result<Recovery, StoreError> {
        match self.task_engine() {
            Some(engine) => engine.recover::<Client>(|_| None).await,
            None => Ok(Recovery::default()),
        }
    }
}
