//! Which methods the negotiated capabilities allow: pure functions, no I/O.
//!
//! One table serves both directions: the capabilities a receiver declared decide both what
//! it answers (incoming requests it did not declare get -32601) and what the other side may
//! send it (outgoing requests are refused locally).

use oxmcp_types::{ClientCapabilities, ServerCapabilities};

/// The verdict on one method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// The capability that gates the method was declared (or the method needs none).
    Yes,
    /// The method is gated by this capability (a JSON path such as `resources.subscribe`),
    /// which was not declared.
    Missing(&'static str),
    /// The method is defined by MCP, but is sent in the other direction.
    WrongDirection,
    /// Not an MCP method of this revision: a custom or experimental method.
    Unknown,
}

impl Support {
    /// Whether the method may be sent / must be answered.
    pub fn is_allowed(self) -> bool {
        matches!(self, Self::Yes | Self::Unknown)
    }
}

fn gate(declared: bool, path: &'static str) -> Support {
    if declared {
        Support::Yes
    } else {
        Support::Missing(path)
    }
}

/// Whether a server that declared `caps` handles the client-to-server request `method`.
///
/// ```
/// use oxmcp_core::capability::{server_supports, Support};
/// use oxmcp_types::ServerCapabilities;
///
/// let caps = ServerCapabilities::default();
/// assert_eq!(server_supports("ping", &caps), Support::Yes);
/// assert_eq!(server_supports("tools/list", &caps), Support::Missing("tools"));
/// assert_eq!(server_supports("roots/list", &caps), Support::WrongDirection);
/// ```
pub fn server_supports(method: &str, caps: &ServerCapabilities) -> Support {
    let tasks = caps.tasks.as_ref();
    match method {
        "ping" | "initialize" => Support::Yes,
        "tools/list" | "tools/call" => gate(caps.tools.is_some(), "tools"),
        "resources/list" | "resources/templates/list" | "resources/read" => {
            gate(caps.resources.is_some(), "resources")
        }
        "resources/subscribe" | "resources/unsubscribe" => gate(
            caps.resources.as_ref().and_then(|r| r.subscribe) == Some(true),
            "resources.subscribe",
        ),
        "prompts/list" | "prompts/get" => gate(caps.prompts.is_some(), "prompts"),
        "completion/complete" => gate(caps.completions.is_some(), "completions"),
        "logging/setLevel" => gate(caps.logging.is_some(), "logging"),
        "tasks/get" | "tasks/result" => gate(tasks.is_some(), "tasks"),
        "tasks/list" => gate(tasks.is_some_and(|t| t.list.is_some()), "tasks.list"),
        "tasks/cancel" => gate(tasks.is_some_and(|t| t.cancel.is_some()), "tasks.cancel"),
        "sampling/createMessage" | "roots/list" | "elicitation/create" => Support::WrongDirection,
        _ => Support::Unknown,
    }
}

/// Whether a client that declared `caps` handles the server-to-client request `method`.
///
/// ```
/// use oxmcp_core::capability::{client_supports, Support};
/// use oxmcp_types::ClientCapabilities;
///
/// let caps: ClientCapabilities = serde_json::from_str(r#"{"roots":{}}"#).unwrap();
/// assert_eq!(client_supports("roots/list", &caps), Support::Yes);
/// assert_eq!(client_supports("sampling/createMessage", &caps), Support::Missing("sampling"));
/// ```
pub fn client_supports(method: &str, caps: &ClientCapabilities) -> Support {
    let tasks = caps.tasks.as_ref();
    match method {
        "ping" => Support::Yes,
        "sampling/createMessage" => gate(caps.sampling.is_some(), "sampling"),
        "roots/list" => gate(caps.roots.is_some(), "roots"),
        "elicitation/create" => gate(caps.elicitation.is_some(), "elicitation"),
        "tasks/get" | "tasks/result" => gate(tasks.is_some(), "tasks"),
        "tasks/list" => gate(tasks.is_some_and(|t| t.list.is_some()), "tasks.list"),
        "tasks/cancel" => gate(tasks.is_some_and(|t| t.cancel.is_some()), "tasks.cancel"),
        "initialize"
        | "tools/list"
        | "tools/call"
        | "resources/list"
        | "resources/templates/list"
        | "resources/read"
        | "resources/subscribe"
        | "resources/unsubscribe"
        | "prompts/list"
        | "prompts/get"
        | "completion/complete"
        | "logging/setLevel" => Support::WrongDirection,
        _ => Support::Unknown,
    }
}

/// Whether a server that declared `own` may send the notification `method` to a client that
/// declared `peer`.
pub fn server_may_notify(
    method: &str,
    own: &ServerCapabilities,
    peer: &ClientCapabilities,
) -> Support {
    let list_changed = |flag: Option<bool>, path| gate(flag == Some(true), path);
    match method {
        "notifications/cancelled" | "notifications/progress" => Support::Yes,
        "notifications/message" => gate(own.logging.is_some(), "logging"),
        "notifications/resources/updated" => gate(
            own.resources.as_ref().and_then(|r| r.subscribe) == Some(true),
            "resources.subscribe",
        ),
        "notifications/resources/list_changed" => list_changed(
            own.resources.as_ref().and_then(|r| r.list_changed),
            "resources.listChanged",
        ),
        "notifications/tools/list_changed" => list_changed(
            own.tools.as_ref().and_then(|t| t.list_changed),
            "tools.listChanged",
        ),
        "notifications/prompts/list_changed" => list_changed(
            own.prompts.as_ref().and_then(|p| p.list_changed),
            "prompts.listChanged",
        ),
        "notifications/elicitation/complete" => gate(
            peer.elicitation.as_ref().is_some_and(|e| e.supports_url()),
            "elicitation.url",
        ),
        "notifications/tasks/status" => gate(own.tasks.is_some(), "tasks"),
        "notifications/initialized" | "notifications/roots/list_changed" => Support::WrongDirection,
        _ => Support::Unknown,
    }
}

/// Whether a client that declared `own` may send the notification `method`.
pub fn client_may_notify(method: &str, own: &ClientCapabilities) -> Support {
    match method {
        "notifications/cancelled" | "notifications/progress" | "notifications/initialized" => {
            Support::Yes
        }
        "notifications/roots/list_changed" => gate(
            own.roots.as_ref().and_then(|r| r.list_changed) == Some(true),
            "roots.listChanged",
        ),
        "notifications/tasks/status" => gate(own.tasks.is_some(), "tasks"),
        "notifications/message"
        | "notifications/resources/updated"
        | "notifications/resources/list_changed"
        | "notifications/tools/list_changed"
        | "notifications/prompts/list_changed"
        | "notifications/elicitation/complete" => Support::WrongDirection,
        _ => Support::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn server(caps: serde_json::Value) -> ServerCapabilities {
        serde_json::from_value(caps).unwrap()
    }

    fn client(caps: serde_json::Value) -> ClientCapabilities {
        serde_json::from_value(caps).unwrap()
    }

    #[test]
    fn server_requests_follow_declared_capabilities() {
        let none = server(json!({}));
        let all = server(json!({
            "tools": {}, "resources": {"subscribe": true}, "prompts": {}, "completions": {},
            "logging": {}, "tasks": {"list": {}, "cancel": {}}
        }));
        for m in [
            "tools/list",
            "tools/call",
            "resources/list",
            "resources/templates/list",
            "resources/read",
            "resources/subscribe",
            "resources/unsubscribe",
            "prompts/list",
            "prompts/get",
            "completion/complete",
            "logging/setLevel",
            "tasks/get",
            "tasks/result",
            "tasks/list",
            "tasks/cancel",
        ] {
            assert!(
                matches!(server_supports(m, &none), Support::Missing(_)),
                "{m}"
            );
            assert_eq!(server_supports(m, &all), Support::Yes, "{m}");
        }
        let no_sub = server(json!({"resources": {"subscribe": false}, "tasks": {}}));
        assert_eq!(server_supports("resources/read", &no_sub), Support::Yes);
        assert_eq!(
            server_supports("resources/subscribe", &no_sub),
            Support::Missing("resources.subscribe")
        );
        assert_eq!(
            server_supports("tasks/list", &no_sub),
            Support::Missing("tasks.list")
        );
        assert_eq!(server_supports("x/custom", &none), Support::Unknown);
    }

    #[test]
    fn client_requests_follow_declared_capabilities() {
        let none = client(json!({}));
        let all = client(
            json!({"sampling": {}, "roots": {}, "elicitation": {}, "tasks": {"list": {}, "cancel": {}}}),
        );
        for m in [
            "sampling/createMessage",
            "roots/list",
            "elicitation/create",
            "tasks/get",
            "tasks/result",
            "tasks/list",
            "tasks/cancel",
        ] {
            assert!(
                matches!(client_supports(m, &none), Support::Missing(_)),
                "{m}"
            );
            assert_eq!(client_supports(m, &all), Support::Yes, "{m}");
        }
        assert_eq!(client_supports("tools/call", &all), Support::WrongDirection);
        assert_eq!(client_supports("ping", &none), Support::Yes);
    }

    #[test]
    fn notifications_follow_sender_capabilities() {
        let bare = server(json!({"tools": {}}));
        let peer = client(json!({}));
        assert_eq!(
            server_may_notify("notifications/tools/list_changed", &bare, &peer),
            Support::Missing("tools.listChanged")
        );
        assert_eq!(
            server_may_notify("notifications/message", &bare, &peer),
            Support::Missing("logging")
        );
        let rich = server(
            json!({"tools": {"listChanged": true}, "logging": {}, "resources": {"subscribe": true, "listChanged": true}, "prompts": {"listChanged": true}}),
        );
        for m in [
            "notifications/tools/list_changed",
            "notifications/message",
            "notifications/resources/updated",
            "notifications/resources/list_changed",
            "notifications/prompts/list_changed",
            "notifications/progress",
            "notifications/cancelled",
        ] {
            assert_eq!(server_may_notify(m, &rich, &peer), Support::Yes, "{m}");
        }
        assert_eq!(
            server_may_notify("notifications/elicitation/complete", &rich, &peer),
            Support::Missing("elicitation.url")
        );
        let url_peer = client(json!({"elicitation": {"url": {}}}));
        assert_eq!(
            server_may_notify("notifications/elicitation/complete", &rich, &url_peer),
            Support::Yes
        );
        assert_eq!(
            client_may_notify(
                "notifications/roots/list_changed",
                &client(json!({"roots": {}}))
            ),
            Support::Missing("roots.listChanged")
        );
        assert_eq!(
            client_may_notify(
                "notifications/roots/list_changed",
                &client(json!({"roots": {"listChanged": true}}))
            ),
            Support::Yes
        );
        assert_eq!(
            client_may_notify("notifications/message", &peer),
            Support::WrongDirection
        );
    }
}
