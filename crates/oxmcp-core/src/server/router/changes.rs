//! Changes of a server that its clients hear of (list changes, resource updates), and how
//! the instances of a scaled-out server tell each other about them.
//!
//! Each change is told to this process's sessions (`notifications/*/list_changed`, and
//! `notifications/resources/updated` to the sessions subscribed to the resource) and to its
//! `subscriptions/listen` streams that asked for it. With several processes serving one
//! server (on Redis, for example), a client's stream may be held by another process than
//! the one where the change happened: a relay ([`McpServer::relay_changes`]) hears of each
//! change made here and carries it to the others, which tell their own sessions and
//! streams with [`McpServer::apply_change`] (which does not relay again).

use std::fmt;
use std::sync::{Arc, OnceLock};

use oxmcp_types::methods::{
    NotificationMethod, PromptListChangedNotification, ResourceListChangedNotification,
    ResourceUpdatedNotification, ToolListChangedNotification,
};
use oxmcp_types::resources::ResourceUpdatedNotificationParams;

use super::McpServer;
use crate::server::listen::Change;
use crate::server::sessions::send_now;

/// A change of a server that its clients hear of.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerChange {
    /// The tool list changed (`notifications/tools/list_changed`).
    ToolListChanged,
    /// The prompt list changed (`notifications/prompts/list_changed`).
    PromptListChanged,
    /// The resource list changed (`notifications/resources/list_changed`).
    ResourceListChanged,
    /// The resource of this URI changed (`notifications/resources/updated`).
    ResourceUpdated(String),
}

impl ServerChange {
    /// The method of the notification that tells a client about it.
    pub fn method(&self) -> &'static str {
        match self {
            Self::ToolListChanged => ToolListChangedNotification::METHOD,
            Self::PromptListChanged => PromptListChangedNotification::METHOD,
            Self::ResourceListChanged => ResourceListChangedNotification::METHOD,
            Self::ResourceUpdated(_) => ResourceUpdatedNotification::METHOD,
        }
    }

    /// Whether `method` is the method of such a notification.
    pub fn is_change_method(method: &str) -> bool {
        [
            ToolListChangedNotification::METHOD,
            PromptListChangedNotification::METHOD,
            ResourceListChangedNotification::METHOD,
            ResourceUpdatedNotification::METHOD,
        ]
        .contains(&method)
    }

    fn listen(&self) -> Change {
        match self {
            Self::ToolListChanged => Change::Tools,
            Self::PromptListChanged => Change::Prompts,
            Self::ResourceListChanged => Change::Resources,
            Self::ResourceUpdated(uri) => Change::Updated(uri.clone()),
        }
    }
}

type RelayFn = Arc<dyn Fn(&ServerChange) + Send + Sync>;

/// The relay of a server, set at most once.
#[derive(Default)]
pub(super) struct Relay(OnceLock<RelayFn>);

impl fmt::Debug for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Relay")
            .field(&self.0.get().is_some())
            .finish()
    }
}

impl McpServer {
    /// Hands each change made in this process (by [`add_tools`](Self::add_tools),
    /// [`notify_resource_updated`](Self::notify_resource_updated), ...) to `relay` too,
    /// after this process's sessions and streams were told: what carries it to the other
    /// processes of a scaled-out server, which [`apply_change`](Self::apply_change) it.
    /// `relay` is called on the changing thread and must not block. One relay per server:
    /// false (and `relay` is dropped) when one is set already.
    pub fn relay_changes(&self, relay: impl Fn(&ServerChange) + Send + Sync + 'static) -> bool {
        self.shared.relay.0.set(Arc::new(relay)).is_ok()
    }

    /// Tells this process's sessions and `subscriptions/listen` streams about `change`
    /// (made in another process of the same server), without handing it to the relay.
    /// Returns how many sessions and streams were told.
    pub fn apply_change(&self, change: &ServerChange) -> usize {
        let streams = self.shared.listeners.publish(&change.listen());
        let sessions = match change {
            ServerChange::ResourceUpdated(uri) => {
                let params = ResourceUpdatedNotificationParams::new(uri);
                let Ok(raw) = serde_json::value::to_raw_value(&params) else {
                    return streams;
                };
                self.shared
                    .sessions
                    .subscribers(uri)
                    .iter()
                    .filter(|peer| {
                        send_now(peer, ResourceUpdatedNotification::METHOD, Some(raw.clone()))
                    })
                    .count()
            }
            list => self.shared.sessions.broadcast(list.method()),
        };
        sessions + streams
    }

    /// A change made here: told here, then relayed.
    pub(super) fn changed(&self, change: &ServerChange) -> usize {
        let told = self.apply_change(change);
        if let Some(relay) = self.shared.relay.0.get() {
            relay(change);
        }
        told
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use oxmcp_types::Implementation;

    use super::*;

    #[test]
    fn changes_made_here_are_relayed_and_applied_ones_are_not() {
        let server = McpServer::builder(Implementation::new("s", "1"))
            .build()
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        assert!(server.relay_changes(move |c| sink.lock().unwrap().push(c.clone())));
        assert!(!server.relay_changes(|_| {}), "one relay per server");
        server.notify_resource_updated("note://1");
        server.apply_change(&ServerChange::ToolListChanged);
        server.changed(&ServerChange::PromptListChanged);
        assert_eq!(
            *seen.lock().unwrap(),
            [
                ServerChange::ResourceUpdated("note://1".into()),
                ServerChange::PromptListChanged
            ]
        );
        assert_eq!(
            ServerChange::ResourceUpdated(String::new()).method(),
            "notifications/resources/updated"
        );
        assert!(ServerChange::is_change_method(
            "notifications/tools/list_changed"
        ));
        assert!(!ServerChange::is_change_method("notifications/message"));
    }
}
