//! Task-augmented requests from the server to the client: `sampling/createMessage` and
//! `elicitation/create` answered with a `CreateTaskResult` at once, then followed with a
//! [`TaskHandle`] (`tasks/get`, `tasks/result`, `tasks/list`, `tasks/cancel` sent to the
//! client).
//!
//! Refused locally, like every request to the client, unless the session speaks 2025-11-25
//! and the client declared `tasks.requests.sampling.createMessage` (or
//! `tasks.requests.elicitation.create`) besides what the request itself needs.
//!
//! The client may announce status changes with `notifications/tasks/status`. Each session
//! has a [`TaskStatusFeed`] ([`TaskRequests::task_status_feed`]) that the handles created
//! here follow; the feed hears the client's notifications through a tap on the session (see
//! [`Peer::tap_notifications`]), whatever the session's handler is. Handles poll in any case.
//!
//! ```no_run
//! use oxmcp_core::{Peer, role::Server};
//! use oxmcp_core::server::client_requests::ClientRequestError;
//! use oxmcp_tasks::ServerTaskRequests;
//! use oxmcp_types::sampling::{CreateMessageRequestParams, SamplingMessage};
//!
//! async fn summarize(peer: &Peer<Server>, text: &str) -> Result<String, ClientRequestError> {
//!     let params = CreateMessageRequestParams::new(vec![SamplingMessage::user_text(text)], 500);
//!     let task = peer.create_message_as_task(params).await?;
//!     let answer = task.wait_for_result().await?;
//!     Ok(format!("{:?}", answer.content))
//! }
//! ```

use oxmcp_types::elicitation::{ElicitAction, ElicitResult, ElicitationSchema, StringFormat};
use oxmcp_types::methods::{CreateMessageRequest, ElicitRequest, RequestMethod};
use oxmcp_types::sampling::{CreateMessageRequestParams, CreateMessageResult};
use oxmcp_types::{AdaptToVersion, ElicitRequestParams, ProtocolVersion, TaskMetadata};

use std::future::Future;
use std::sync::Arc;

use oxmcp_core::context::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_core::server::client_requests::{
    ClientRequestError, require_form_mode, require_sampling, require_url_mode, require_version,
};
use oxmcp_core::session::{Peer, RequestOptions, SessionInfo};
use oxmcp_core::validate::{format_is_valid, validate_form_answer};

use super::methods::{create_task, to_raw};
use super::{PollPolicy, TaskHandle, TaskRequests, TaskStatusFeed};

/// Which task-augmented request the client must have declared.
#[derive(Clone, Copy)]
enum Augmented {
    Sampling,
    Elicitation,
}

/// Checks that the client receives task-augmented requests of this kind.
fn require_task_support(
    info: &SessionInfo<Server>,
    kind: Augmented,
) -> Result<(), ClientRequestError> {
    require_version(
        info,
        "task-augmented requests",
        ProtocolVersion::V2025_11_25,
    )?;
    let requests = info
        .peer_capabilities
        .tasks
        .as_ref()
        .and_then(|t| t.requests.as_ref());
    let (declared, path) = match kind {
        Augmented::Sampling => (
            requests
                .and_then(|r| r.sampling.as_ref())
                .is_some_and(|s| s.create_message.is_some()),
            "tasks.requests.sampling.createMessage",
        ),
        Augmented::Elicitation => (
            requests
                .and_then(|r| r.elicitation.as_ref())
                .is_some_and(|e| e.create.is_some()),
            "tasks.requests.elicitation.create",
        ),
    };
    if declared {
        Ok(())
    } else {
        Err(ClientRequestError::CapabilityMissing { capability: path })
    }
}

/// Task-augmented requests to the client, on [`Peer<Server>`] and [`RequestContext<Server>`]
/// (where they are related to the request).
pub trait ServerTaskRequests {
    /// Asks the client to sample an LLM as a task (`sampling/createMessage` with `task`:
    /// the params' own `task` member, or an empty one) and returns a handle on the task the
    /// client created. Refused locally as `create_message` is, and unless the client
    /// declared `tasks.requests.sampling.createMessage`.
    fn create_message_as_task(
        &self,
        params: CreateMessageRequestParams,
    ) -> impl Future<Output = Result<TaskHandle<Server, CreateMessageResult>, ClientRequestError>> + Send;

    /// [`create_message_as_task`](Self::create_message_as_task) with options for the
    /// request that creates the task.
    fn create_message_as_task_with(
        &self,
        params: CreateMessageRequestParams,
        options: RequestOptions,
    ) -> impl Future<Output = Result<TaskHandle<Server, CreateMessageResult>, ClientRequestError>> + Send;

    /// Sends `elicitation/create` (form or URL mode) as a task and returns a handle on the
    /// task the client created. Refused locally as `elicit_form` and `elicit_url` are, and
    /// unless the client declared `tasks.requests.elicitation.create`. An accepted form
    /// answer is checked against the form when it is fetched ([`ElicitTask::result`]).
    fn elicit_as_task(
        &self,
        params: ElicitRequestParams,
    ) -> impl Future<Output = Result<ElicitTask, ClientRequestError>> + Send;
}

impl ServerTaskRequests for Peer<Server> {
    async fn create_message_as_task(
        &self,
        params: CreateMessageRequestParams,
    ) -> Result<TaskHandle<Server, CreateMessageResult>, ClientRequestError> {
        self.create_message_as_task_with(params, RequestOptions::default())
            .await
    }

    async fn create_message_as_task_with(
        &self,
        mut params: CreateMessageRequestParams,
        options: RequestOptions,
    ) -> Result<TaskHandle<Server, CreateMessageResult>, ClientRequestError> {
        let info = session_info(self)?;
        require_sampling(&info, &params)?;
        require_task_support(&info, Augmented::Sampling)?;
        params.task.get_or_insert_with(TaskMetadata::default);
        let params = params.adapted_to(info.protocol_version);
        let created = create_task(
            self,
            CreateMessageRequest::METHOD,
            to_raw(&params)?,
            options,
        )
        .await?;
        Ok(TaskHandle::from_created(self.clone(), created)
            .with_status_feed(self.task_status_feed()))
    }

    async fn elicit_as_task(
        &self,
        mut params: ElicitRequestParams,
    ) -> Result<ElicitTask, ClientRequestError> {
        let info = session_info(self)?;
        let form = match &params {
            ElicitRequestParams::Form(form) => {
                require_form_mode(&info, &form.requested_schema)?;
                Some(form.requested_schema.clone())
            }
            ElicitRequestParams::Url(url) => {
                require_url_mode(&info)?;
                if !format_is_valid(StringFormat::Uri, &url.url) {
                    return Err(ClientRequestError::InvalidUrl(url.url.clone()));
                }
                None
            }
            _ => return Err(ClientRequestError::UnsupportedElicitationMode),
        };
        require_task_support(&info, Augmented::Elicitation)?;
        set_task(&mut params);
        let params = params.adapted_to(info.protocol_version);
        let raw = to_raw(&params)?;
        let created =
            create_task(self, ElicitRequest::METHOD, raw, RequestOptions::default()).await?;
        Ok(ElicitTask {
            handle: TaskHandle::from_created(self.clone(), created)
                .with_status_feed(self.task_status_feed()),
            form,
        })
    }
}

/// The session's information, once the client has initialized.
fn session_info(peer: &Peer<Server>) -> Result<Arc<SessionInfo<Server>>, ClientRequestError> {
    peer.session()
        .cloned()
        .ok_or(ClientRequestError::NotInitialized)
}

/// Adds an empty `task` member unless the params have one.
fn set_task(params: &mut ElicitRequestParams) {
    let task = match params {
        ElicitRequestParams::Form(form) => &mut form.task,
        ElicitRequestParams::Url(url) => &mut url.task,
        _ => return,
    };
    task.get_or_insert_with(TaskMetadata::default);
}

/// A task-augmented `elicitation/create` in progress on the client: a [`TaskHandle`], and
/// the form, so that an accepted answer is checked against it.
#[derive(Debug, Clone)]
pub struct ElicitTask {
    handle: TaskHandle<Server, ElicitResult>,
    form: Option<ElicitationSchema>,
}

impl ElicitTask {
    /// The handle: status, status stream, cancellation.
    pub fn handle(&self) -> &TaskHandle<Server, ElicitResult> {
        &self.handle
    }

    /// The task's id.
    pub fn task_id(&self) -> &str {
        self.handle.task_id()
    }

    /// Sets how `tasks/get` is paced.
    #[must_use]
    pub fn with_poll_policy(mut self, policy: PollPolicy) -> Self {
        self.handle = self.handle.with_poll_policy(policy);
        self
    }

    /// Also follows the client's `notifications/tasks/status` from `feed`.
    #[must_use]
    pub fn with_status_feed(mut self, feed: TaskStatusFeed) -> Self {
        self.handle = self.handle.with_status_feed(feed);
        self
    }

    /// `tasks/result`: the user's answer (see [`TaskHandle::result`]); an accepted form
    /// answer that does not match the form is [`ClientRequestError::InvalidAnswer`].
    pub async fn result(&self) -> Result<ElicitResult, ClientRequestError> {
        self.check(self.handle.result().await?)
    }

    /// Waits for the answer however long the user takes (see
    /// [`TaskHandle::wait_for_result`]), checked as [`result`](Self::result) is.
    pub async fn wait_for_result(&self) -> Result<ElicitResult, ClientRequestError> {
        self.check(self.handle.wait_for_result().await?)
    }

    fn check(&self, result: ElicitResult) -> Result<ElicitResult, ClientRequestError> {
        if let (ElicitAction::Accept, Some(form)) = (result.action, &self.form) {
            validate_form_answer(form, &result.content.clone().unwrap_or_default())?;
        }
        Ok(result)
    }
}

impl ServerTaskRequests for RequestContext<Server> {
    async fn create_message_as_task(
        &self,
        params: CreateMessageRequestParams,
    ) -> Result<TaskHandle<Server, CreateMessageResult>, ClientRequestError> {
        self.peer().create_message_as_task(params).await
    }

    async fn create_message_as_task_with(
        &self,
        params: CreateMessageRequestParams,
        options: RequestOptions,
    ) -> Result<TaskHandle<Server, CreateMessageResult>, ClientRequestError> {
        self.peer()
            .create_message_as_task_with(params, options)
            .await
    }

    async fn elicit_as_task(
        &self,
        params: ElicitRequestParams,
    ) -> Result<ElicitTask, ClientRequestError> {
        self.peer().elicit_as_task(params).await
    }
}
