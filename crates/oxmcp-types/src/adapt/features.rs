//! Adaptation of server and client features: tools, resources, prompts, completion,
//! elicitation and roots, plus the payloads that never change.

use super::{AdaptToVersion, before_2025_03_26, before_2025_06_18, before_2025_11_25, modern};
use crate::completion::{CompleteRequestParams, CompletionReference};
use crate::content::TextContent;
use crate::elicitation::{
    ElicitRequestFormParams, ElicitRequestParams, ElicitResult, ElicitValue,
    ElicitationCompleteNotificationParams, ElicitationSchema, LegacyTitledEnumSchema,
    PrimitiveSchemaDefinition,
};
use crate::logging::{LoggingMessageNotificationParams, SetLevelRequestParams};
use crate::meta::{EmptyParams, JsonObject};
use crate::pagination::PaginatedRequestParams;
use crate::prompts::{GetPromptResult, Prompt, PromptArgument, PromptMessage};
use crate::resources::{Resource, ResourceTemplate};
use crate::roots::Root;
use crate::tasks::{CreateTaskResult, Task, TaskRequestParams};
use crate::tools::{CallToolRequestParams, CallToolResult, Tool};
use crate::utilities::CancelledNotificationParams;
use crate::version::ProtocolVersion;

/// Drops `icons` (2025-11-25), then `title` and `_meta` (2025-06-18).
macro_rules! adapt_metadata {
    ($($ty:ty),*) => {$(
        impl AdaptToVersion for $ty {
            fn adapt_to(&mut self, version: ProtocolVersion) {
                if before_2025_11_25(version) {
                    self.icons = None;
                }
                if before_2025_06_18(version) {
                    self.title = None;
                    self.meta = None;
                }
                adapt_extra(self, version);
            }
        }
    )*};
}

/// The per-type part of the [`adapt_metadata!`] types.
trait AdaptExtra {
    fn adapt_extra(&mut self, version: ProtocolVersion);
}

fn adapt_extra<T: AdaptExtra>(v: &mut T, version: ProtocolVersion) {
    v.adapt_extra(version);
}

adapt_metadata!(Resource, ResourceTemplate, Prompt, Tool);

impl AdaptExtra for Resource {
    fn adapt_extra(&mut self, version: ProtocolVersion) {
        self.annotations.adapt_to(version);
    }
}

impl AdaptExtra for ResourceTemplate {
    fn adapt_extra(&mut self, version: ProtocolVersion) {
        self.annotations.adapt_to(version);
    }
}

impl AdaptExtra for Prompt {
    fn adapt_extra(&mut self, version: ProtocolVersion) {
        self.arguments.adapt_to(version);
    }
}

impl AdaptExtra for Tool {
    fn adapt_extra(&mut self, version: ProtocolVersion) {
        if version.is_modern() {
            self.execution = None;
        }
        if before_2025_11_25(version) {
            self.execution = None;
        }
        if before_2025_06_18(version) {
            self.output_schema = None;
        }
        if before_2025_03_26(version) {
            self.annotations = None;
        }
    }
}

impl AdaptToVersion for PromptArgument {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_06_18(version) {
            self.title = None;
        }
    }
}

impl AdaptToVersion for PromptMessage {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.content.adapt_to(version);
    }
}

impl AdaptToVersion for GetPromptResult {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.messages.adapt_to(version);
        modern::result_type(&mut self.result_type, version);
    }
}

impl AdaptToVersion for CompletionReference {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if let Self::Prompt(p) = self
            && before_2025_06_18(version)
        {
            p.title = None;
        }
    }
}

impl AdaptToVersion for CompleteRequestParams {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.reference.adapt_to(version);
        if before_2025_06_18(version) {
            self.context = None;
        }
    }
}

impl AdaptToVersion for CallToolRequestParams {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_11_25(version) || version.is_modern() {
            self.task = None;
        }
        modern::mrtr(&mut self.input_responses, &mut self.request_state, version);
    }
}

impl AdaptToVersion for CallToolResult {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_06_18(version)
            && let Some(structured) = self.structured_content.take()
            && self.content.is_empty()
        {
            let text = serde_json::Value::Object(structured).to_string();
            self.content.push(TextContent::new(text).into());
        }
        self.content.adapt_to(version);
        modern::result_type(&mut self.result_type, version);
    }
}

impl AdaptToVersion for Root {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_06_18(version) {
            self.meta = None;
        }
    }
}

impl AdaptToVersion for ElicitRequestParams {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_11_25(version)
            && let Self::Url(url) = self
        {
            let message = format!("{}\n\nTo continue, open: {}", url.message, url.url);
            let mut form = ElicitRequestFormParams::new(message, ElicitationSchema::new());
            form.meta = url.meta.take();
            *self = Self::Form(form);
        }
        if let Self::Form(form) = self {
            form.requested_schema.adapt_to(version);
            if before_2025_11_25(version) {
                form.mode = None;
                form.task = None;
            }
        }
        // An input request of the modern era: no task, no `_meta`, no elicitation id.
        if version.is_modern() {
            match self {
                Self::Form(form) => {
                    form.task = None;
                    form.meta = None;
                }
                Self::Url(url) => {
                    url.elicitation_id.clear();
                    url.task = None;
                    url.meta = None;
                }
            }
        }
    }
}

impl AdaptToVersion for ElicitationSchema {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if !before_2025_11_25(version) {
            return;
        }
        self.schema = None;
        let dropped: Vec<String> = self
            .properties
            .iter()
            .filter(|(_, s)| s.is_multi_select())
            .map(|(name, _)| name.clone())
            .collect();
        for name in &dropped {
            self.properties.remove(name);
        }
        if let Some(required) = &mut self.required {
            required.retain(|r| !dropped.contains(r));
        }
        for field in self.properties.values_mut() {
            field.adapt_to(version);
        }
    }
}

impl AdaptToVersion for PrimitiveSchemaDefinition {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if !before_2025_11_25(version) {
            return;
        }
        if let Self::TitledSingleSelectEnum(titled) = self {
            let (values, names) = titled
                .options
                .iter()
                .map(|o| (o.value.clone(), o.title.clone()))
                .unzip();
            let mut legacy = LegacyTitledEnumSchema::new(values, Some(names));
            legacy.title = titled.title.take();
            legacy.description = titled.description.take();
            *self = Self::LegacyTitledEnum(legacy);
        }
        match self {
            Self::String(s) => s.default = None,
            Self::Number(s) => s.default = None,
            Self::UntitledSingleSelectEnum(s) => s.default = None,
            Self::LegacyTitledEnum(s) => s.default = None,
            Self::Boolean(_)
            | Self::TitledSingleSelectEnum(_)
            | Self::UntitledMultiSelectEnum(_)
            | Self::TitledMultiSelectEnum(_) => {}
        }
    }
}

impl AdaptToVersion for ElicitResult {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if version.is_modern() {
            self.meta = None;
        }
        if before_2025_11_25(version)
            && let Some(content) = &mut self.content
        {
            content.retain(|_, v| !matches!(v, ElicitValue::StringArray(_)));
        }
    }
}

/// Payloads whose every member exists in every revision that has the payload.
macro_rules! adapt_nothing {
    ($($ty:ty),*) => {$(
        impl AdaptToVersion for $ty {
            fn adapt_to(&mut self, _version: ProtocolVersion) {}
        }
    )*};
}

adapt_nothing!(
    EmptyParams,
    JsonObject,
    PaginatedRequestParams,
    SetLevelRequestParams,
    LoggingMessageNotificationParams,
    CancelledNotificationParams,
    ElicitationCompleteNotificationParams,
    Task,
    TaskRequestParams,
    CreateTaskResult
);
