//! The client as task receiver: the checks and the hand-off of task-augmented
//! `sampling/createMessage` and `elicitation/create` to the runner a task extension offers
//! (see [`crate::augment`]).

use oxmcp_types::methods::{CreateMessageRequest, ElicitRequest, RequestMethod};
use oxmcp_types::sampling::CreateMessageRequestParams;
use oxmcp_types::tasks::{TaskAugmentedRequestParams, TaskMetadata};
use oxmcp_types::{ElicitRequestParams, ProtocolVersion};

use super::ClientHandler;
use crate::augment::{AugmentedRequest, TaskAugmentation};
use crate::context::RequestContext;
use crate::handler::{BoxFuture, HandlerResult, to_result};
use crate::role::Client;

impl ClientHandler {
    /// Whether this client declared that it receives `method` as a task, and the session
    /// of `cx` speaks 2025-11-25.
    fn declared_task(cx: &RequestContext<Client>, method: &str) -> bool {
        let Some(requests) = cx
            .own_capabilities()
            .tasks
            .as_ref()
            .and_then(|t| t.requests.as_ref())
        else {
            return false;
        };
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
        // The 2025-11-25 task protocol; the modern era's tasks are an extension.
        let version = cx.protocol_version();
        declared && version >= ProtocolVersion::V2025_11_25 && !version.is_modern()
    }

    /// The runner for `method`, and the `task` member taken out of `params`: `None` when
    /// the request is answered directly (a `task` this client does not receive is ignored,
    /// as the spec says).
    fn take_task<P: TaskAugmentedRequestParams>(
        params: &mut P,
        cx: &RequestContext<Client>,
        method: &str,
    ) -> Option<(TaskAugmentation<Client>, TaskMetadata)> {
        let task = params.take_task()?;
        match TaskAugmentation::of(cx).filter(|_| Self::declared_task(cx, method)) {
            Some(runner) => Some((runner, task)),
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
        let Some((runner, task)) = Self::take_task(&mut params, &cx, method) else {
            return self.run_sampling(params, &cx).await;
        };
        let request = AugmentedRequest::new(method, Some(to_result(&params)?), task);
        let handler = self.clone();
        let work = Box::new(move |task_cx: RequestContext<Client>| {
            Box::pin(async move { handler.run_sampling(params, &task_cx).await })
                as BoxFuture<'static, HandlerResult>
        });
        runner.0.run(cx, request, work).await
    }

    /// `elicitation/create`, directly or as a task.
    pub(super) async fn elicit(
        &self,
        mut params: ElicitRequestParams,
        cx: RequestContext<Client>,
    ) -> HandlerResult {
        self.check_elicitation(&params, &cx)?;
        let method = ElicitRequest::METHOD;
        let Some((runner, task)) = Self::take_task(&mut params, &cx, method) else {
            return self.run_elicitation(params, &cx).await;
        };
        let request = AugmentedRequest::new(method, Some(to_result(&params)?), task);
        let handler = self.clone();
        let work = Box::new(move |task_cx: RequestContext<Client>| {
            Box::pin(async move { handler.run_elicitation(params, &task_cx).await })
                as BoxFuture<'static, HandlerResult>
        });
        runner.0.run(cx, request, work).await
    }
}
