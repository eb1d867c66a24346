//! The elicitation forms of `test_elicitation`, `test_elicitation_sep1034_defaults` and
//! `test_elicitation_sep1330_enums`.

use oxmcp_core::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_core::server::tools::ToolError;
use oxmcp_types::ElicitResult;
use oxmcp_types::elicitation::{ElicitRequestFormParams, ElicitationSchema};
use serde_json::{Value, json};

/// A form from its JSON Schema (each form here is a literal that fits the restricted
/// schema; an error names the mismatch).
fn form(message: String, schema: Value) -> Result<ElicitRequestFormParams, String> {
    let schema: ElicitationSchema = serde_json::from_value(schema)
        .map_err(|e| format!("the fixture's elicitation schema is invalid: {e}"))?;
    Ok(ElicitRequestFormParams::new(message, schema))
}

/// `test_elicitation`: a username and an email, both required.
pub(crate) fn user_form(message: String) -> Result<ElicitRequestFormParams, String> {
    form(
        message,
        json!({
            "type": "object",
            "properties": {
                "username": { "type": "string", "description": "User's response" },
                "email": { "type": "string", "description": "User's email address" }
            },
            "required": ["username", "email"]
        }),
    )
}

/// `test_elicitation_sep1034_defaults`: one optional field of each primitive type, each
/// with a default (SEP-1034).
pub(crate) fn defaults_form() -> Result<ElicitRequestFormParams, String> {
    form(
        "Please review and update the form fields with defaults".to_owned(),
        json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "description": "User name", "default": "John Doe" },
                "age": { "type": "integer", "description": "User age", "default": 30 },
                "score": { "type": "number", "description": "User score", "default": 95.5 },
                "status": {
                    "type": "string",
                    "description": "User status",
                    "enum": ["active", "inactive", "pending"],
                    "default": "active"
                },
                "verified": {
                    "type": "boolean",
                    "description": "Verification status",
                    "default": true
                }
            },
            "required": []
        }),
    )
}

/// `test_elicitation_sep1330_enums`: the five enum forms of SEP-1330 in one form.
pub(crate) fn enums_form() -> Result<ElicitRequestFormParams, String> {
    form(
        "Please select options from the enum fields".to_owned(),
        json!({
            "type": "object",
            "properties": {
                "untitledSingle": {
                    "type": "string",
                    "description": "Select one option",
                    "enum": ["option1", "option2", "option3"]
                },
                "titledSingle": {
                    "type": "string",
                    "description": "Select one option with titles",
                    "oneOf": [
                        { "const": "value1", "title": "First Option" },
                        { "const": "value2", "title": "Second Option" },
                        { "const": "value3", "title": "Third Option" }
                    ]
                },
                "legacyEnum": {
                    "type": "string",
                    "description": "Select one option (legacy)",
                    "enum": ["opt1", "opt2", "opt3"],
                    "enumNames": ["Option One", "Option Two", "Option Three"]
                },
                "untitledMulti": {
                    "type": "array",
                    "description": "Select multiple options",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": { "type": "string", "enum": ["option1", "option2", "option3"] }
                },
                "titledMulti": {
                    "type": "array",
                    "description": "Select multiple options with titles",
                    "minItems": 1,
                    "maxItems": 3,
                    "items": {
                        "anyOf": [
                            { "const": "value1", "title": "First Choice" },
                            { "const": "value2", "title": "Second Choice" },
                            { "const": "value3", "title": "Third Choice" }
                        ]
                    }
                }
            },
            "required": []
        }),
    )
}

/// The user's answer in one line: `<what>: action=<action>, content=<json>`.
pub(crate) fn describe(what: &str, result: &ElicitResult) -> String {
    let action = serde_json::to_value(result.action).unwrap_or(Value::Null);
    let content = serde_json::to_value(&result.content).unwrap_or(Value::Null);
    let action = action.as_str().unwrap_or("unknown");
    format!("{what}: action={action}, content={content}")
}

/// Sends `form` (built by one of the functions above) and describes the answer.
pub(crate) async fn ask(
    cx: &RequestContext<Server>,
    form: Result<ElicitRequestFormParams, String>,
) -> Result<String, ToolError> {
    let form = form.map_err(ToolError::execution)?;
    let result = cx
        .peer()
        .elicit_form(form)
        .await
        .map_err(|e| ToolError::execution(format_args!("elicitation failed: {e}")))?;
    Ok(describe("Elicitation completed", &result))
}
