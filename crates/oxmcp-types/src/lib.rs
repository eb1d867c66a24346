//! The Model Context Protocol wire model.
//!
//! Every definition of the MCP `2025-11-25` and `2026-07-28` schemas as a Rust type (the
//! rule by which one type serves both eras is in [`modern`]), the tasks extension of the
//! modern era ([`ext_tasks`]), plus the JSON-RPC 2.0 envelope with strict decoding (ids never `null`, duplicate envelope keys refused, depth
//! limits). Objects are open: members a type does not define are kept in its `extra` map and
//! written back unchanged. Serde only: no async runtime, no I/O.
//!
//! ```
//! use oxmcp_types::{Message, methods::{PingRequest, RequestMethod}};
//!
//! let msg = Message::from_slice(br#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#).unwrap();
//! assert_eq!(msg.method(), Some(PingRequest::METHOD));
//! ```

pub mod adapt;
pub mod capabilities;
pub mod completion;
pub mod content;
pub mod elicitation;
pub mod era;
pub mod ext_tasks;
pub mod jsonrpc;
pub mod lifecycle;
pub mod logging;
pub mod meta;
pub mod methods;
pub mod modern;
pub mod pagination;
pub mod prompts;
pub mod raw;
pub mod resources;
pub mod roots;
pub mod sampling;
pub mod tasks;
pub mod tools;
pub mod utilities;
pub mod version;
mod wire;

pub use adapt::AdaptToVersion;
pub use capabilities::{ClientCapabilities, ServerCapabilities};
pub use completion::{CompleteRequestParams, CompleteResult, CompletionReference};
pub use content::{
    Annotations, AudioContent, BlobResourceContents, ContentBlock, EmbeddedResource, ImageContent,
    ResourceContents, ResourceLink, Role, SamplingMessageContentBlock, TextContent,
    TextResourceContents, ToolResultContent, ToolUseContent,
};
pub use elicitation::{
    ElicitRequestFormParams, ElicitRequestParams, ElicitRequestUrlParams, ElicitResult,
    ElicitationSchema, PrimitiveSchemaDefinition,
};
pub use jsonrpc::{DecodeError, ErrorCode, ErrorData, Message, RequestId};
pub use lifecycle::{Icon, Implementation, InitializeRequestParams, InitializeResult};
pub use logging::{LoggingLevel, LoggingMessageNotificationParams, SetLevelRequestParams};
pub use meta::{
    BaseMetadata, EmptyParams, EmptyResult, JsonObject, Meta, NotificationParams, ProgressToken,
    RequestParams, progress_token,
};
pub use pagination::{Cursor, PaginatedRequestParams};
pub use prompts::{
    GetPromptRequestParams, GetPromptResult, ListPromptsResult, Prompt, PromptMessage,
};
pub use resources::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, Resource,
    ResourceRequestParams, ResourceTemplate,
};
pub use roots::{ListRootsResult, Root};
pub use sampling::{CreateMessageRequestParams, CreateMessageResult, SamplingMessage};
pub use tasks::{CreateTaskResult, Task, TaskMetadata, TaskStatus};
pub use tools::{CallToolRequestParams, CallToolResult, ListToolsResult, Tool, ToolAnnotations};
pub use utilities::{CancelledNotificationParams, ProgressNotificationParams};
pub use version::{Era, ProtocolVersion};
