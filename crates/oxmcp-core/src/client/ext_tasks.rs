//! The tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`, SEP-2663) on the
//! client: a request the server made a task of ([`ModernTask`]) is followed to its result by
//! polling `tasks/get`, its input requests answered through `tasks/update` with the
//! session's handler (see [`ClientConfig::with_tasks_extension`](super::ClientConfig::with_tasks_extension)).

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_types::ext_tasks::{
    CancelTask, CreateTaskResult, DetailedTask, GetTask, GetTaskResult, Task, TaskIdParams,
    UpdateTask, UpdateTaskParams,
};
use oxmcp_types::methods::{CallToolRequest, RequestMethod};
use oxmcp_types::modern::{InputRequests, InputResponses, ResultType};
use oxmcp_types::{CallToolRequestParams, CallToolResult, Era, TaskStatus};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::mrtr::{answer_inputs, result_type};
use crate::error::RequestError;
use crate::role::Client;
use crate::session::state::lock;
use crate::session::{Peer, RequestOptions};

/// The default of [`TaskPolling::interval`]: one second.
pub const DEFAULT_TASK_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The default of [`TaskPolling::min_interval`]: 50 ms.
pub const DEFAULT_MIN_TASK_POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The default of [`TaskPolling::max_interval`]: 30 s.
pub const DEFAULT_MAX_TASK_POLL_INTERVAL: Duration = Duration::from_secs(30);
/// The default of [`TaskPolling::max_wait`]: one hour.
pub const DEFAULT_MAX_TASK_WAIT: Duration = Duration::from_secs(60 * 60);

/// How `tasks/get` is paced: at the task's `pollIntervalMs`, kept within
/// [`min_interval`](Self::min_interval) and [`max_interval`](Self::max_interval), or at
/// [`interval`](Self::interval) when the server suggests none; and how long a task is
/// followed at most ([`max_wait`](Self::max_wait)), so that a server that keeps a task
/// working for ever cannot keep its caller waiting for ever.
///
/// ```
/// use std::time::Duration;
/// use oxmcp_core::client::TaskPolling;
///
/// let polling = TaskPolling::default()
///     .with_max_interval(Duration::from_secs(5))
///     .with_max_wait(Duration::from_secs(600));
/// assert_eq!(polling.pace(Some(60_000)), Duration::from_secs(5));
/// assert_eq!(polling.pace(Some(0)), polling.min_interval);
/// assert_eq!(polling.pace(None), polling.interval);
/// assert_eq!(polling.max_wait, Duration::from_secs(600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskPolling {
    /// The pace when the server suggests none (default [`DEFAULT_TASK_POLL_INTERVAL`]).
    pub interval: Duration,
    /// The fastest pace, whatever the server suggests (default
    /// [`DEFAULT_MIN_TASK_POLL_INTERVAL`]).
    pub min_interval: Duration,
    /// The slowest pace, whatever the server suggests (default
    /// [`DEFAULT_MAX_TASK_POLL_INTERVAL`]).
    pub max_interval: Duration,
    /// How long a task is followed at most, from the first wait to its result (default
    /// [`DEFAULT_MAX_TASK_WAIT`]); past it, the wait ends with [`RequestError::Timeout`]
    /// (the task goes on, unless the request that made it is cancelled with it).
    pub max_wait: Duration,
}

impl Default for TaskPolling {
    fn default() -> Self {
        Self {
            interval: DEFAULT_TASK_POLL_INTERVAL,
            min_interval: DEFAULT_MIN_TASK_POLL_INTERVAL,
            max_interval: DEFAULT_MAX_TASK_POLL_INTERVAL,
            max_wait: DEFAULT_MAX_TASK_WAIT,
        }
    }
}

impl TaskPolling {
    /// Sets the pace used when the server suggests none.
    #[must_use]
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the fastest pace.
    #[must_use]
    pub fn with_min_interval(mut self, min: Duration) -> Self {
        self.min_interval = min;
        self
    }

    /// Sets the slowest pace.
    #[must_use]
    pub fn with_max_interval(mut self, max: Duration) -> Self {
        self.max_interval = max;
        self
    }

    /// Sets how long a task is followed at most.
    #[must_use]
    pub fn with_max_wait(mut self, max: Duration) -> Self {
        self.max_wait = max;
        self
    }

    /// The wait before the next `tasks/get` when the server suggested `poll_interval_ms`.
    pub fn pace(&self, poll_interval_ms: Option<u64>) -> Duration {
        let max = self.max_interval.max(self.min_interval);
        poll_interval_ms
            .map_or(self.interval, Duration::from_millis)
            .clamp(self.min_interval, max)
    }
}

/// A task of the tasks extension that a 2026-07-28 server made of one of this client's
/// requests, whose request returns `T` (`CallToolResult` for a tool call): its state
/// (`tasks/get`), answers to its input requests (`tasks/update`), its cancellation
/// (`tasks/cancel`), and its result, followed to the end. Cheap to clone; the clones share
/// which input requests were answered.
///
/// ```no_run
/// # async fn f(client: oxmcp_core::McpClient) -> Result<(), oxmcp_core::RequestError> {
/// use oxmcp_core::client::ToolCallOutcome;
/// use oxmcp_types::CallToolRequestParams;
///
/// let call = CallToolRequestParams::new("long_report");
/// match client.peer().call_tool_or_task(call).await? {
///     ToolCallOutcome::Complete(result) => println!("done at once: {result:?}"),
///     ToolCallOutcome::Task(task) => {
///         println!("task {} is {:?}", task.task_id(), task.get().await?.task.status);
///         let result = task.result().await?; // polls, answering its questions
///         println!("{result:?}");
///     }
/// }
/// # Ok(()) }
/// ```
pub struct ModernTask<T> {
    peer: Peer<Client>,
    created: Option<Task>,
    task_id: String,
    polling: TaskPolling,
    /// The keys of the input requests answered so far.
    answered: Arc<Mutex<BTreeSet<String>>>,
    _result: PhantomData<fn() -> T>,
}

impl<T> Clone for ModernTask<T> {
    fn clone(&self) -> Self {
        Self {
            peer: self.peer.clone(),
            created: self.created.clone(),
            task_id: self.task_id.clone(),
            polling: self.polling,
            answered: self.answered.clone(),
            _result: PhantomData,
        }
    }
}

impl<T> fmt::Debug for ModernTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModernTask")
            .field("task_id", &self.task_id)
            .field("polling", &self.polling)
            .finish_non_exhaustive()
    }
}

/// What `tools/call` returned to a caller that keeps task handles
/// ([`Peer::call_tool_or_task`]).
#[derive(Debug)]
pub enum ToolCallOutcome {
    /// The server answered at once.
    Complete(CallToolResult),
    /// The server made a task of the call.
    Task(ModernTask<CallToolResult>),
}

impl<T> ModernTask<T> {
    /// The task `created` of the server behind `peer`, polled as `polling` says.
    pub(crate) fn new(peer: Peer<Client>, created: Task, polling: TaskPolling) -> Self {
        Self {
            peer,
            task_id: created.task_id.clone(),
            created: Some(created),
            polling,
            answered: Arc::default(),
            _result: PhantomData,
        }
    }

    /// A handle on the task `task_id` this client's session got earlier (one whose id was
    /// kept, to follow it after a restart of the client), paced by the session's
    /// [`TaskPolling`] when given, else its defaults.
    pub fn attach(peer: Peer<Client>, task_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
            created: None,
            polling: session_polling(&peer),
            answered: Arc::default(),
            _result: PhantomData,
            peer,
        }
    }

    /// Sets how `tasks/get` is paced.
    #[must_use]
    pub fn with_polling(mut self, polling: TaskPolling) -> Self {
        self.polling = polling;
        self
    }

    /// The task's id.
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// The task as the server created it (absent for [`attach`](Self::attach)ed handles).
    pub fn created(&self) -> Option<&Task> {
        self.created.as_ref()
    }

    /// `tasks/get`: the task now, with its input requests, result or error inlined.
    pub async fn get(&self) -> Result<DetailedTask, RequestError> {
        self.get_with(RequestOptions::default()).await
    }

    async fn get_with(&self, options: RequestOptions) -> Result<DetailedTask, RequestError> {
        let answer = self
            .send(GetTask::METHOD, &TaskIdParams::new(&self.task_id), options)
            .await?;
        let invalid = |source| RequestError::InvalidResult {
            method: GetTask::METHOD.to_owned(),
            source,
        };
        let got: GetTaskResult = serde_json::from_str(answer.get()).map_err(invalid)?;
        if let Err(e) = got.task.check() {
            use serde::de::Error as _;
            return Err(invalid(serde_json::Error::custom(e)));
        }
        Ok(got.task)
    }

    /// `tasks/update`: answers to the task's input requests, by key. The keys are
    /// remembered: [`result`](Self::result) does not answer them again.
    pub async fn update(&self, responses: InputResponses) -> Result<(), RequestError> {
        let keys: Vec<String> = responses.keys().cloned().collect();
        let params = UpdateTaskParams::new(&self.task_id, responses);
        self.send(UpdateTask::METHOD, &params, RequestOptions::default())
            .await?;
        lock(&self.answered).extend(keys);
        Ok(())
    }

    /// `tasks/cancel`: asks the server to cancel the task (cooperative: the task may still
    /// end otherwise).
    pub async fn cancel(&self) -> Result<(), RequestError> {
        let params = TaskIdParams::new(&self.task_id);
        self.send(CancelTask::METHOD, &params, RequestOptions::default())
            .await
            .map(drop)
    }

    /// Sends a request of the extension through the session's exchange (which adds the
    /// modern `_meta`). The server made the task, so it answers the extension's methods
    /// whatever it declared.
    async fn send(
        &self,
        method: &str,
        params: &impl Serialize,
        options: RequestOptions,
    ) -> Result<Box<RawValue>, RequestError> {
        let raw = serde_json::value::to_raw_value(params).map_err(RequestError::Serialize)?;
        match self.peer.inner.exchange.get() {
            Some(exchange) => {
                exchange
                    .request(&self.peer, method, Some(raw), options)
                    .await
            }
            None => Err(RequestError::NotInEra {
                method: method.to_owned(),
                era: Era::Legacy,
            }),
        }
    }

    /// Follows the task to its end: polls `tasks/get` at the task's pace, answers its new
    /// input requests with the session's handler (`tasks/update`), and returns the
    /// request's result. `options` give each `tasks/get` its timeout; their cancellation
    /// ends the wait with [`RequestError::Cancelled`], and also cancels the task when
    /// `cancel_task`. Past [`TaskPolling::max_wait`], the wait ends with
    /// [`RequestError::Timeout`] (the task cancelled too when `cancel_task`).
    pub(crate) async fn follow(
        &self,
        options: &RequestOptions,
        cancel_task: bool,
    ) -> Result<Box<RawValue>, RequestError> {
        let max_wait = self.polling.max_wait;
        match tokio::time::timeout(max_wait, self.follow_to_end(options, cancel_task)).await {
            Ok(done) => done,
            Err(_) => {
                if cancel_task && let Err(e) = self.cancel().await {
                    tracing::debug!(task = %self.task_id, error = %e, "tasks/cancel failed");
                }
                Err(RequestError::Timeout(max_wait))
            }
        }
    }

    /// [`follow`](Self::follow), without its limit.
    async fn follow_to_end(
        &self,
        options: &RequestOptions,
        cancel_task: bool,
    ) -> Result<Box<RawValue>, RequestError> {
        let cancel = options.cancel.clone().unwrap_or_default();
        let mut poll = RequestOptions::new();
        poll.timeout = options.timeout;
        poll.max_total_timeout = options.max_total_timeout;
        let mut pace = self
            .polling
            .pace(self.created.as_ref().and_then(|t| t.poll_interval_ms));
        loop {
            if !wait(pace, &cancel).await {
                if cancel_task && let Err(e) = self.cancel().await {
                    tracing::debug!(task = %self.task_id, error = %e, "tasks/cancel failed");
                }
                return Err(RequestError::Cancelled);
            }
            let task = self.get_with(poll.clone()).await?;
            pace = self.polling.pace(task.task.poll_interval_ms);
            match task.task.status {
                TaskStatus::Completed => {
                    let result = task.result.unwrap_or_default();
                    return serde_json::value::to_raw_value(&result)
                        .map_err(RequestError::Serialize);
                }
                TaskStatus::Failed => {
                    let error = task.error.unwrap_or_else(|| {
                        oxmcp_types::ErrorData::internal_error("the task failed")
                    });
                    return Err(RequestError::Remote(error));
                }
                TaskStatus::Cancelled => {
                    return Err(RequestError::TaskCancelled {
                        task_id: self.task_id.clone(),
                        status_message: task.task.status_message,
                    });
                }
                TaskStatus::InputRequired => {
                    let requests = task.input_requests.unwrap_or_default();
                    self.answer(requests, &cancel).await?;
                }
                _ => {}
            }
        }
    }

    /// Answers the requests not answered yet, with the session's handler.
    async fn answer(
        &self,
        mut requests: InputRequests,
        cancel: &CancellationToken,
    ) -> Result<(), RequestError> {
        {
            let answered = lock(&self.answered);
            requests.retain(|key, _| !answered.contains(key));
        }
        if requests.is_empty() {
            return Ok(());
        }
        let responses = answer_inputs(&self.peer, requests, Some(cancel)).await?;
        self.update(responses).await
    }
}

impl<T: DeserializeOwned> ModernTask<T> {
    /// Follows the task to its end and returns the request's result (see
    /// [`result_with`](Self::result_with)).
    pub async fn result(&self) -> Result<T, RequestError> {
        self.result_with(RequestOptions::default()).await
    }

    /// Follows the task to its end: polls `tasks/get` paced by the task's `pollIntervalMs`
    /// (within the [`TaskPolling`]), answers each new input request with the session's
    /// handler through `tasks/update`, and returns the request's result, typed. A failed
    /// task is its JSON-RPC error ([`RequestError::Remote`]), a cancelled one
    /// [`RequestError::TaskCancelled`]. `options` give each `tasks/get` its timeout; their
    /// cancellation token ends the wait with [`RequestError::Cancelled`] but does not
    /// cancel the task: use [`cancel`](Self::cancel). Past [`TaskPolling::max_wait`] the
    /// wait ends with [`RequestError::Timeout`], the task left as it is.
    pub async fn result_with(&self, options: RequestOptions) -> Result<T, RequestError> {
        let raw = self.follow(&options, false).await?;
        serde_json::from_str(raw.get()).map_err(|source| RequestError::InvalidResult {
            method: CallToolRequest::METHOD.to_owned(),
            source,
        })
    }
}

/// The [`TaskPolling`] of the session of `peer` (its config's, in the modern era).
fn session_polling(peer: &Peer<Client>) -> TaskPolling {
    peer.inner
        .exchange
        .get()
        .map_or_else(TaskPolling::default, |e| e.task_polling())
}

/// Waits `pace`; false when `cancel` fired first.
async fn wait(pace: Duration, cancel: &CancellationToken) -> bool {
    tokio::select! {
        () = tokio::time::sleep(pace) => true,
        () = cancel.cancelled() => false,
    }
}

impl Peer<Client> {
    /// `tools/call`, keeping the task handle when a 2026-07-28 server makes a task of the
    /// call (the tasks extension, declared with
    /// [`ClientConfig::with_tasks_extension`](super::ClientConfig::with_tasks_extension)):
    /// [`ToolCallOutcome::Task`] then, to follow as the caller wishes;
    /// [`ToolCallOutcome::Complete`] when the server answered at once (and always in the
    /// legacy era, whose tasks the `oxmcp-tasks` crate requests). Input requests of
    /// multi round-trip requests before the task exists are answered as for
    /// [`call_tool`](Self::call_tool).
    pub async fn call_tool_or_task(
        &self,
        params: CallToolRequestParams,
    ) -> Result<ToolCallOutcome, RequestError> {
        self.call_tool_or_task_with(params, RequestOptions::default())
            .await
    }

    /// [`call_tool_or_task`](Self::call_tool_or_task) with options.
    pub async fn call_tool_or_task_with(
        &self,
        params: CallToolRequestParams,
        options: RequestOptions,
    ) -> Result<ToolCallOutcome, RequestError> {
        let params = match self.session() {
            Some(info) => oxmcp_types::AdaptToVersion::adapted_to(params, info.protocol_version),
            None => params,
        };
        let raw = serde_json::value::to_raw_value(&params).map_err(RequestError::Serialize)?;
        let answer = self
            .request_raw(
                CallToolRequest::METHOD,
                Some(raw),
                options.keep_task_handle(),
            )
            .await?;
        let invalid = |source| RequestError::InvalidResult {
            method: CallToolRequest::METHOD.to_owned(),
            source,
        };
        if result_type(&answer, CallToolRequest::METHOD)? == Some(ResultType::Task) {
            let created: CreateTaskResult = serde_json::from_str(answer.get()).map_err(invalid)?;
            let task = ModernTask::new(self.clone(), created.task, session_polling(self));
            return Ok(ToolCallOutcome::Task(task));
        }
        let result = serde_json::from_str(answer.get()).map_err(invalid)?;
        Ok(ToolCallOutcome::Complete(result))
    }
}
