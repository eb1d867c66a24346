//! `_meta`, progress tokens and other shared building blocks.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A JSON object: used for open maps (`_meta`, unknown members, marker capabilities).
pub type JsonObject = serde_json::Map<String, Value>;

/// The `_meta` object that params, results and many types carry.
pub type Meta = JsonObject;

/// The `_meta` key under which a requestor asks for progress notifications.
pub const PROGRESS_TOKEN_KEY: &str = "progressToken";

/// A progress token: a string or an integer chosen by the requestor.
pub type ProgressToken = crate::RequestId;

/// Reads `_meta.progressToken` from a `_meta` object, if present and well formed.
///
/// ```
/// use oxmcp_types::{progress_token, RequestId};
/// let meta = serde_json::json!({"progressToken": "t1"});
/// assert_eq!(progress_token(meta.as_object().unwrap()), Some(RequestId::from("t1")));
/// ```
pub fn progress_token(meta: &Meta) -> Option<ProgressToken> {
    meta.get(PROGRESS_TOKEN_KEY)
        .and_then(|v| ProgressToken::deserialize(v).ok())
}

/// Params that carry nothing but `_meta` (and any unknown members), as of `ping` or
/// `notifications/initialized`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmptyParams {
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// A result with no content but `_meta` (`EmptyResult` in the schema; the `Result` base of
/// 2026-07-28 adds `resultType`).
///
/// ```
/// use oxmcp_types::{AdaptToVersion, EmptyResult, ProtocolVersion};
/// let r = EmptyResult::default();
/// assert_eq!(serde_json::to_string(&r).unwrap(), "{}");
/// let modern = r.adapted_to(ProtocolVersion::V2026_07_28);
/// assert_eq!(serde_json::to_string(&modern).unwrap(), r#"{"resultType":"complete"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmptyResult {
    /// How to read the result (2026-07-28; `None` in the legacy era).
    #[serde(
        rename = "resultType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_type: Option<crate::modern::ResultType>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Params of a request that defines no members of its own (`RequestParams`): `_meta` only.
pub type RequestParams = EmptyParams;

/// Params of a notification that defines no members of its own (`NotificationParams`).
pub type NotificationParams = EmptyParams;

/// Objects with a programmatic `name` and an optional display `title` (`BaseMetadata`).
///
/// ```
/// use oxmcp_types::meta::BaseMetadata;
/// use oxmcp_types::prompts::Prompt;
/// assert_eq!(Prompt::new("greet").display_name(), "greet");
/// assert_eq!(Prompt::new("greet").with_title("Greeting").display_name(), "Greeting");
/// ```
pub trait BaseMetadata {
    /// The programmatic name.
    fn name(&self) -> &str;
    /// The display title, if any.
    fn title(&self) -> Option<&str>;
    /// What to show a user: the title, else the name.
    fn display_name(&self) -> &str {
        self.title().unwrap_or_else(|| self.name())
    }
}

/// Implements [`BaseMetadata`] for types with `name: String` and `title: Option<String>`.
macro_rules! base_metadata {
    ($($ty:ty),*) => {$(
        impl BaseMetadata for $ty {
            fn name(&self) -> &str {
                &self.name
            }

            fn title(&self) -> Option<&str> {
                self.title.as_deref()
            }
        }
    )*};
}

base_metadata!(
    crate::lifecycle::Implementation,
    crate::resources::Resource,
    crate::resources::ResourceTemplate,
    crate::prompts::Prompt,
    crate::prompts::PromptArgument,
    crate::completion::PromptReference
);

impl BaseMetadata for crate::tools::Tool {
    fn name(&self) -> &str {
        &self.name
    }

    fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// The title, else `annotations.title`, else the name.
    fn display_name(&self) -> &str {
        Self::display_name(self)
    }
}
