//! What the code the macros generate needs: every path it names is under
//! `::oxmcp::__private`, so a user crate needs no other dependency. Not public API.

pub use ::std::string::String;
pub use ::std::sync::Arc;
pub use ::std::vec;
pub use ::std::vec::Vec;
pub use oxmcp_core::RequestContext;
pub use oxmcp_core::role::Server;
pub use oxmcp_core::server::prompts::PromptRoute;
pub use oxmcp_core::server::resources::ResourceTemplateRoute;
pub use oxmcp_core::server::tools::{ToolOutput, ToolRoute};
pub use oxmcp_types::tools::TaskSupport;
pub use oxmcp_types::{Icon, Meta, ResourceTemplate, ToolAnnotations};
pub use schemars;
pub use serde;
pub use serde_json;

use oxmcp_types::prompts::PromptMessage;
use oxmcp_types::{
    BlobResourceContents, ErrorData, GetPromptResult, ResourceContents, Role, TextContent,
    TextResourceContents,
};

/// Passes a tool method's result through, so that a return type that is not a
/// `ToolOutput` is reported at the method's return type.
#[inline]
pub fn tool_output<T: ToolOutput>(output: T) -> T {
    output
}

/// Passes a prompt method's result through, so that a return type that is not a
/// `PromptOutput` is reported at the method's return type.
#[inline]
pub fn prompt_output<T: PromptOutput>(output: T) -> T {
    output
}

/// What a `#[prompt]` method may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a prompt result",
    label = "a prompt returns `GetPromptResult`, `Vec<PromptMessage>`, `PromptMessage`, `String`, or a `Result` of one of these whose error converts into `ErrorData`"
)]
pub trait PromptOutput: Send + 'static {
    /// The result to send, or a JSON-RPC error.
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData>;
}

impl PromptOutput for GetPromptResult {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        Ok(self)
    }
}

impl PromptOutput for Vec<PromptMessage> {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        Ok(GetPromptResult::new(self))
    }
}

impl PromptOutput for PromptMessage {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        Ok(GetPromptResult::new(vec![self]))
    }
}

/// One user message with this text.
impl PromptOutput for String {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        let message = PromptMessage::new(Role::User, TextContent::new(self));
        Ok(GetPromptResult::new(vec![message]))
    }
}

impl<T: PromptOutput, E: Into<ErrorData> + Send + 'static> PromptOutput for Result<T, E> {
    fn into_prompt_result(self) -> Result<GetPromptResult, ErrorData> {
        self.map_err(Into::into)?.into_prompt_result()
    }
}

/// Passes a resource method's result through, so that a return type that is not a
/// `ResourceOutput` is reported at the method's return type.
#[inline]
pub fn resource_output<T: ResourceOutput>(output: T) -> T {
    output
}

/// What a `#[resource]` method may return.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a resource read result",
    label = "a resource returns `String`, `TextResourceContents`, `BlobResourceContents`, `ResourceContents`, `Vec<ResourceContents>`, or a `Result` of one of these whose error converts into `ErrorData`"
)]
pub trait ResourceOutput: Send + 'static {
    /// The contents of the resource at `uri` (a text with `mime_type`, when the method
    /// returns a `String`), or a JSON-RPC error.
    fn into_resource_contents(
        self,
        uri: String,
        mime_type: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, ErrorData>;
}

/// One text contents with the URI and the template's MIME type.
impl ResourceOutput for String {
    fn into_resource_contents(
        self,
        uri: String,
        mime_type: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, ErrorData> {
        let mut text = TextResourceContents::new(uri, self);
        if let Some(mime_type) = mime_type {
            text = text.with_mime_type(mime_type);
        }
        Ok(vec![text.into()])
    }
}

impl ResourceOutput for TextResourceContents {
    fn into_resource_contents(
        self,
        _: String,
        _: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, ErrorData> {
        Ok(vec![self.into()])
    }
}

impl ResourceOutput for BlobResourceContents {
    fn into_resource_contents(
        self,
        _: String,
        _: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, ErrorData> {
        Ok(vec![self.into()])
    }
}

impl ResourceOutput for ResourceContents {
    fn into_resource_contents(
        self,
        _: String,
        _: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, ErrorData> {
        Ok(vec![self])
    }
}

impl ResourceOutput for Vec<ResourceContents> {
    fn into_resource_contents(
        self,
        _: String,
        _: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, ErrorData> {
        Ok(self)
    }
}

impl<T: ResourceOutput, E: Into<ErrorData> + Send + 'static> ResourceOutput for Result<T, E> {
    fn into_resource_contents(
        self,
        uri: String,
        mime_type: Option<&'static str>,
    ) -> Result<Vec<ResourceContents>, ErrorData> {
        self.map_err(Into::into)?
            .into_resource_contents(uri, mime_type)
    }
}
