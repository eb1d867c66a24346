//! What a tool handler returns: [`ToolOutput`], structured output with [`Json`], and
//! [`ToolError`] to tell tool execution errors from protocol errors.

use std::fmt;

use oxmcp_types::{CallToolResult, ContentBlock, ErrorData, JsonObject};
use schemars::JsonSchema;
use serde::Serialize;

use super::schema::{SchemaError, output_schema_for};
use crate::server::client_requests::ClientRequestError;

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
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tool result",
    label = "a tool returns `String`, `CallToolResult`, content blocks, `()`, or `Json<T>` for structured output, or a `Result` of one of these",
    note = "if `{Self}` is a struct to return as structured output, derive `Serialize` and `JsonSchema` for it (or put `#[oxmcp::schema]` on it) and wrap it in `Json`: `-> Json<{Self}>`, `Json(value)`"
)]
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
                ToolError::Execution(result) => Ok(*result),
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
    /// A tool execution error: sent as this result, which has `isError: true` (boxed, so
    /// that `Result<T, ToolError>` stays small).
    Execution(Box<CallToolResult>),
    /// A protocol error: sent as a JSON-RPC error response.
    Protocol(ErrorData),
}

impl ToolError {
    /// A tool execution error with one text block.
    pub fn execution(message: impl fmt::Display) -> Self {
        Self::Execution(Box::new(CallToolResult::error_text(message.to_string())))
    }

    /// A tool execution error with these content blocks.
    pub fn execution_content(content: Vec<ContentBlock>) -> Self {
        Self::Execution(Box::new(CallToolResult::error(content)))
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

/// Everything that converts into a boxed error converts into a `ToolError`, so `?` works in
/// a tool on any `std::error::Error + Send + Sync + 'static` (an `std::io::Error`, a
/// `serde_json::Error`, an `anyhow::Error`, ...), and on `String` and `&str` messages.
///
/// An [`ErrorData`] becomes a protocol error (a JSON-RPC error response); anything else an
/// execution error whose text is the error's message followed by its sources
/// (`"reading config: No such file or directory (os error 2)"`).
///
/// `ToolError` itself does not implement `std::error::Error` (as `anyhow::Error` does not):
/// that is what lets this conversion take every error type.
impl<E: Into<Box<dyn std::error::Error + Send + Sync>>> From<E> for ToolError {
    fn from(error: E) -> Self {
        let error: Box<dyn std::error::Error + Send + Sync> = error.into();
        let other = match error.downcast::<ErrorData>() {
            Ok(protocol) => return Self::Protocol(*protocol),
            Err(other) => other,
        };
        // A missing client capability is a protocol error (-32021) in 2026-07-28; a legacy
        // request gets it back as an execution error (see `RegisteredTool::call`).
        if let Some(request) = other.downcast_ref::<ClientRequestError>()
            && let Some(missing) = crate::server::missing_capability::from_client_request(request)
        {
            return Self::Protocol(missing);
        }
        Self::execution(with_sources(&*other))
    }
}

/// `error`'s message followed by those of its sources, separated by `": "` (a source whose
/// message the previous one already ends with is skipped).
fn with_sources(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let message = cause.to_string();
        if !text.ends_with(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        source = cause.source();
    }
    text
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

#[cfg(test)]
mod tests {
    use oxmcp_types::ErrorCode;

    use super::*;

    fn read_missing() -> Result<Vec<u8>, ToolError> {
        Ok(std::fs::read("/nonexistent/oxmcp/file")?)
    }

    #[derive(Debug, thiserror::Error)]
    #[error("reading config")]
    struct ConfigError(#[source] std::io::Error);

    #[test]
    fn std_errors_become_execution_errors_with_their_sources() {
        let Err(ToolError::Execution(result)) = read_missing() else {
            panic!("an io::Error is an execution error");
        };
        assert_eq!(result.is_error, Some(true));
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = ToolError::from(ConfigError(io));
        assert_eq!(
            e.to_string(),
            "tool execution error: reading config: no such file"
        );
    }

    #[test]
    fn messages_and_error_data() {
        let e: ToolError = "bad date".into();
        assert_eq!(e.to_string(), "tool execution error: bad date");
        let e: ToolError = format!("{} is not a city", "Atlantis").into();
        assert_eq!(
            e.to_string(),
            "tool execution error: Atlantis is not a city"
        );
        let data = ErrorData::new(ErrorCode::URL_ELICITATION_REQUIRED, "authorize first");
        assert_eq!(ToolError::from(data.clone()), ToolError::Protocol(data));
    }
}
