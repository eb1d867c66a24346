//! Argument completion: `completion/complete`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::meta::{JsonObject, Meta};
use crate::wire::{tagged_union, wire_tag};

wire_tag! {
    PromptRefTag = "ref/prompt";
    ResourceRefTag = "ref/resource";
}

/// Names a prompt whose argument is completed (`PromptReference`, `type: "ref/prompt"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PromptReference {
    #[serde(rename = "type")]
    kind: PromptRefTag,
    /// The prompt's name.
    pub name: String,
    /// Display name (2025-06-18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl PromptReference {
    /// A reference to the prompt named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// Names a resource template whose variable is completed (`ResourceTemplateReference`,
/// `type: "ref/resource"`; `ResourceReference` before 2025-06-18).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourceTemplateReference {
    #[serde(rename = "type")]
    kind: ResourceRefTag,
    /// The URI or URI template.
    pub uri: String,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ResourceTemplateReference {
    /// A reference to the template `uri`.
    pub fn new(uri: impl Into<String>) -> Self {
        Self {
            uri: uri.into(),
            ..Self::default()
        }
    }
}

tagged_union! {
    /// What is being completed: the `ref` of [`CompleteRequestParams`].
    pub enum CompletionReference ("type") {
        /// A prompt argument.
        Prompt(PromptReference) = "ref/prompt",
        /// A resource template variable.
        ResourceTemplate(ResourceTemplateReference) = "ref/resource",
    }
}

/// The argument being completed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompletionArgument {
    /// The argument's name.
    pub name: String,
    /// What has been typed so far.
    pub value: String,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CompletionArgument {
    /// An argument and its partial value.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            extra: JsonObject::new(),
        }
    }
}

/// Values of other arguments, already resolved (2025-06-18).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompletionContext {
    /// Argument name to value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<BTreeMap<String, String>>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Params of `completion/complete`.
///
/// ```
/// use oxmcp_types::completion::{CompleteRequestParams, PromptReference};
/// let p = CompleteRequestParams::new(PromptReference::new("greet"), "name", "Al");
/// assert_eq!(serde_json::to_value(&p).unwrap(), serde_json::json!({
///     "ref": {"type": "ref/prompt", "name": "greet"},
///     "argument": {"name": "name", "value": "Al"}
/// }));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompleteRequestParams {
    /// What is being completed.
    #[serde(rename = "ref")]
    pub reference: CompletionReference,
    /// The argument and its partial value.
    pub argument: CompletionArgument,
    /// Other arguments already resolved (2025-06-18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<CompletionContext>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CompleteRequestParams {
    /// Params completing argument `name` of `reference`, typed so far as `value`.
    pub fn new(
        reference: impl Into<CompletionReference>,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Self {
            reference: reference.into(),
            argument: CompletionArgument::new(name, value),
            context: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// Adds the value of another, already resolved argument to the context.
    #[must_use]
    pub fn with_context_argument(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.context
            .get_or_insert_with(CompletionContext::default)
            .arguments
            .get_or_insert_with(BTreeMap::new)
            .insert(name.into(), value.into());
        self
    }
}

/// The completion values of a [`CompleteResult`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Completion {
    /// Suggested values, best first; at most 100.
    pub values: Vec<String>,
    /// How many values exist in total.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::lenient_opt_u64::deserialize"
    )]
    pub total: Option<u64>,
    /// Whether more values exist than were returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_more: Option<bool>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// The most values a completion may carry.
pub const MAX_COMPLETION_VALUES: usize = 100;

/// The result of `completion/complete`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompleteResult {
    /// The values.
    pub completion: Completion,
    /// How to read the result (2026-07-28; `None` in the legacy era, where it is absent).
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

impl CompleteResult {
    /// A result with these values. More than [`MAX_COMPLETION_VALUES`] are cut to that many,
    /// with `total` and `hasMore` set accordingly.
    pub fn new(mut values: Vec<String>) -> Self {
        let mut completion = Completion::default();
        if values.len() > MAX_COMPLETION_VALUES {
            completion.total = u64::try_from(values.len()).ok();
            completion.has_more = Some(true);
            values.truncate(MAX_COMPLETION_VALUES);
        }
        completion.values = values;
        Self {
            completion,
            ..Self::default()
        }
    }
}
