//! `ClientCapabilities` and `ServerCapabilities`, with every sub-flag of 2025-11-25.
//!
//! Presence of a key (even `{}`) means support. Marker objects are kept as [`JsonObject`]s so
//! that unknown members survive a round trip.

use serde::{Deserialize, Serialize};

use crate::meta::JsonObject;

macro_rules! open_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty => $wire:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[$fm])*
                #[serde(rename = $wire, default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<$ty>,
            )*
            /// Members this revision does not define, kept as they came.
            #[serde(flatten)]
            pub extra: JsonObject,
        }
    };
}

open_struct!(
    /// What a client supports.
    ///
    /// ```
    /// use oxmcp_types::ClientCapabilities;
    /// let caps: ClientCapabilities =
    ///     serde_json::from_str(r#"{"roots":{"listChanged":true},"elicitation":{}}"#).unwrap();
    /// assert_eq!(caps.roots.unwrap().list_changed, Some(true));
    /// assert!(caps.elicitation.unwrap().supports_form());
    /// ```
    ClientCapabilities {
        /// Non-standard capabilities, by name.
        experimental: JsonObject => "experimental",
        /// The client answers `roots/list`.
        roots: RootsCapability => "roots",
        /// The client answers `sampling/createMessage`.
        sampling: SamplingCapability => "sampling",
        /// The client answers `elicitation/create`.
        elicitation: ElicitationCapability => "elicitation",
        /// The client receives task-augmented requests.
        tasks: ClientTasksCapability => "tasks",
        /// The protocol extensions the client supports, by identifier
        /// (`{vendor-prefix}/{name}`), each with its settings (`{}` for none). Not in the
        /// 2025-11-25 schema, whose capabilities are open objects; formal in 2026-07-28.
        extensions: JsonObject => "extensions",
    }
);

open_struct!(
    /// What a server supports.
    ServerCapabilities {
        /// Non-standard capabilities, by name.
        experimental: JsonObject => "experimental",
        /// The server sends `notifications/message` and accepts `logging/setLevel`.
        logging: JsonObject => "logging",
        /// The server answers `completion/complete`.
        completions: JsonObject => "completions",
        /// The server offers prompts.
        prompts: PromptsCapability => "prompts",
        /// The server offers resources.
        resources: ResourcesCapability => "resources",
        /// The server offers tools.
        tools: ToolsCapability => "tools",
        /// The server receives task-augmented requests.
        tasks: ServerTasksCapability => "tasks",
        /// The protocol extensions the server supports, by identifier
        /// (`{vendor-prefix}/{name}`), each with its settings (`{}` for none). Not in the
        /// 2025-11-25 schema, whose capabilities are open objects; formal in 2026-07-28.
        extensions: JsonObject => "extensions",
    }
);

open_struct!(
    /// `roots` of [`ClientCapabilities`].
    RootsCapability {
        /// The client sends `notifications/roots/list_changed`.
        list_changed: bool => "listChanged",
    }
);

open_struct!(
    /// `sampling` of [`ClientCapabilities`].
    SamplingCapability {
        /// `includeContext` values other than `none` are supported (soft-deprecated).
        context: JsonObject => "context",
        /// `tools` and `toolChoice` are supported.
        tools: JsonObject => "tools",
    }
);

open_struct!(
    /// `elicitation` of [`ClientCapabilities`]. An empty object means form mode only.
    ElicitationCapability {
        /// Form mode.
        form: JsonObject => "form",
        /// URL mode.
        url: JsonObject => "url",
    }
);

impl ElicitationCapability {
    /// Whether form mode is supported (declared, or implied by an empty object).
    pub fn supports_form(&self) -> bool {
        self.form.is_some() || self.url.is_none()
    }

    /// Whether URL mode is supported.
    pub fn supports_url(&self) -> bool {
        self.url.is_some()
    }
}

open_struct!(
    /// `tasks` of [`ClientCapabilities`].
    ClientTasksCapability {
        /// The client answers `tasks/list`.
        list: JsonObject => "list",
        /// The client answers `tasks/cancel`.
        cancel: JsonObject => "cancel",
        /// Which server requests may be task-augmented.
        requests: ClientTaskRequests => "requests",
    }
);

open_struct!(
    /// `tasks.requests` of [`ClientCapabilities`].
    ClientTaskRequests {
        /// `sampling.createMessage`.
        sampling: SamplingTaskRequests => "sampling",
        /// `elicitation.create`.
        elicitation: ElicitationTaskRequests => "elicitation",
    }
);

open_struct!(
    /// `tasks.requests.sampling` of [`ClientCapabilities`].
    SamplingTaskRequests {
        /// Task-augmented `sampling/createMessage`.
        create_message: JsonObject => "createMessage",
    }
);

open_struct!(
    /// `tasks.requests.elicitation` of [`ClientCapabilities`].
    ElicitationTaskRequests {
        /// Task-augmented `elicitation/create`.
        create: JsonObject => "create",
    }
);

open_struct!(
    /// `prompts` of [`ServerCapabilities`].
    PromptsCapability {
        /// The server sends `notifications/prompts/list_changed`.
        list_changed: bool => "listChanged",
    }
);

open_struct!(
    /// `resources` of [`ServerCapabilities`].
    ResourcesCapability {
        /// The server supports `resources/subscribe`.
        subscribe: bool => "subscribe",
        /// The server sends `notifications/resources/list_changed`.
        list_changed: bool => "listChanged",
    }
);

open_struct!(
    /// `tools` of [`ServerCapabilities`].
    ToolsCapability {
        /// The server sends `notifications/tools/list_changed`.
        list_changed: bool => "listChanged",
    }
);

open_struct!(
    /// `tasks` of [`ServerCapabilities`].
    ServerTasksCapability {
        /// The server answers `tasks/list`.
        list: JsonObject => "list",
        /// The server answers `tasks/cancel`.
        cancel: JsonObject => "cancel",
        /// Which client requests may be task-augmented.
        requests: ServerTaskRequests => "requests",
    }
);

open_struct!(
    /// `tasks.requests` of [`ServerCapabilities`].
    ServerTaskRequests {
        /// `tools.call`.
        tools: ToolsTaskRequests => "tools",
    }
);

open_struct!(
    /// `tasks.requests.tools` of [`ServerCapabilities`].
    ToolsTaskRequests {
        /// Task-augmented `tools/call`.
        call: JsonObject => "call",
    }
);
