//! Adaptation of content blocks and sampling.

use super::{AdaptToVersion, before_2025_03_26, before_2025_06_18, before_2025_11_25};
use crate::content::{
    Annotations, AudioContent, BlobResourceContents, ContentBlock, EmbeddedResource, ImageContent,
    ResourceContents, ResourceLink, SamplingMessageContentBlock, TextContent, TextResourceContents,
    ToolResultContent, ToolUseContent,
};
use crate::sampling::{
    CreateMessageRequestParams, CreateMessageResult, SamplingContent, SamplingMessage, stop_reason,
};
use crate::version::ProtocolVersion;

impl AdaptToVersion for Annotations {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_06_18(version) {
            self.last_modified = None;
        }
    }
}

/// Adapts the annotations and `_meta` every block has.
macro_rules! adapt_block {
    ($($ty:ty),*) => {$(
        impl AdaptToVersion for $ty {
            fn adapt_to(&mut self, version: ProtocolVersion) {
                self.annotations.adapt_to(version);
                if before_2025_06_18(version) {
                    self.meta = None;
                }
            }
        }
    )*};
}

adapt_block!(TextContent, ImageContent, AudioContent);

impl AdaptToVersion for EmbeddedResource {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.annotations.adapt_to(version);
        self.resource.adapt_to(version);
        if before_2025_06_18(version) {
            self.meta = None;
        }
    }
}

impl AdaptToVersion for TextResourceContents {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_06_18(version) {
            self.meta = None;
        }
    }
}

impl AdaptToVersion for BlobResourceContents {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_06_18(version) {
            self.meta = None;
        }
    }
}

impl AdaptToVersion for ResourceContents {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        match self {
            Self::Text(t) => t.adapt_to(version),
            Self::Blob(b) => b.adapt_to(version),
        }
    }
}

impl AdaptToVersion for ResourceLink {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.resource.adapt_to(version);
    }
}

/// The text block that stands in for a resource link.
fn link_as_text(link: &ResourceLink) -> TextContent {
    let r = &link.resource;
    let mut text = format!(
        "Resource link: {} <{}>",
        r.title.as_deref().unwrap_or(&r.name),
        r.uri
    );
    if let Some(d) = &r.description {
        text.push_str(" - ");
        text.push_str(d);
    }
    let mut block = TextContent::new(text);
    block.annotations.clone_from(&r.annotations);
    block
}

/// The text block that stands in for audio.
fn audio_as_text(audio: &AudioContent, version: ProtocolVersion) -> TextContent {
    let mut block = TextContent::new(format!(
        "[audio content ({}) omitted: MCP {version} has no audio content]",
        audio.mime_type
    ));
    block.annotations.clone_from(&audio.annotations);
    block
}

impl AdaptToVersion for ContentBlock {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_06_18(version)
            && let Self::ResourceLink(link) = self
        {
            *self = Self::Text(link_as_text(link));
        }
        if before_2025_03_26(version)
            && let Self::Audio(audio) = self
        {
            *self = Self::Text(audio_as_text(audio, version));
        }
        match self {
            Self::Text(b) => b.adapt_to(version),
            Self::Image(b) => b.adapt_to(version),
            Self::Audio(b) => b.adapt_to(version),
            Self::ResourceLink(b) => b.adapt_to(version),
            Self::Resource(b) => b.adapt_to(version),
        }
    }
}

impl AdaptToVersion for ToolUseContent {
    fn adapt_to(&mut self, _version: ProtocolVersion) {}
}

impl AdaptToVersion for ToolResultContent {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.content.adapt_to(version);
    }
}

/// The text block that stands in for a tool use.
fn tool_use_as_text(t: &ToolUseContent) -> TextContent {
    let input = serde_json::Value::Object(t.input.clone());
    TextContent::new(format!(
        "[tool use `{}` (id {}) with input {input}]",
        t.name, t.id
    ))
}

/// The text block that stands in for a tool result.
fn tool_result_as_text(t: &ToolResultContent) -> TextContent {
    let mut text = format!("[tool result for {}", t.tool_use_id);
    if t.is_error == Some(true) {
        text.push_str(" (error)");
    }
    text.push(']');
    for block in &t.content {
        if let Some(s) = block.as_text() {
            text.push('\n');
            text.push_str(s);
        }
    }
    if let Some(s) = &t.structured_content {
        text.push('\n');
        text.push_str(&serde_json::Value::Object(s.clone()).to_string());
    }
    TextContent::new(text)
}

impl AdaptToVersion for SamplingMessageContentBlock {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        if before_2025_11_25(version) {
            match self {
                Self::ToolUse(t) => *self = Self::Text(tool_use_as_text(t)),
                Self::ToolResult(t) => *self = Self::Text(tool_result_as_text(t)),
                _ => {}
            }
        }
        if before_2025_03_26(version)
            && let Self::Audio(audio) = self
        {
            *self = Self::Text(audio_as_text(audio, version));
        }
        match self {
            Self::Text(b) => b.adapt_to(version),
            Self::Image(b) => b.adapt_to(version),
            Self::Audio(b) => b.adapt_to(version),
            Self::ToolUse(b) => b.adapt_to(version),
            Self::ToolResult(b) => b.adapt_to(version),
        }
    }
}

impl AdaptToVersion for SamplingContent {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        match self {
            Self::Single(b) => b.adapt_to(version),
            Self::Multiple(v) => v.adapt_to(version),
        }
        if !before_2025_11_25(version) {
            return;
        }
        if let Self::Multiple(blocks) = self {
            let single = reduce_to_one(std::mem::take(blocks));
            *self = Self::Single(single);
        }
    }
}

/// One block for revisions without multi-block sampling content: text blocks are joined,
/// otherwise the first block is kept.
fn reduce_to_one(mut blocks: Vec<SamplingMessageContentBlock>) -> SamplingMessageContentBlock {
    if blocks.len() == 1 {
        return blocks.remove(0);
    }
    let texts: Option<Vec<&str>> = blocks
        .iter()
        .map(|b| match b {
            SamplingMessageContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect();
    match texts {
        Some(texts) => SamplingMessageContentBlock::text(texts.join("\n")),
        None => blocks.remove(0),
    }
}

impl AdaptToVersion for SamplingMessage {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.content.adapt_to(version);
        if before_2025_11_25(version) {
            self.meta = None;
        }
    }
}

impl AdaptToVersion for CreateMessageRequestParams {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.messages.adapt_to(version);
        self.tools.adapt_to(version);
        if before_2025_11_25(version) {
            self.tools = None;
            self.tool_choice = None;
            self.task = None;
        }
        // An input request of the modern era: no task, no `_meta`.
        if version.is_modern() {
            self.task = None;
            self.meta = None;
        }
    }
}

impl AdaptToVersion for CreateMessageResult {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.content.adapt_to(version);
        if before_2025_11_25(version) && self.stop_reason.as_deref() == Some(stop_reason::TOOL_USE)
        {
            self.stop_reason = Some(stop_reason::END_TURN.to_owned());
        }
    }
}
