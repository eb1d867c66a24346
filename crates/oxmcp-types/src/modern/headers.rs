//! The HTTP headers that mirror body fields in 2026-07-28 (SEP-2243): `Mcp-Method`,
//! `Mcp-Name`, and `Mcp-Param-{Name}` for tool parameters marked `x-mcp-header`, with the
//! value encoding both sides use. A mismatch is a `HeaderMismatch` error (-32020,
//! [`ErrorData::header_mismatch`](crate::ErrorData::header_mismatch)).
//!
//! ```
//! use oxmcp_types::modern::headers::{decode_value, encode_value};
//! assert_eq!(encode_value("us-west1"), "us-west1");
//! assert_eq!(encode_value("Hello, 世界"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
//! assert_eq!(decode_value("=?base64?SGVsbG8sIOS4lueVjA==?=").unwrap(), "Hello, 世界");
//! ```

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::meta::JsonObject;

/// The header mirroring the JSON-RPC method (every request).
pub const MCP_METHOD_HEADER: &str = "Mcp-Method";
/// The header mirroring `params.name` or `params.uri` (see [`name_member`]).
pub const MCP_NAME_HEADER: &str = "Mcp-Name";
/// The prefix of the headers mirroring tool parameters: `Mcp-Param-{Name}`.
pub const MCP_PARAM_HEADER_PREFIX: &str = "Mcp-Param-";
/// The JSON Schema keyword marking a tool parameter to mirror into a header.
pub const X_MCP_HEADER: &str = "x-mcp-header";

const SENTINEL_START: &str = "=?base64?";
const SENTINEL_END: &str = "?=";
/// The largest integer magnitude a header may carry (JavaScript's safe integers).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a header or an `x-mcp-header` annotation is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// A header value has characters a header may not carry, or a broken Base64 sentinel.
    #[error("invalid header value: {0}")]
    InvalidValue(String),
    /// A parameter value that no header can mirror (a float, an unsafe integer, an object).
    #[error("parameter `{0}` cannot be mirrored into a header: {1}")]
    UnmirrorableValue(String, String),
    /// An `x-mcp-header` annotation that breaks the spec's constraints; the tool is invalid.
    #[error("invalid `x-mcp-header` at {path}: {reason}")]
    InvalidAnnotation {
        /// Where, as a JSON pointer into `inputSchema`.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The params are not an object.
    #[error("params are not a JSON object: {0}")]
    Params(String),
}

/// The params member that `Mcp-Name` mirrors for `method`: `name` for `tools/call` and
/// `prompts/get`, `uri` for `resources/read`, `taskId` for the task methods of the tasks
/// extension; `None`: the method has no `Mcp-Name`.
pub fn name_member(method: &str) -> Option<&'static str> {
    match method {
        "tools/call" | "prompts/get" => Some("name"),
        "resources/read" => Some("uri"),
        "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
        _ => None,
    }
}

#[derive(Deserialize)]
struct NameProbe<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uri: Option<Cow<'a, str>>,
    #[serde(rename = "taskId", borrow, default)]
    task_id: Option<Cow<'a, str>>,
}

/// The body value `Mcp-Name` must carry for a request (decoded form), reading only that
/// member of the raw params; `Ok(None)` when the method has none or the member is absent.
///
/// ```
/// use oxmcp_types::modern::headers::mcp_name;
/// use serde_json::value::RawValue;
/// let p = RawValue::from_string(r#"{"name":"get_weather","arguments":{}}"#.into()).unwrap();
/// assert_eq!(mcp_name("tools/call", Some(&p)).unwrap().as_deref(), Some("get_weather"));
/// assert_eq!(mcp_name("tools/list", Some(&p)).unwrap(), None);
/// ```
pub fn mcp_name(method: &str, params: Option<&RawValue>) -> Result<Option<String>, HeaderError> {
    let (Some(member), Some(raw)) = (name_member(method), params) else {
        return Ok(None);
    };
    let probe: NameProbe<'_> =
        serde_json::from_str(raw.get()).map_err(|e| HeaderError::Params(e.to_string()))?;
    let value = match member {
        "name" => probe.name,
        "uri" => probe.uri,
        _ => probe.task_id,
    };
    Ok(value.map(Cow::into_owned))
}

/// Whether `value` may travel as a plain header value: printable ASCII without leading or
/// trailing whitespace, and not shaped like the Base64 sentinel.
fn is_plain(value: &str) -> bool {
    value.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && !value.starts_with(' ')
        && !value.ends_with(' ')
        && !is_sentinel(value)
}

fn is_sentinel(value: &str) -> bool {
    value.len() >= SENTINEL_START.len() + SENTINEL_END.len()
        && value.starts_with(SENTINEL_START)
        && value.ends_with(SENTINEL_END)
}

/// Encodes a value for `Mcp-Name` or `Mcp-Param-*`: as is when plain, else
/// `=?base64?{Base64 of the UTF-8}?=`.
pub fn encode_value(value: &str) -> Cow<'_, str> {
    if is_plain(value) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!(
            "{SENTINEL_START}{}{SENTINEL_END}",
            STANDARD.encode(value)
        ))
    }
}

/// Decodes a received `Mcp-Name` or `Mcp-Param-*` value; a plain value must consist of
/// visible ASCII, spaces and tabs.
pub fn decode_value(value: &str) -> Result<Cow<'_, str>, HeaderError> {
    if is_sentinel(value) {
        let inner = &value[SENTINEL_START.len()..value.len() - SENTINEL_END.len()];
        let bytes = STANDARD
            .decode(inner)
            .map_err(|e| HeaderError::InvalidValue(format!("bad Base64: {e}")))?;
        return String::from_utf8(bytes)
            .map(Cow::Owned)
            .map_err(|_| HeaderError::InvalidValue("Base64 of invalid UTF-8".into()));
    }
    if value
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
    {
        Ok(Cow::Borrowed(value))
    } else {
        Err(HeaderError::InvalidValue(
            "characters a header may not carry".into(),
        ))
    }
}

/// A tool parameter mirrored into a header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamHeader {
    /// The name portion: the header is `Mcp-Param-{name}`.
    pub name: String,
    /// The chain of `properties` keys from the schema root to the parameter.
    pub path: Vec<String>,
}

impl ParamHeader {
    /// The full header name.
    pub fn header_name(&self) -> String {
        format!("{MCP_PARAM_HEADER_PREFIX}{}", self.name)
    }

    /// The encoded header value for `arguments`; `Ok(None)` when the argument is absent or
    /// `null` (the header is then omitted).
    pub fn value_in(&self, arguments: &JsonObject) -> Result<Option<String>, HeaderError> {
        let mut node = arguments.get(self.path.first().map_or("", String::as_str));
        for key in self.path.iter().skip(1) {
            node = node.and_then(|n| n.get(key));
        }
        let Some(value) = node else {
            return Ok(None);
        };
        let text = match value {
            Value::Null => return Ok(None),
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => safe_integer(n).ok_or_else(|| {
                HeaderError::UnmirrorableValue(self.name.clone(), format!("{n} is no safe integer"))
            })?,
            _ => {
                return Err(HeaderError::UnmirrorableValue(
                    self.name.clone(),
                    "not a string, integer or boolean".into(),
                ));
            }
        };
        Ok(Some(encode_value(&text).into_owned()))
    }

    /// Whether a received header value (still encoded) matches the body argument: strings
    /// exactly, integers numerically (`42.0` equals `42`), booleans as `true`/`false`.
    pub fn matches(&self, header: Option<&str>, arguments: &JsonObject) -> bool {
        let expected = self.value_in(arguments);
        match (header, expected) {
            (None, Ok(None)) => true,
            (Some(h), Ok(Some(e))) => {
                let (Ok(got), Ok(want)) = (decode_value(h), decode_value(&e)) else {
                    return false;
                };
                got == want || numerically_equal(&got, &want)
            }
            _ => false,
        }
    }
}

fn safe_integer(n: &serde_json::Number) -> Option<String> {
    if let Some(u) = n.as_u64() {
        return (u <= MAX_SAFE_INTEGER).then(|| u.to_string());
    }
    if let Some(i) = n.as_i64() {
        return (i.unsigned_abs() <= MAX_SAFE_INTEGER).then(|| i.to_string());
    }
    let f = n.as_f64()?;
    // Range checked first: a float that is a safe integer is written as one.
    let whole = f.is_finite() && f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64;
    whole.then(|| (f as i64).to_string())
}

fn numerically_equal(a: &str, b: &str) -> bool {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y && x.fract() == 0.0,
        _ => false,
    }
}

/// The `x-mcp-header` parameters of a tool's `inputSchema`, checked against every constraint
/// of the spec (non-empty token, case-insensitively unique, on a string/integer/boolean
/// property reachable from the root through `properties` only). An error makes the tool
/// invalid: an HTTP client leaves it out of its tool list.
pub fn param_headers(input_schema: &JsonObject) -> Result<Vec<ParamHeader>, HeaderError> {
    let mut out = Vec::new();
    // Most schemas have no annotation: find that out without building the paths that only
    // an annotation (or an error about one) needs.
    if !mentions_header(input_schema) {
        return Ok(out);
    }
    visit(input_schema, Some(&[]), "", &mut out)?;
    for (i, a) in out.iter().enumerate() {
        if out[..i]
            .iter()
            .any(|b| b.name.eq_ignore_ascii_case(&a.name))
        {
            return Err(annotation_error(
                &a.path,
                format!("`{}` is not unique", a.name),
            ));
        }
    }
    Ok(out)
}

fn annotation_error(path: &[String], reason: String) -> HeaderError {
    let path = path.iter().map(|k| format!("/properties/{k}")).collect();
    HeaderError::InvalidAnnotation { path, reason }
}

/// Whether `x-mcp-header` is a member of `node` or of any object below it.
fn mentions_header(node: &JsonObject) -> bool {
    node.iter()
        .any(|(key, child)| key == X_MCP_HEADER || value_mentions_header(child))
}

fn value_mentions_header(value: &Value) -> bool {
    match value {
        Value::Object(o) => mentions_header(o),
        Value::Array(items) => items.iter().any(value_mentions_header),
        _ => false,
    }
}

/// Walks a schema node; `chain` is the `properties` path when the node is statically
/// reachable, `None` when it is not.
fn visit(
    node: &JsonObject,
    chain: Option<&[String]>,
    at: &str,
    out: &mut Vec<ParamHeader>,
) -> Result<(), HeaderError> {
    if let Some(annotation) = node.get(X_MCP_HEADER) {
        let Some(path) = chain.filter(|c| !c.is_empty()) else {
            return Err(HeaderError::InvalidAnnotation {
                path: at.to_owned(),
                reason: "not on a property reachable through `properties` only".into(),
            });
        };
        out.push(check_annotation(annotation, node, path)?);
    }
    for (key, child) in node {
        // Data, not schemas.
        if matches!(
            key.as_str(),
            "default" | "const" | "enum" | "examples" | X_MCP_HEADER
        ) {
            continue;
        }
        let child_at = format!("{at}/{key}");
        match (key.as_str(), child) {
            ("properties", Value::Object(props)) => {
                for (name, schema) in props {
                    let Value::Object(schema) = schema else {
                        continue;
                    };
                    let sub = chain.map(|c| {
                        let mut c = c.to_vec();
                        c.push(name.clone());
                        c
                    });
                    visit(schema, sub.as_deref(), &format!("{child_at}/{name}"), out)?;
                }
            }
            (_, Value::Object(o)) => visit(o, None, &child_at, out)?,
            (_, Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Object(o) = item {
                        visit(o, None, &format!("{child_at}/{i}"), out)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_annotation(
    annotation: &Value,
    property: &JsonObject,
    path: &[String],
) -> Result<ParamHeader, HeaderError> {
    let err = |reason: &str| annotation_error(path, reason.to_owned());
    let Some(name) = annotation.as_str() else {
        return Err(err("the value must be a string"));
    };
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(err("the value must be a non-empty HTTP token"));
    }
    match property.get("type").and_then(Value::as_str) {
        Some("string" | "integer" | "boolean") => {}
        _ => {
            return Err(err(
                "only string, integer and boolean parameters may be mirrored",
            ));
        }
    }
    Ok(ParamHeader {
        name: name.to_owned(),
        path: path.to_vec(),
    })
}

/// `tchar` of RFC 9110.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> JsonObject {
        match v {
            Value::Object(o) => o,
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn the_spec_encoding_examples() {
        for (plain, encoded) in [
            ("us-west1", "us-west1"),
            ("Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?="),
            (" padded ", "=?base64?IHBhZGRlZCA=?="),
            ("line1\nline2", "=?base64?bGluZTEKbGluZTI=?="),
            ("=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?="),
        ] {
            assert_eq!(encode_value(plain), encoded);
            assert_eq!(decode_value(encoded).unwrap(), plain);
        }
        assert!(decode_value("a\nb").is_err());
        assert!(decode_value("=?base64?***?=").is_err());
        assert!(decode_value("=?base64?/w==?=").is_err(), "not UTF-8");
    }

    #[test]
    fn mcp_name_reads_the_member_of_the_method() {
        let raw = |s: &str| RawValue::from_string(s.to_owned()).unwrap();
        let p = raw(r#"{"uri":"file:///a","name":"n","taskId":"t"}"#);
        assert_eq!(
            mcp_name("resources/read", Some(&p)).unwrap().as_deref(),
            Some("file:///a")
        );
        assert_eq!(
            mcp_name("prompts/get", Some(&p)).unwrap().as_deref(),
            Some("n")
        );
        assert_eq!(
            mcp_name("tasks/get", Some(&p)).unwrap().as_deref(),
            Some("t")
        );
        assert_eq!(mcp_name("tools/call", None).unwrap(), None);
        assert!(mcp_name("tools/call", Some(&raw(r#"{"name":5}"#))).is_err());
    }

    #[test]
    fn param_headers_follow_the_properties_chain() {
        let schema = obj(json!({"type": "object", "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "query": {"type": "string"},
            "opts": {"type": "object", "properties": {
                "shard": {"type": "integer", "x-mcp-header": "Shard"}
            }}
        }}));
        let headers = param_headers(&schema).unwrap();
        assert_eq!(headers.len(), 2);
        let args = obj(json!({"region": "us-west1", "opts": {"shard": 42}}));
        let values: Vec<_> = headers
            .iter()
            .map(|h| (h.header_name(), h.value_in(&args).unwrap()))
            .collect();
        assert!(values.contains(&("Mcp-Param-Region".into(), Some("us-west1".into()))));
        assert!(values.contains(&("Mcp-Param-Shard".into(), Some("42".into()))));
        let shard = headers.iter().find(|h| h.name == "Shard").unwrap();
        assert!(
            shard.matches(Some("42.0"), &args),
            "integers compare numerically"
        );
        assert!(!shard.matches(Some("43"), &args));
        assert!(
            !shard.matches(None, &args),
            "a value in the body needs its header"
        );
        assert!(shard.matches(None, &obj(json!({"opts": {"shard": null}}))));
        assert_eq!(shard.value_in(&obj(json!({}))).unwrap(), None);
        let unsafe_int = obj(json!({"opts": {"shard": 9_007_199_254_740_992_u64}}));
        assert!(shard.value_in(&unsafe_int).is_err());
    }

    #[test]
    fn invalid_annotations_make_the_tool_invalid() {
        for bad in [
            json!({"properties": {"a": {"type": "number", "x-mcp-header": "A"}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": ""}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": "A\r\nB"}}}),
            json!({"properties": {"a": {"type": "string", "x-mcp-header": "A"},
                                  "b": {"type": "string", "x-mcp-header": "a"}}}),
            json!({"properties": {"a": {"type": "array", "items": {"type": "string", "x-mcp-header": "A"}}}}),
            json!({"anyOf": [{"properties": {"a": {"type": "string", "x-mcp-header": "A"}}}]}),
            json!({"type": "object", "x-mcp-header": "Root"}),
        ] {
            assert!(
                matches!(
                    param_headers(&obj(bad.clone())),
                    Err(HeaderError::InvalidAnnotation { .. })
                ),
                "{bad}"
            );
        }
        let in_default =
            json!({"properties": {"a": {"type": "object", "default": {"x-mcp-header": 1}}}});
        assert_eq!(param_headers(&obj(in_default)).unwrap(), vec![]);
    }
}
