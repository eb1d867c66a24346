//! A bridge from `tracing` to MCP logging: events emitted while a request of an
//! [`McpServer`](crate::server::McpServer) is handled are sent to the client of *that*
//! request as `notifications/message`.
//!
//! Install [`McpLoggingLayer`] in the subscriber once; then `tracing::info!` and friends
//! inside a tool, resource reader, prompt or completer reach the client, filtered by the
//! level it set with `logging/setLevel` (and only if the server declared `logging`).
//! Levels map as `TRACE`/`DEBUG` → `debug`, `INFO` → `info`, `WARN` → `warning`,
//! `ERROR` → `error`; the logger is the event's target; the data is an object with the
//! `message` and the event's other fields. Fields whose names suggest a credential
//! (`token`, `secret`, `password`, `authorization`, `cookie`, `api_key`, `apikey`) are
//! replaced by `"[redacted]"`. Events of oxmcp's own crates and of the network stack (hyper,
//! h2, reqwest, tower, tokio, mio, rustls) are not forwarded.
//!
//! The request is found through a Tokio task-local, so work spawned onto other tasks does
//! not log to the client unless it is wrapped in [`scope`] with the request's peer.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//! use oxmcp_core::server::tracing_bridge::McpLoggingLayer;
//!
//! // In a binary, usually with a formatting layer too, and `set_global_default`.
//! let subscriber = tracing_subscriber::registry().with(McpLoggingLayer::new());
//! let _guard = tracing::subscriber::set_default(subscriber);
//! tracing::info!("outside a request: not sent anywhere");
//! ```

use std::fmt;
use std::future::Future;

use oxmcp_types::methods::{LoggingMessageNotification, NotificationMethod};
use oxmcp_types::{JsonObject, LoggingLevel, LoggingMessageNotificationParams};
use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use crate::role::Server;
use crate::session::Peer;

tokio::task_local! {
    static CURRENT_PEER: Peer<Server>;
}

/// Runs `future` with `peer` as the destination of bridged log events. The router does this
/// for every request; use it for work a handler spawns onto other tasks.
pub fn scope<F: Future>(peer: Peer<Server>, future: F) -> impl Future<Output = F::Output> {
    CURRENT_PEER.scope(peer, future)
}

/// A `tracing_subscriber` layer that forwards events to the client of the request being
/// handled. See the [module docs](self).
#[derive(Debug, Clone, Copy, Default)]
pub struct McpLoggingLayer {
    _private: (),
}

impl McpLoggingLayer {
    /// The layer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S: Subscriber> Layer<S> for McpLoggingLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        if is_infrastructure(metadata.target()) {
            return;
        }
        let level = mcp_level(*metadata.level());
        let _ = CURRENT_PEER.try_with(|peer| {
            if !peer.logs_at(level) || peer.is_closed() {
                return;
            }
            let mut visitor = FieldsVisitor::default();
            event.record(&mut visitor);
            let params = LoggingMessageNotificationParams::new(
                level,
                Some(metadata.target().to_owned()),
                Value::Object(visitor.data),
            );
            if let Ok(raw) = serde_json::value::to_raw_value(&params) {
                // A full queue or a session without `logging` drops the message.
                let _ = peer.try_notify_raw(LoggingMessageNotification::METHOD, Some(raw));
            }
        });
    }
}

/// The MCP level of a `tracing` level.
///
/// ```
/// use oxmcp_core::server::tracing_bridge::mcp_level;
/// use oxmcp_types::LoggingLevel;
/// assert_eq!(mcp_level(tracing::Level::WARN), LoggingLevel::Warning);
/// ```
pub fn mcp_level(level: Level) -> LoggingLevel {
    match level {
        Level::TRACE | Level::DEBUG => LoggingLevel::Debug,
        Level::INFO => LoggingLevel::Info,
        Level::WARN => LoggingLevel::Warning,
        Level::ERROR => LoggingLevel::Error,
    }
}

const SENSITIVE: [&str; 7] = [
    "token",
    "secret",
    "password",
    "authorization",
    "cookie",
    "api_key",
    "apikey",
];

fn is_sensitive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SENSITIVE.iter().any(|s| name.contains(s))
}

/// Collects an event's fields into a JSON object.
#[derive(Default)]
struct FieldsVisitor {
    data: JsonObject,
}

impl FieldsVisitor {
    fn put(&mut self, field: &Field, value: Value) {
        let value = if is_sensitive(field.name()) {
            Value::String("[redacted]".to_owned())
        } else {
            value
        };
        self.data.insert(field.name().to_owned(), value);
    }
}

impl Visit for FieldsVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, serde_json::json!(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

/// Targets whose events never reach a client: oxmcp's own crates and the network stack
/// under it (their events describe transports and sessions, not the server's work, and may
/// carry details a client should not see).
fn is_infrastructure(target: &str) -> bool {
    const CRATES: [&str; 13] = [
        "oxmcp_core",
        "oxmcp_types",
        "oxmcp_http",
        "oxmcp_auth",
        "oxmcp_store_sqlite",
        "oxmcp_store_redis",
        "hyper",
        "hyper_util",
        "h2",
        "reqwest",
        "tower",
        "tokio",
        "rustls",
    ];
    let krate = target.split("::").next().unwrap_or(target);
    CRATES.contains(&krate) || krate == "mio"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_recognized() {
        assert!(is_sensitive("access_token"));
        assert!(is_sensitive("Authorization"));
        assert!(is_sensitive("api_key"));
        assert!(!is_sensitive("city"));
    }

    #[test]
    fn levels_map() {
        assert_eq!(mcp_level(Level::TRACE), LoggingLevel::Debug);
        assert_eq!(mcp_level(Level::ERROR), LoggingLevel::Error);
    }
}
