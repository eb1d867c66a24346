//! What the code the macros generate needs: every path it names is under
//! `::oxmcp::__private`, so a user crate needs no other dependency. Not public API.

pub use ::std::sync::Arc;
pub use ::std::vec;
pub use ::std::vec::Vec;
pub use oxmcp_core::RequestContext;
pub use oxmcp_core::role::Server;
pub use oxmcp_core::server::prompts::PromptRoute;
pub use oxmcp_core::server::tools::{ToolOutput, ToolRoute};
pub use oxmcp_types::tools::TaskSupport;
pub use oxmcp_types::{Icon, Meta, ToolAnnotations};
pub use schemars;
pub use serde;
pub use serde_json;

use oxmcp_types::prompts::PromptMessage;
use oxmcp_types::{ErrorData, GetPromptResult, Role, TextContent};

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
