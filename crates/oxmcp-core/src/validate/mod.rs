//! Checks shared by both roles: the tool-use balance rules of sampling, and form-mode
//! elicitation (deriving a `requestedSchema` from a Rust type, validating answers).
//!
//! The server runs these before it sends a request, the client before it calls the host
//! or before it sends the host's answer; so each side catches what the spec forbids before
//! anything goes on the wire.

mod form_answer;
mod form_schema;
mod tool_balance;

pub use form_answer::{
    FieldError, FieldProblem, FormAnswerError, format_is_valid, validate_form_answer,
};
pub use form_schema::{FormSchemaError, form_schema_for, form_schema_from_json};
pub use tool_balance::{ToolBalanceError, check_tool_balance};
