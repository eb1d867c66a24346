//! [`ModernHook`]: the peer of a 2026-07-28 task's work. Its requests to the client are
//! not sent (the server sends no requests in that era): they wait in the task's
//! [`Inbox`](super::inbox::Inbox) as `inputRequests`, the task shows `input_required`,
//! and the answer `tasks/update` brings is what the request returns. Progress and log
//! messages are not sent: the extension has none for tasks.

use std::sync::Arc;

use oxmcp_core::error::RequestError;
use oxmcp_core::handler::BoxFuture;
use oxmcp_core::session::{OutboundHook, WaitHold};
use oxmcp_types::methods::{LoggingMessageNotification, NotificationMethod, ProgressNotification};
use serde_json::value::RawValue;

use super::inbox::{INPUT_METHODS, Inbox};
use crate::receiver::link::TaskLink;

/// Ties a task's work to its inbox (see the [module docs](self)).
pub(crate) struct ModernHook {
    pub(crate) link: Arc<TaskLink>,
    pub(crate) inbox: Arc<Inbox>,
}

/// Withdraws a request from the inbox however its wait ends.
struct Pending<'a> {
    inbox: &'a Inbox,
    key: String,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.inbox.withdraw(&self.key);
    }
}

impl ModernHook {
    async fn ask(
        &self,
        method: &str,
        params: Option<&RawValue>,
    ) -> Result<Box<RawValue>, RequestError> {
        let params = match params {
            Some(raw) => serde_json::from_str(raw.get()).map_err(RequestError::Serialize)?,
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        let (key, answer) = self.inbox.ask(method, params);
        let pending = Pending {
            inbox: &self.inbox,
            key,
        };
        // In the inbox first: a task that shows `input_required` has its requests there.
        let hold = WaitHold::new(self.link.begin_input().await);
        let answer = answer.await;
        drop(pending);
        hold.release().await;
        let value = answer.map_err(|_| RequestError::Cancelled)?;
        serde_json::value::to_raw_value(&value).map_err(RequestError::Serialize)
    }
}

impl OutboundHook for ModernHook {
    fn answer<'a>(
        &'a self,
        method: &'a str,
        params: Option<&'a RawValue>,
    ) -> Option<BoxFuture<'a, Result<Box<RawValue>, RequestError>>> {
        if !INPUT_METHODS.contains(&method) {
            let refused = RequestError::NoRoundTrip {
                method: method.to_owned(),
            };
            return Some(Box::pin(std::future::ready(Err(refused))));
        }
        Some(Box::pin(self.ask(method, params)))
    }

    fn keeps(&self, method: &str) -> bool {
        !matches!(
            method,
            ProgressNotification::METHOD | LoggingMessageNotification::METHOD
        )
    }

    fn label(&self) -> Option<&str> {
        Some(self.link.task_id())
    }
}
