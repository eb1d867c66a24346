//! Version adaptation: making a 2025-11-25 value fit an older negotiated revision, and
//! moving values between the legacy and the modern era (2026-07-28; the rule is described
//! in [`crate::modern`], the impls are in `adapt/modern.rs`).
//!
//! A session speaks the version it negotiated, so nothing newer may reach the peer.
//! [`AdaptToVersion::adapt_to`] strips members the revision lacks and converts values it
//! cannot represent. Only what the *sender* puts on the wire needs adapting; unknown members
//! in `extra` are the caller's business and are left alone. The lists below come from
//! diffing the four official JSON Schemas definition by definition.
//!
//! Missing before **2025-11-25** (added by 2025-11-25):
//! - `Implementation.description`, `.icons`, `.websiteUrl`; `icons` of `Tool`, `Prompt`,
//!   `Resource`, `ResourceTemplate` (and so of `resource_link` blocks): dropped.
//! - `ClientCapabilities.tasks`, `.sampling.context`, `.sampling.tools`, `.elicitation.form`,
//!   `.elicitation.url`; `ServerCapabilities.tasks`: dropped.
//! - `Tool.execution`; `task` of `tools/call`, `sampling/createMessage` and
//!   `elicitation/create` params: dropped.
//! - `CreateMessageRequestParams.tools` and `.toolChoice`, `SamplingMessage._meta`: dropped.
//! - `tool_use` / `tool_result` sampling blocks: converted to text blocks describing them;
//!   multi-block sampling content (an array): reduced to one block (text blocks are joined
//!   with newlines; otherwise the first block is kept). A `toolUse` stop reason becomes
//!   `endTurn`.
//! - URL-mode elicitation: converted to a form-mode request with an empty form whose message
//!   names the URL (2025-06-18 has no URL mode; the engine should not send it at all).
//! - Form elicitation: `mode` and `requestedSchema.$schema` dropped; `default` dropped from
//!   string, number and enum fields (booleans keep theirs); titled single-select enums become
//!   the legacy `enum` + `enumNames` form; multi-select fields (arrays) are removed from the
//!   form and from `required`. Array answers in `ElicitResult.content` are dropped.
//! - Kept on purpose: `$schema` inside `Tool.inputSchema` / `outputSchema`. Those members
//!   are JSON Schema documents, open by nature (the old schemas do not list
//!   `additionalProperties` or `description` there either), and removing `$schema` would
//!   change which dialect the schema is read in.
//!
//! Missing before **2025-06-18**:
//! - `title` of `Implementation`, `Tool`, `Prompt`, `PromptArgument`, `PromptReference`,
//!   `Resource`, `ResourceTemplate`: dropped.
//! - `_meta` of `Tool`, `Prompt`, `Resource`, `ResourceTemplate`, `Root`, every content block
//!   and resource contents: dropped (params and results always had `_meta`).
//! - `Annotations.lastModified`, `Tool.outputSchema`, `CompleteRequestParams.context`:
//!   dropped.
//! - `CallToolResult.structuredContent`: dropped; when `content` is empty the JSON text of
//!   the structured content is put in a text block so that nothing is lost.
//! - `ClientCapabilities.elicitation`: dropped.
//! - `resource_link` content blocks: converted to a text block naming the link
//!   (`title`/`name`, URI, description).
//!
//! Missing before **2025-03-26** (so in 2024-11-05):
//! - Audio content blocks: converted to a text block saying that audio was omitted.
//! - `Tool.annotations`, `ServerCapabilities.completions`,
//!   `ProgressNotificationParams.message`: dropped.
//!
//! ```
//! use oxmcp_types::{AdaptToVersion, Implementation, ProtocolVersion};
//!
//! let mut info = Implementation::new("srv", "1.0").with_title("Server").with_description("d");
//! info.adapt_to(ProtocolVersion::V2025_06_18);
//! assert_eq!((info.title.as_deref(), info.description.as_deref()), (Some("Server"), None));
//! info.adapt_to(ProtocolVersion::V2024_11_05);
//! assert_eq!(info.title, None);
//! ```

mod content;
mod features;
mod modern;

use crate::capabilities::{ClientCapabilities, ServerCapabilities};
use crate::lifecycle::{Implementation, InitializeRequestParams, InitializeResult};
use crate::utilities::ProgressNotificationParams;
use crate::version::ProtocolVersion;

/// Strips or converts what is newer than a negotiated protocol revision.
pub trait AdaptToVersion {
    /// Makes `self` fit `version`: afterwards it contains no member or type that `version`
    /// lacks. Adapting a value built for 2025-11-25 to [`ProtocolVersion::LATEST`] changes
    /// nothing; adapting to a modern revision also fills what it requires (`resultType`,
    /// cache hints).
    fn adapt_to(&mut self, version: ProtocolVersion);

    /// By-value form of [`adapt_to`](Self::adapt_to).
    #[must_use]
    fn adapted_to(mut self, version: ProtocolVersion) -> Self
    where
        Self: Sized,
    {
        self.adapt_to(version);
        self
    }
}

/// `version` predates 2025-11-25.
pub(crate) fn before_2025_11_25(v: ProtocolVersion) -> bool {
    v < ProtocolVersion::V2025_11_25
}

/// `version` predates 2025-06-18.
pub(crate) fn before_2025_06_18(v: ProtocolVersion) -> bool {
    v < ProtocolVersion::V2025_06_18
}

/// `version` predates 2025-03-26.
pub(crate) fn before_2025_03_26(v: ProtocolVersion) -> bool {
    v < ProtocolVersion::V2025_03_26
}

impl<T: AdaptToVersion> AdaptToVersion for Option<T> {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if let Some(v) = self {
            v.adapt_to(version);
        }
    }
}

impl<T: AdaptToVersion> AdaptToVersion for Vec<T> {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        for v in self {
            v.adapt_to(version);
        }
    }
}

impl AdaptToVersion for Implementation {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_11_25(version) {
            self.description = None;
            self.icons = None;
            self.website_url = None;
        }
        if before_2025_06_18(version) {
            self.title = None;
        }
    }
}

impl AdaptToVersion for ClientCapabilities {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if version.is_modern() {
            self.tasks = None;
            if let Some(roots) = &mut self.roots {
                roots.list_changed = None;
            }
        }
        if before_2025_11_25(version) {
            self.tasks = None;
            if let Some(s) = &mut self.sampling {
                s.context = None;
                s.tools = None;
            }
            if let Some(e) = &mut self.elicitation {
                e.form = None;
                e.url = None;
            }
        }
        if before_2025_06_18(version) {
            self.elicitation = None;
        }
    }
}

impl AdaptToVersion for ServerCapabilities {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if version.is_modern() {
            self.tasks = None;
        }
        if before_2025_11_25(version) {
            self.tasks = None;
        }
        if before_2025_03_26(version) {
            self.completions = None;
        }
    }
}

impl AdaptToVersion for InitializeRequestParams {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.capabilities.adapt_to(version);
        self.client_info.adapt_to(version);
    }
}

impl AdaptToVersion for InitializeResult {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.capabilities.adapt_to(version);
        self.server_info.adapt_to(version);
    }
}

impl AdaptToVersion for ProgressNotificationParams {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_03_26(version) {
            self.message = None;
        }
    }
}
