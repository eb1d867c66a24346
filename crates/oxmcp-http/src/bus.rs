//! Messages between the instances of a scaled-out server: the [`Bus`] trait and the
//! [`Envelope`]s it carries.
//!
//! With a [`SessionStore`](crate::SessionStore), any instance serves any request of a
//! session. Three kinds of messages must then reach another instance than the one that got
//! them, and a bus ([`HttpServerConfig::with_bus`](crate::HttpServerConfig::with_bus))
//! carries them:
//!
//! - **the client's answer to a server-to-client request** (sampling, elicitation, roots):
//!   the ids of those requests name the instance that sent them (`<instance>~<n>`, see
//!   [`Bus::request_id_prefix`]), and an answer POSTed to another instance is sent to that
//!   one ([`Delivery::Response`]), which hands it to the waiting handler;
//! - **a message related to no request** (a notification from a handler, or from the
//!   server's code, such as `notifications/resources/updated`): it goes on the standalone
//!   GET stream, which may be held by another instance. The instance that opens a GET
//!   stream says so ([`Bus::hold_stream`]); one that has a message for a session whose GET
//!   stream it does not hold sends it to the holder ([`Delivery::Unrelated`]);
//! - **`notifications/cancelled`** for a request running on another instance: sent to
//!   every live instance ([`Bus::broadcast`], [`Delivery::Cancelled`]), and the one
//!   running the request cancels it. Cancellations are rare: no instance has to write where
//!   each request runs;
//! - **a change of the session's record** (log level, subscriptions): sent to every live
//!   instance ([`Delivery::Apply`]), so that those already holding the session apply it
//!   too (an instance that rebuilds the session later reads it from the record);
//! - **the end of a session** (a DELETE on one instance): sent to every live instance
//!   ([`Delivery::Ended`]), so that those holding a copy end it at once, even when they
//!   refresh the session's expiry only once per
//!   [`session_touch_interval`](crate::HttpServerConfig::session_touch_interval).
//!
//! A change of the server (a list change, a resource update:
//! [`ServerChange`](oxmcp_core::server::ServerChange)) is not a message of one session: a
//! bus that carries those to every instance ([`Bus::fans_out_changes`]) lets each one
//! tell its own sessions and streams. Then the notification of such a change to a shared
//! session whose standalone stream another instance holds is not forwarded to it: that
//! instance heard of the change too and tells the session itself, once.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

pub use crate::event_store::BoxFuture;

/// What an [`Envelope`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// The client's response (or error) to a request this instance sent.
    Response,
    /// A message related to no request, for the session's standalone stream.
    Unrelated,
    /// The client's `notifications/cancelled`.
    Cancelled,
    /// A request that changed the session's record (`logging/setLevel`,
    /// `resources/subscribe`, `resources/unsubscribe`), for the instances that hold the
    /// session to apply too.
    Apply,
    /// The session was deleted (a DELETE on one instance): the others end their copy (the
    /// message is empty).
    Ended,
}

impl Delivery {
    /// Its name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Response => "response",
            Self::Unrelated => "unrelated",
            Self::Cancelled => "cancelled",
            Self::Apply => "apply",
            Self::Ended => "ended",
        }
    }

    /// The delivery of `name`, as [`as_str`](Self::as_str) writes it.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "response" => Some(Self::Response),
            "unrelated" => Some(Self::Unrelated),
            "cancelled" => Some(Self::Cancelled),
            "apply" => Some(Self::Apply),
            "ended" => Some(Self::Ended),
            _ => None,
        }
    }
}

/// One message for one session, sent from one instance to another.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope {
    /// The `Mcp-Session-Id`.
    pub session: String,
    /// What it is.
    pub delivery: Delivery,
    /// The JSON-RPC message.
    pub message: Bytes,
}

impl Envelope {
    /// An envelope.
    pub fn new(session: impl Into<String>, delivery: Delivery, message: Bytes) -> Self {
        Self {
            session: session.into(),
            delivery,
            message,
        }
    }
}

/// A failure of the bus's backend.
#[derive(Debug, thiserror::Error)]
#[error("bus failure: {0}")]
pub struct BusError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// How the instances of a scaled-out server reach each other (see the
/// [module docs](self)). Each instance has an id and an inbox; the service reads its inbox
/// with one task.
pub trait Bus: Send + Sync + fmt::Debug + 'static {
    /// This instance's id: unique among the live instances, without `~`.
    fn instance(&self) -> &str;

    /// What the ids of this instance's server-to-client requests start with:
    /// `<instance>~`.
    fn request_id_prefix(&self) -> Arc<str>;

    /// Puts `envelope` in the inbox of `instance`.
    fn send<'a>(
        &'a self,
        instance: &'a str,
        envelope: Envelope,
    ) -> BoxFuture<'a, Result<(), BusError>>;

    /// Puts `envelope` in the inbox of every other live instance.
    fn broadcast(&self, envelope: Envelope) -> BoxFuture<'_, Result<(), BusError>>;

    /// Notes, for `ttl`, that this instance holds `session`'s standalone stream.
    fn hold_stream<'a>(
        &'a self,
        session: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), BusError>>;

    /// The instance that last said it holds `session`'s standalone stream, if any.
    fn stream_holder<'a>(
        &'a self,
        session: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, BusError>>;

    /// The next envelopes of this instance's inbox, waiting a moment (about a second) for
    /// some to come; empty when none came. Called by one task, in a loop.
    fn receive(&self) -> BoxFuture<'_, Result<Vec<Envelope>, BusError>>;

    /// Whether every instance hears of each change of the server made on any of them
    /// (see the [module docs](self)); default false.
    fn fans_out_changes(&self) -> bool {
        false
    }
}

/// The instance a request id names, when it is `<instance>~<n>` (see
/// [`Bus::request_id_prefix`]).
pub fn instance_of(id: &oxmcp_types::RequestId) -> Option<&str> {
    match id {
        oxmcp_types::RequestId::String(s) => s.split_once('~').map(|(instance, _)| instance),
        oxmcp_types::RequestId::Number(_) => None,
    }
}
