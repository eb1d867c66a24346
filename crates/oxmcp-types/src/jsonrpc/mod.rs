//! JSON-RPC 2.0: ids, the message envelope, error objects and decoding with limits.

mod decode;
mod error;
mod id;
mod message;

pub use decode::{DEFAULT_MAX_DEPTH, DecodeError, batch_len, decode, decode_batch};
pub use error::{ErrorCode, ErrorData};
pub use id::RequestId;
pub use message::{ErrorResponse, Message, Notification, Request, Response};

#[cfg(test)]
mod tests;
