//! Elicitation: `elicitation/create` in form mode (2025-06-18) and URL mode (2025-11-25),
//! `notifications/elicitation/complete` and the `-32042` URL-elicitation-required error.
//!
//! ```
//! use oxmcp_types::elicitation::*;
//!
//! let form = ElicitationSchema::new()
//!     .with_field("name", StringSchema::new().with_title("Name"), true)
//!     .with_field("age", NumberSchema::new(NumberType::Integer), false);
//! let params = ElicitRequestParams::from(ElicitRequestFormParams::new("Who are you?", form));
//! let json = serde_json::to_value(&params).unwrap();
//! assert_eq!(json["mode"], "form");
//! assert_eq!(json["requestedSchema"]["required"], serde_json::json!(["name"]));
//! let back: ElicitRequestParams = serde_json::from_value(json).unwrap();
//! assert_eq!(back, params);
//! ```

mod schema;

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::jsonrpc::{ErrorCode, ErrorData};
use crate::meta::{JsonObject, Meta};
use crate::tasks::{TaskAugmentedRequestParams, TaskMetadata};
use crate::wire::wire_tag;

pub use schema::{
    BooleanSchema, ElicitationSchema, EnumOption, LegacyTitledEnumSchema, NumberSchema, NumberType,
    PrimitiveSchemaDefinition, StringFormat, StringSchema, TitledEnumItems,
    TitledMultiSelectEnumSchema, TitledSingleSelectEnumSchema, UntitledEnumItems,
    UntitledMultiSelectEnumSchema, UntitledSingleSelectEnumSchema,
};

wire_tag! {
    FormTag = "form";
    UrlTag = "url";
}

/// Params of a form-mode `elicitation/create` (`ElicitRequestFormParams`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElicitRequestFormParams {
    /// `"form"`; absent in 2025-06-18, where form mode was the only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mode: Option<FormTag>,
    /// Why the information is needed.
    pub message: String,
    /// The form.
    pub requested_schema: ElicitationSchema,
    /// Asks for a task instead of an immediate result (2025-11-25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitRequestFormParams {
    /// A form request (written with `"mode": "form"`).
    pub fn new(message: impl Into<String>, requested_schema: ElicitationSchema) -> Self {
        Self {
            mode: Some(FormTag),
            message: message.into(),
            requested_schema,
            task: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// Params of a URL-mode `elicitation/create` (`ElicitRequestURLParams`, 2025-11-25).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElicitRequestUrlParams {
    mode: UrlTag,
    /// Why the interaction is needed.
    pub message: String,
    /// Identifies this elicitation within the server (2025-11-25). The modern era has no
    /// such id: empty means absent, which is how a 2026-07-28 request is read and how
    /// adaptation to it leaves the value.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub elicitation_id: String,
    /// The URL the user should open.
    pub url: String,
    /// Asks for a task instead of an immediate result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitRequestUrlParams {
    /// A URL request.
    pub fn new(
        message: impl Into<String>,
        elicitation_id: impl Into<String>,
        url: impl Into<String>,
    ) -> Self {
        Self {
            mode: UrlTag,
            message: message.into(),
            elicitation_id: elicitation_id.into(),
            url: url.into(),
            task: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }
}

/// Params of `elicitation/create` (`ElicitRequestParams`): told apart by `mode`, where an
/// absent mode means form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ElicitRequestParams {
    /// Form mode.
    Form(ElicitRequestFormParams),
    /// URL mode (2025-11-25).
    Url(ElicitRequestUrlParams),
}

impl ElicitRequestParams {
    /// The message shown to the user.
    pub fn message(&self) -> &str {
        match self {
            Self::Form(f) => &f.message,
            Self::Url(u) => &u.message,
        }
    }
}

impl<'de> Deserialize<'de> for ElicitRequestParams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(d)?;
        let res = match value.get("mode").and_then(|m| m.as_str()) {
            Some("form") | None => serde_json::from_value(value).map(Self::Form),
            Some("url") => serde_json::from_value(value).map(Self::Url),
            Some(other) => {
                return Err(serde::de::Error::unknown_variant(other, &["form", "url"]));
            }
        };
        res.map_err(serde::de::Error::custom)
    }
}

impl From<ElicitRequestFormParams> for ElicitRequestParams {
    fn from(v: ElicitRequestFormParams) -> Self {
        Self::Form(v)
    }
}

impl From<ElicitRequestUrlParams> for ElicitRequestParams {
    fn from(v: ElicitRequestUrlParams) -> Self {
        Self::Url(v)
    }
}

impl TaskAugmentedRequestParams for ElicitRequestParams {
    fn task(&self) -> Option<&TaskMetadata> {
        match self {
            Self::Form(f) => f.task.as_ref(),
            Self::Url(u) => u.task.as_ref(),
        }
    }

    fn take_task(&mut self) -> Option<TaskMetadata> {
        match self {
            Self::Form(f) => f.task.take(),
            Self::Url(u) => u.task.take(),
        }
    }
}

/// The user's answer (`ElicitResult.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ElicitAction {
    /// Submitted (form) or consented to open the URL (URL mode).
    Accept,
    /// Explicitly refused.
    Decline,
    /// Dismissed without a decision.
    Cancel,
}

/// One answered form field. Numbers keep their JSON form (integer or float).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ElicitValue {
    /// A string (or single-select choice).
    String(String),
    /// A number.
    Number(serde_json::Number),
    /// A boolean.
    Boolean(bool),
    /// The choices of a multi-select field (2025-11-25).
    StringArray(Vec<String>),
}

/// The result of `elicitation/create` (`ElicitResult`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ElicitResult {
    /// What the user did.
    pub action: ElicitAction,
    /// The answers (form mode, `accept` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<BTreeMap<String, ElicitValue>>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitResult {
    /// A result without content.
    pub fn new(action: ElicitAction) -> Self {
        Self {
            action,
            content: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// An accepted form with these answers.
    pub fn accept(content: BTreeMap<String, ElicitValue>) -> Self {
        Self {
            content: Some(content),
            ..Self::new(ElicitAction::Accept)
        }
    }
}

/// Params of `notifications/elicitation/complete` (2025-11-25).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ElicitationCompleteNotificationParams {
    /// The completed URL-mode elicitation.
    pub elicitation_id: String,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitationCompleteNotificationParams {
    /// Params for `elicitation_id`.
    pub fn new(elicitation_id: impl Into<String>) -> Self {
        Self {
            elicitation_id: elicitation_id.into(),
            ..Self::default()
        }
    }
}

/// The `data` of a `-32042` error (`URLElicitationRequiredError`): URL elicitations that must
/// complete before the request can succeed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UrlElicitationRequiredData {
    /// The elicitations, each with its `elicitationId`.
    pub elicitations: Vec<ElicitRequestUrlParams>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl UrlElicitationRequiredData {
    /// Data listing `elicitations`.
    pub fn new(elicitations: Vec<ElicitRequestUrlParams>) -> Self {
        Self {
            elicitations,
            extra: JsonObject::new(),
        }
    }

    /// Reads the data of an error, if it is a well-formed `-32042` error.
    pub fn from_error(error: &ErrorData) -> Option<Self> {
        if error.code != ErrorCode::URL_ELICITATION_REQUIRED {
            return None;
        }
        Self::deserialize(error.data.as_ref()?).ok()
    }
}

impl ErrorData {
    /// A `-32042` URL-elicitation-required error.
    ///
    /// ```
    /// use oxmcp_types::ErrorData;
    /// use oxmcp_types::elicitation::{ElicitRequestUrlParams, UrlElicitationRequiredData};
    /// let e = ErrorData::url_elicitation_required(
    ///     "authorization needed",
    ///     UrlElicitationRequiredData::new(vec![ElicitRequestUrlParams::new(
    ///         "Connect your account", "e1", "https://example.com/connect")]),
    /// );
    /// assert_eq!(UrlElicitationRequiredData::from_error(&e).unwrap().elicitations[0].elicitation_id, "e1");
    /// ```
    pub fn url_elicitation_required(
        message: impl Into<String>,
        data: UrlElicitationRequiredData,
    ) -> Self {
        let data = serde_json::to_value(data).unwrap_or_default();
        Self::new(ErrorCode::URL_ELICITATION_REQUIRED, message).with_data(data)
    }
}
