//! The Model Context Protocol wire model.
//!
//! Every definition of the MCP `2025-11-25` schema as a Rust type, plus the JSON-RPC 2.0
//! envelope with strict decoding (ids never `null`, duplicate envelope keys refused, depth
//! limits). Objects are open: members a type does not define are kept in its `extra` map and
//! written back unchanged. Serde only: no async runtime, no I/O.
//!
//! ```
//! use oxmcp_types::{Message, methods::{PingRequest, RequestMethod}};
//!
//! let msg = Message::from_slice(br#"{"jsonrpc":"2.0","id":"a","method":"ping"}"#).unwrap();
//! assert_eq!(msg.method(), Some(PingRequest::METHOD));
//! ```

pub mod capabilities;
pub mod jsonrpc;
pub mod lifecycle;
pub mod logging;
pub mod meta;
pub mod methods;
pub mod utilities;
pub mod version;

pub use capabilities::{ClientCapabilities, ServerCapabilities};
pub use jsonrpc::{DecodeError, ErrorCode, ErrorData, Message, RequestId};
pub use lifecycle::{Icon, Implementation, InitializeRequestParams, InitializeResult};
pub use logging::{LoggingLevel, LoggingMessageNotificationParams, SetLevelRequestParams};
pub use meta::{EmptyParams, EmptyResult, JsonObject, Meta, ProgressToken, progress_token};
pub use utilities::{CancelledNotificationParams, ProgressNotificationParams};
pub use version::ProtocolVersion;
