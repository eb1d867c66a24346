//! [`ModernRunner`]: runs a 2026-07-28 `tools/call` as a task of the extension, answering
//! with its handle (`resultType: "task"`).

use oxmcp_core::augment::{AugmentedRequest, AugmentedWork, TaskRunner};
use oxmcp_core::context::RequestContext;
use oxmcp_core::handler::{BoxFuture, HandlerResult, to_result};
use oxmcp_core::role::Role;
use oxmcp_types::ext_tasks::CreateTaskResult;

use super::wire::modern_task;
use crate::receiver::engine::Era;
use crate::receiver::runner::outcome;
use crate::{NewTask, TaskEngine};

/// Runs modern requests as tasks of an engine.
pub(crate) struct ModernRunner(pub(crate) TaskEngine);

impl<R: Role> TaskRunner<R> for ModernRunner {
    fn run(
        &self,
        cx: RequestContext<R>,
        request: AugmentedRequest,
        work: AugmentedWork<R>,
    ) -> BoxFuture<'static, HandlerResult> {
        let engine = self.0.clone();
        Box::pin(async move {
            let AugmentedRequest {
                method,
                params,
                task,
                ..
            } = request;
            let new = NewTask::new(method.clone(), params, task);
            let work = move |cx: RequestContext<R>| async move { outcome(&method, work(cx).await) };
            let created = engine.start_in(&cx, new, work, Era::Modern).await?;
            to_result(&CreateTaskResult::new(modern_task(&created.task)))
        })
    }
}
