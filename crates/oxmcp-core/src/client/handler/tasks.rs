//! The client as task receiver: task-augmented `sampling/createMessage` and
//! `elicitation/create` run by a [`TaskEngine`] (a `CreateTaskResult` at once, the host's
//! callback in the background), and the server's `tasks/*` answered by it.

use oxmcp_types::capabilities::ClientTasksCapability;
use oxmcp_types::methods::{CreateMessageRequest, ElicitRequest, RequestMethod};
use oxmcp_types::sampling::CreateMessageRequestParams;
use oxmcp_types::tasks::{TaskAugmentedRequestParams, TaskMetadata};
use oxmcp_types::{ElicitRequestParams, ErrorData, ProtocolVersion};

use super::ClientHandler;
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest, to_result};
use crate::role::Client;
use crate::tasks::{
    MemoryTaskStore, NewTask, Recovery, StoreError, TaskConfig, TaskEngine, WorkResult,
};

impl ClientHandler {
    /// Receives task-augmented sampling and elicitation with `engine`: the client declares
    /// `tasks: {list, cancel, requests: {...}}` with `sampling.createMessage` when it answers
    /// sampling and `elicitation.create` when it answers elicitation (nothing when it
    /// answers neither). Such a request from a 2025-11-25 server is checked as usual, then
    /// answered at once with a `CreateTaskResult` while the host's callback runs in the
    /// background (`tasks/cancel` fires its
    /// [`SamplingRequest::cancellation`](crate::client::SamplingRequest::cancellation));
    /// the server's `tasks/get`, `tasks/result`, `tasks/list` and `tasks/cancel` are answered
    /// by the engine. A request without `task` is answered directly, as before.
    ///
    /// ```
    /// use oxmcp_core::client::ClientHandler;
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
    pub fn with_tasks(mut self, engine: TaskEngine) -> Self {
        self.tasks = Some(engine);
        self
    }

    /// [`with_tasks`](Self::with_tasks) with an engine over a [`MemoryTaskStore`] and the
    /// default [`TaskConfig`].
    #[must_use]
    pub fn with_task_receipt(self) -> Self {
        self.with_tasks(TaskEngine::new(
            MemoryTaskStore::new(),
            TaskConfig::default(),
        ))
    }

    /// The task engine, if the client receives tasks.
    pub fn task_engine(&self) -> Option<&TaskEngine> {
        self.tasks.as_ref()
    }

    /// The startup step for a durable task store: the tasks a previous client process left
    /// `working` or `input_required` move to `failed` (a user's answer cannot be resumed).
    /// Without an engine it does nothing. See [`TaskEngine::recover`].
    pub async fn recover_tasks(&self) -> Result<Recovery, StoreError> {
        match &self.tasks {
            Some(engine) => engine.recover::<Client>(|_| None).await,
            None => Ok(Recovery::default()),
        }
    }

    /// The `tasks` capability: what the engine receives, given what the host answers.
    pub(super) fn declare_tasks(
        &self,
        sampling: bool,
        elicitation: bool,
    ) -> Option<ClientTasksCapability> {
        let receives = self.tasks.is_some() && (sampling || elicitation);
        receives.then(|| TaskEngine::client_capability(sampling, elicitation))
    }

    /// The engine, when the session of `cx` may task-augment `method` here: this client
    /// has one, declared the request type, and speaks 2025-11-25.
    fn receiver_for(&self, cx: &RequestContext<Client>, method: &str) -> Option<&TaskEngine> {
        let requests = cx.own_capabilities().tasks.as_ref()?.requests.as_ref()?;
        let declared = match method {
            CreateMessageRequest::METHOD => requests
                .sampling
                .as_ref()
                .is_some_and(|s| s.create_message.is_some()),
            ElicitRequest::METHOD => requests
                .elicitation
                .as_ref()
                .is_some_and(|e| e.create.is_some()),
            _ => false,
        };
        let current = cx.protocol_version() >= ProtocolVersion::V2025_11_25;
        self.tasks.as_ref().filter(|_| declared && current)
    }

    /// The engine for `method`, and the `task` member taken out of `params`: `None` when
    /// the request is answered directly (a `task` this client does not receive is ignored,
    /// as the spec says).
    fn take_task<P: TaskAugmentedRequestParams>(
        &self,
        params: &mut P,
        cx: &RequestContext<Client>,
        method: &str,
    ) -> Option<(TaskEngine, TaskMetadata)> {
        let task = params.take_task()?;
        match self.receiver_for(cx, method) {
            Some(engine) => Some((engine.clone(), task)),
            None => {
                tracing::debug!(%method, "ignoring `task`: this client does not receive it as a task");
                None
            }
        }
    }

    /// `sampling/createMessage`, directly or as a task.
    pub(super) async fn sample(
        &self,
        mut params: CreateMessageRequestParams,
        cx: RequestContext<Client>,
    ) -> HandlerResult {
        self.check_sampling(&params, &cx)?;
        let method = CreateMessageRequest::METHOD;
        let Some((engine, task)) = self.take_task(&mut params, &cx, method) else {
            return self.run_sampling(params, &cx).await;
        };
        let new = NewTask::new(method, Some(to_result(&params)?), task);
        let handler = self.clone();
        let work = move |task_cx: RequestContext<Client>| async move {
            WorkResult::from(handler.run_sampling(params, &task_cx).await)
        };
        to_result(&engine.start(&cx, new, work).await?)
    }

    /// `elicitation/create`, directly or as a task.
    pub(super) async fn elicit(
        &self,
        mut params: ElicitRequestParams,
        cx: RequestContext<Client>,
    ) -> HandlerResult {
        self.check_elicitation(&params, &cx)?;
        let method = ElicitRequest::METHOD;
        let Some((engine, task)) = self.take_task(&mut params, &cx, method) else {
            return self.run_elicitation(params, &cx).await;
        };
        let new = NewTask::new(method, Some(to_result(&params)?), task);
        let handler = self.clone();
        let work = move |task_cx: RequestContext<Client>| async move {
            WorkResult::from(handler.run_elicitation(params, &task_cx).await)
        };
        to_result(&engine.start(&cx, new, work).await?)
    }

    /// The server's `tasks/*` requests (they only reach the handler when `tasks` was
    /// declared, that is with an engine).
    pub(super) async fn answer_tasks(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Client>,
    ) -> HandlerResult {
        match &self.tasks {
            Some(engine) => engine.answer(request, cx).await,
            None => Err(ErrorData::method_not_found(&request.method)),
        }
    }
}
