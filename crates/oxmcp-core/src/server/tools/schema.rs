//! JSON Schemas of tools: generated from Rust types with `schemars`, normalized to the shape
//! MCP requires (root `"type": "object"`), and compiled once with `jsonschema`.

use std::sync::OnceLock;

use oxmcp_types::JsonObject;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

use super::formats::standard_formats;

/// The dialect `schemars` writes into `$schema`; MCP reads a schema without `$schema` as this
/// dialect, so the member is dropped (older clients choke on it).
const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// Most validation errors listed in one tool error.
const MAX_REPORTED_ERRORS: usize = 8;

/// Why a schema cannot serve as a tool's `inputSchema` or `outputSchema`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// The schema is not a JSON object (for example the boolean schema `true`).
    #[error("the schema is not a JSON object")]
    NotAnObject,
    /// The root `type` is something other than `"object"`.
    #[error("the schema's root type is {found}, but MCP requires \"object\"")]
    RootNotObject {
        /// The `type` member found, as JSON.
        found: String,
    },
    /// The schema does not compile (invalid, unknown dialect, unresolvable reference).
    #[error("the schema is invalid: {0}")]
    Invalid(String),
}

/// The input schema of `A`, as MCP wants it: JSON Schema 2020-12 with root
/// `"type": "object"`, and only the `format`s JSON Schema defines (the range of a Rust
/// integer type is `minimum`/`maximum`, not `"format": "uint64"`).
///
/// ```
/// use oxmcp_core::server::tools::input_schema_for;
///
/// #[derive(schemars::JsonSchema, serde::Deserialize)]
/// struct Add { a: f64, b: f64 }
///
/// let schema = input_schema_for::<Add>().unwrap();
/// assert_eq!(schema["type"], "object");
/// assert_eq!(schema["required"], serde_json::json!(["a", "b"]));
/// ```
pub fn input_schema_for<A: JsonSchema + ?Sized>() -> Result<JsonObject, SchemaError> {
    let schema = SchemaSettings::draft2020_12()
        .for_deserialize()
        .with_transform(standard_formats)
        .into_generator()
        .into_root_schema_for::<A>();
    normalize_root(schema.to_value())
}

/// The output schema of `O` (as serialized), with root `"type": "object"`.
///
/// ```
/// use oxmcp_core::server::tools::output_schema_for;
///
/// #[derive(schemars::JsonSchema, serde::Serialize)]
/// struct Sum { sum: f64 }
///
/// assert_eq!(output_schema_for::<Sum>().unwrap()["properties"]["sum"]["type"], "number");
/// ```
pub fn output_schema_for<O: JsonSchema + ?Sized>() -> Result<JsonObject, SchemaError> {
    let schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .with_transform(standard_formats)
        .into_generator()
        .into_root_schema_for::<O>();
    normalize_root(schema.to_value())
}

/// Drops the default `$schema` and the Rust type name `title`, and makes sure the root is an
/// object schema (adding `"type": "object"` to a root without `type`, such as a `oneOf`).
pub(crate) fn normalize_root(schema: Value) -> Result<JsonObject, SchemaError> {
    let Value::Object(mut schema) = schema else {
        return Err(SchemaError::NotAnObject);
    };
    if schema.get("$schema").and_then(Value::as_str) == Some(DRAFT_2020_12) {
        schema.remove("$schema");
    }
    schema.remove("title");
    check_root(&mut schema)?;
    Ok(schema)
}

/// Accepts a root `type` of `"object"`, adds it when absent, refuses anything else.
pub(crate) fn check_root(schema: &mut JsonObject) -> Result<(), SchemaError> {
    match schema.get("type") {
        None => {
            schema.insert("type".to_owned(), "object".into());
            Ok(())
        }
        Some(Value::String(t)) if t == "object" => Ok(()),
        Some(other) => Err(SchemaError::RootNotObject {
            found: other.to_string(),
        }),
    }
}

/// Compiles a schema (2020-12 unless it declares another dialect with `$schema`).
pub(crate) fn compile(schema: &JsonObject) -> Result<jsonschema::Validator, SchemaError> {
    jsonschema::validator_for(&Value::Object(schema.clone()))
        .map_err(|e| SchemaError::Invalid(e.to_string()))
}

/// A tool's schema, compiled when the server is built or when first used.
///
/// Compiling the first schema also compiles the JSON Schema meta-schema it is checked
/// against, two thirds of the instructions a server with a dozen tools runs from `main` to
/// its first answer. Schemas generated from Rust types are valid by construction, so they
/// wait for their first use; hand-written ones are compiled when the server is built, so a
/// broken one is refused then.
pub(crate) struct CompiledSchema(OnceLock<Result<jsonschema::Validator, SchemaError>>);

impl CompiledSchema {
    /// Compiled now.
    pub(crate) fn now(schema: &JsonObject) -> Result<Self, SchemaError> {
        Ok(Self(OnceLock::from(Ok(compile(schema)?))))
    }

    /// Compiled by the first [`CompiledSchema::get`].
    pub(crate) fn on_first_use() -> Self {
        Self(OnceLock::new())
    }

    /// The validator of `schema` (the schema this was made for).
    pub(crate) fn get(&self, schema: &JsonObject) -> Result<&jsonschema::Validator, &SchemaError> {
        self.0.get_or_init(|| compile(schema)).as_ref()
    }
}

/// Every way `instance` breaks `validator`, as one sentence per error with its JSON pointer,
/// or `None` when it is valid.
pub(crate) fn describe_errors(
    validator: &jsonschema::Validator,
    instance: &Value,
) -> Option<String> {
    // The common case (valid arguments) takes the cheap boolean check only.
    if validator.is_valid(instance) {
        return None;
    }
    let mut lines = Vec::new();
    let mut more = 0usize;
    for error in validator.iter_errors(instance) {
        if lines.len() == MAX_REPORTED_ERRORS {
            more += 1;
            continue;
        }
        let path = error.instance_path().as_str();
        let at = if path.is_empty() { "(root)" } else { path };
        lines.push(format!("at {at}: {error}"));
    }
    if lines.is_empty() {
        return None;
    }
    if more > 0 {
        lines.push(format!("and {more} more errors"));
    }
    Some(lines.join("; "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(JsonSchema, serde::Deserialize)]
    #[expect(dead_code, reason = "only the schema is used")]
    enum Shape {
        Circle { r: f64 },
        Square { side: f64 },
    }

    #[test]
    fn enum_root_gets_object_type() {
        let schema = input_schema_for::<Shape>().unwrap();
        assert_eq!(schema["type"], "object");
        assert!(schema.get("$schema").is_none());
        assert!(schema.get("title").is_none());
    }

    #[test]
    fn non_object_roots_are_refused() {
        assert!(matches!(
            input_schema_for::<String>(),
            Err(SchemaError::RootNotObject { .. })
        ));
        // An arbitrary JSON value has no `type`; as arguments it is an object.
        assert_eq!(input_schema_for::<Value>().unwrap()["type"], "object");
        assert_eq!(
            normalize_root(Value::Bool(true)),
            Err(SchemaError::NotAnObject)
        );
    }

    #[test]
    fn errors_name_their_location() {
        let schema =
            json!({"type":"object","properties":{"a":{"type":"number"}},"required":["a","b"]});
        let validator = compile(schema.as_object().unwrap()).unwrap();
        let text = describe_errors(&validator, &json!({"a": "x"})).unwrap();
        assert!(text.contains("at /a:"), "{text}");
        assert!(text.contains("\"b\" is a required property"), "{text}");
        assert!(describe_errors(&validator, &json!({"a": 1, "b": 2})).is_none());
    }

    #[test]
    fn unknown_dialects_fail_to_compile() {
        let schema = json!({"$schema": "https://example.com/my-dialect", "type": "object"});
        assert!(matches!(
            compile(schema.as_object().unwrap()),
            Err(SchemaError::Invalid(_))
        ));
    }
}

#[cfg(test)]
mod compiled {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(object) => object,
            _ => unreachable!("an object literal"),
        }
    }

    #[test]
    fn compiled_now_or_on_first_use_validates_the_same() {
        let schema = object(json!({"type": "object", "required": ["a"]}));
        let now = CompiledSchema::now(&schema).expect("a valid schema");
        let later = CompiledSchema::on_first_use();
        assert!(later.0.get().is_none(), "nothing compiled before first use");
        for compiled in [&now, &later] {
            let validator = compiled.get(&schema).expect("compiles");
            assert!(validator.is_valid(&json!({"a": 1})));
            assert!(!validator.is_valid(&json!({})));
        }
        assert!(later.0.get().is_some(), "kept after first use");
    }

    #[test]
    fn a_broken_schema_is_refused_now_and_reported_on_first_use() {
        let broken = object(json!({"type": "object", "properties": {"a": {"minimum": "one"}}}));
        assert!(matches!(
            CompiledSchema::now(&broken),
            Err(SchemaError::Invalid(_))
        ));
        let later = CompiledSchema::on_first_use();
        assert!(matches!(later.get(&broken), Err(SchemaError::Invalid(_))));
    }
}
