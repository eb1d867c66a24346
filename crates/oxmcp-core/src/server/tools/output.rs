//! What a tool handler returns: [`ToolOutput`], structured output with [`Json`], and
//! [`ToolError`] to tell tool execution errors from protocol errors.

use std::fmt;

use oxmcp_types::{CallToolResult, ContentBlock, ErrorData, JsonObject};
use schemars::JsonSchema;
use serde::Serialize;

use super::schema::{SchemaError, output_schema_for};

/// A value a tool handler may return.
///
/// Implemented for [`CallToolResult`] (sent as is), `String` and `&'static str` (one text
/// block), `()` (no content), [`ContentBlock`] and `Vec<ContentBlock>`, [`Json<T>`]
/// (structured output with a generated `outputSchema`), and `Result<T, E>` for any of these
/// with `E: Into<ToolError>`.
///
/// ```
/// use oxmcp_core::server::tools::{Json, ToolError, ToolOutput};
///
/// #[derive(serde::Serialize, schemars::JsonSchema)]
/// struct Sum { sum: f64 }
///
/// let ok: Result<Json<Sum>, ToolError> = Ok(Json(Sum { sum: 3.0 }));
/// assert!(<Result<Json<Sum>, ToolError> as ToolOutput>::output_schema().is_some());
/// let result = ok.into_call_tool_result().unwrap();
/// assert_eq!(result.structured_content.unwrap()["sum"], 3.0);
///
/// let failed: Result<String, ToolError> = Err(ToolError::execution("no such city"));
/// assert_eq!(failed.into_call_tool_result().unwrap().is_error, Some(true));
/// ```
pub trait ToolOutput: Send + 'static {
    /// The `outputSchema` this type implies, if it is structured output.
    fn output_schema() -> Option<Result<JsonObject, SchemaError>> {
        None
    }

    /// The result to send, or a JSON-RPC error.
    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData>;
}

impl ToolOutput for CallToolResult {
    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData> {
        Ok(self)
    }
}

impl ToolOutput for String {
    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::text(self))
    }
}

impl ToolOutput for &'static str {
    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::text(self))
    }
}

impl ToolOutput for () {
    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(Vec::new()))
    }
}

impl ToolOutput for ContentBlock {
    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![self]))
    }
}

impl ToolOutput for Vec<ContentBlock> {
    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(self))
    }
}

/// Structured tool output: `T` is serialized into `structuredContent` (and, as the spec
/// recommends, into a text block as JSON), and the tool's `outputSchema` is generated from
/// `T`. `T` must serialize to a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize + JsonSchema + Send + 'static> ToolOutput for Json<T> {
    fn output_schema() -> Option<Result<JsonObject, SchemaError>> {
        Some(output_schema_for::<T>())
    }

    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData> {
        match serde_json::to_value(&self.0) {
            Ok(serde_json::Value::Object(object)) => Ok(CallToolResult::structured(object)),
            Ok(_) => Err(ErrorData::internal_error(
                "the tool's structured output is not a JSON object",
            )),
            Err(e) => Err(ErrorData::internal_error(format!(
                "could not serialize the tool's structured output: {e}"
            ))),
        }
    }
}

impl<T: ToolOutput, E: Into<ToolError> + Send + 'static> ToolOutput for Result<T, E> {
    fn output_schema() -> Option<Result<JsonObject, SchemaError>> {
        T::output_schema()
    }

    fn into_call_tool_result(self) -> Result<CallToolResult, ErrorData> {
        match self {
            Ok(value) => value.into_call_tool_result(),
            Err(error) => match error.into() {
                ToolError::Execution(result) => Ok(result),
                ToolError::Protocol(error) => Err(error),
            },
        }
    }
}

/// How a tool call failed.
///
/// A tool *execution* error (bad input the schema could not catch, a failing API, a business
/// rule) becomes a `CallToolResult` with `isError: true`, so the model can read it and try
/// again. A *protocol* error becomes a JSON-RPC error response: use it for errors the client
/// must act on, such as -32042 `URLElicitationRequiredError`.
///
/// ```
/// use oxmcp_core::server::tools::ToolError;
/// use oxmcp_types::{ErrorCode, ErrorData};
///
/// let e = ToolError::execution(format_args!("{} is not a valid date", "2025-13-01"));
/// assert_eq!(e.to_string(), "tool execution error: 2025-13-01 is not a valid date");
///
/// let e: ToolError = ErrorData::new(ErrorCode::URL_ELICITATION_REQUIRED, "authorize first").into();
/// assert!(matches!(e, ToolError::Protocol(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolError {
    /// A tool execution error: sent as this result, which has `isError: true`.
    Execution(CallToolResult),
    /// A protocol error: sent as a JSON-RPC error response.
    Protocol(ErrorData),
}

impl ToolError {
    /// A tool execution error with one text block.
    pub fn execution(message: impl fmt::Display) -> Self {
        Self::Execution(CallToolResult::error_text(message.to_string()))
    }

    /// A tool execution error with these content blocks.
    pub fn execution_content(content: Vec<ContentBlock>) -> Self {
        Self::Execution(CallToolResult::error(content))
    }

    /// A protocol error.
    pub fn protocol(error: ErrorData) -> Self {
        Self::Protocol(error)
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Execution(result) => {
                let texts: Vec<&str> = result
                    .content
                    .iter()
                    .filter_map(ContentBlock::as_text)
                    .collect();
                write!(f, "tool execution error: {}", texts.join(" "))
            }
            Self::Protocol(error) => write!(f, "protocol error: {error}"),
        }
    }
}

impl std::error::Error for ToolError {}

impl From<ErrorData> for ToolError {
    fn from(error: ErrorData) -> Self {
        Self::Protocol(error)
    }
}

impl From<String> for ToolError {
    fn from(message: String) -> Self {
        Self::execution(message)
    }
}

impl From<&str> for ToolError {
    fn from(message: &str) -> Self {
        Self::execution(message)
    }
}

/// The arguments of a tool that takes none: its input schema is
/// `{"type": "object", "additionalProperties": false}`, as the spec recommends.
///
/// ```
/// use oxmcp_core::server::tools::{NoArguments, input_schema_for};
/// let schema = input_schema_for::<NoArguments>().unwrap();
/// assert_eq!(schema["additionalProperties"], false);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArguments {}
