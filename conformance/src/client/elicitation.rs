//! The host's answer to form elicitations in `elicitation-sep1034-client-defaults`: accept,
//! with every field the user leaves empty filled in from the schema's `default` (SEP-1034).

use std::collections::BTreeMap;

use oxmcp_core::client::{ClientHandler, FormElicitation};
use oxmcp_types::elicitation::{ElicitValue, ElicitationSchema};
use oxmcp_types::{ElicitResult, ErrorData};

/// The defaults of the form's fields, by field name (fields without a usable default are
/// left out).
pub(crate) fn defaults(schema: &ElicitationSchema) -> BTreeMap<String, ElicitValue> {
    schema
        .properties
        .iter()
        .filter_map(|(name, field)| {
            let field = serde_json::to_value(field).ok()?;
            let default = field.get("default")?.clone();
            let value = serde_json::from_value::<ElicitValue>(default).ok()?;
            Some((name.clone(), value))
        })
        .collect()
}

/// A user who submits every form as it is shown: the defaults, nothing else.
async fn submit_defaults(form: FormElicitation) -> Result<ElicitResult, ErrorData> {
    let answer = defaults(&form.params.requested_schema);
    form.validate(&answer)
        .map_err(|e| ErrorData::internal_error(format!("the defaults do not fit the form: {e}")))?;
    Ok(ElicitResult::accept(answer))
}

/// `handler`, answering form elicitations with [`defaults`].
pub(crate) fn accept_with_defaults(handler: ClientHandler) -> ClientHandler {
    handler.with_form_elicitation(submit_defaults)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_primitive_default_is_taken_and_fields_without_one_are_left_out() {
        let schema: ElicitationSchema = serde_json::from_value(json!({
            "type": "object",
            "properties": {
                "name": { "type": "string", "default": "John Doe" },
                "age": { "type": "integer", "default": 30 },
                "score": { "type": "number", "default": 95.5 },
                "status": { "type": "string", "enum": ["active", "inactive"], "default": "active" },
                "verified": { "type": "boolean", "default": true },
                "tags": { "type": "array", "items": { "type": "string", "enum": ["a", "b"] },
                          "default": ["b"] },
                "nickname": { "type": "string" }
            }
        }))
        .unwrap();
        let got = serde_json::to_value(defaults(&schema)).unwrap();
        assert_eq!(
            got,
            json!({ "name": "John Doe", "age": 30, "score": 95.5, "status": "active",
                    "verified": true, "tags": ["b"] })
        );
    }
}
