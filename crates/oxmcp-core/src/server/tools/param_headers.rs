//! `Mcp-Param-*` headers (2026-07-28, SEP-2243): a tool parameter marked `x-mcp-header`
//! in the tool's input schema travels in an HTTP header too, and the server checks the
//! header against the body: a header that is missing while the argument has a value, one
//! present while it has none, one whose value differs (after decoding, integers compared
//! as numbers), or one with characters a header may not carry is refused with
//! `HeaderMismatch` (-32020). Headers of parameters the tool does not mark are ignored.
//!
//! The HTTP transport hands a modern `tools/call` its headers as [`ParamHeaders`] in the
//! request's extensions; without them (other transports, older revisions) nothing is
//! checked, as the spec allows.

use oxmcp_types::modern::headers::{self, MCP_PARAM_HEADER_PREFIX, ParamHeader};
use oxmcp_types::{ErrorData, JsonObject};

/// The `Mcp-Param-*` headers of the HTTP request that carried a `tools/call`, as received
/// (values still encoded). An HTTP transport puts one, even empty, in the extensions of
/// each 2026-07-28 `tools/call` it hands the engine.
///
/// ```
/// use oxmcp_core::server::tools::ParamHeaders;
/// let mut headers = ParamHeaders::new();
/// headers.insert("Region", b"us-west1");
/// assert_eq!(headers.len(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ParamHeaders {
    /// The name after `Mcp-Param-`, lowercased, and the value (`None`: not visible ASCII).
    values: Vec<(String, Option<String>)>,
}

impl ParamHeaders {
    /// No header yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the header `Mcp-Param-{name}` with `value` as received (a header received twice
    /// is added twice, and refused).
    pub fn insert(&mut self, name: &str, value: &[u8]) {
        let text = std::str::from_utf8(value)
            .ok()
            .filter(|v| v.bytes().all(|b| b == b'\t' || (0x20..=0x7e).contains(&b)))
            .map(str::to_owned);
        self.values.push((name.to_ascii_lowercase(), text));
    }

    /// How many headers there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value of `Mcp-Param-{name}` (any case), if received once.
    fn get(&self, name: &str) -> Result<Option<&str>, ErrorData> {
        let mut found = self
            .values
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let first = found.next();
        if found.next().is_some() {
            return Err(mismatch(name, "is present more than once"));
        }
        match first {
            None => Ok(None),
            Some((_, Some(value))) => Ok(Some(value)),
            Some((_, None)) => Err(mismatch(name, "has characters a header may not carry")),
        }
    }
}

fn mismatch(name: &str, what: &str) -> ErrorData {
    ErrorData::header_mismatch(format!("{MCP_PARAM_HEADER_PREFIX}{name} {what}"))
}

/// Checks the `x-mcp-header` parameters `params` declares against the headers received.
pub(crate) fn check(
    params: &[ParamHeader],
    arguments: Option<&JsonObject>,
    received: &ParamHeaders,
) -> Result<(), ErrorData> {
    let empty = JsonObject::new();
    let arguments = arguments.unwrap_or(&empty);
    for param in params {
        let header = received.get(&param.name)?;
        if let Some(value) = header {
            headers::decode_value(value)
                .map_err(|e| mismatch(&param.name, &format!("is invalid: {e}")))?;
        }
        if param.matches(header, arguments) {
            continue;
        }
        let what = match (header, param.value_in(arguments)) {
            (None, _) => format!(
                "is missing while the argument `{}` has a value",
                param.path.join(".")
            ),
            (Some(_), Ok(None)) => format!(
                "is present while the argument `{}` has no value",
                param.path.join(".")
            ),
            (Some(_), Err(e)) => format!("cannot mirror its argument: {e}"),
            (Some(_), Ok(Some(_))) => {
                format!("does not match the argument `{}`", param.path.join("."))
            }
        };
        return Err(mismatch(&param.name, &what));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use oxmcp_types::ErrorCode;
    use oxmcp_types::modern::headers::param_headers;
    use serde_json::json;

    use super::*;

    fn params() -> Vec<ParamHeader> {
        let schema = json!({
            "type": "object",
            "properties": {
                "region": { "type": "string", "x-mcp-header": "Region" },
                "limits": { "type": "object", "properties": {
                    "rows": { "type": "integer", "x-mcp-header": "Rows" } } }
            }
        });
        let serde_json::Value::Object(schema) = schema else {
            return Vec::new();
        };
        param_headers(&schema).unwrap()
    }

    fn args(value: serde_json::Value) -> JsonObject {
        match value {
            serde_json::Value::Object(o) => o,
            _ => JsonObject::new(),
        }
    }

    fn headers(pairs: &[(&str, &[u8])]) -> ParamHeaders {
        let mut h = ParamHeaders::new();
        for (name, value) in pairs {
            h.insert(name, value);
        }
        h
    }

    fn code(result: Result<(), ErrorData>) -> Option<ErrorCode> {
        result.err().map(|e| e.code)
    }

    #[test]
    fn headers_must_mirror_the_marked_arguments() {
        let p = params();
        let body = args(json!({ "region": "Hello", "limits": { "rows": 42 } }));
        let ok = |h: &[(&str, &[u8])]| check(&p, Some(&body), &headers(h));
        assert!(ok(&[("region", b"Hello"), ("ROWS", b"42.0")]).is_ok());
        assert!(ok(&[("Region", b"=?base64?SGVsbG8=?="), ("Rows", b"42")]).is_ok());
        let mismatch = Some(ErrorCode::HEADER_MISMATCH);
        // Missing, different, badly encoded, invalid characters, repeated.
        assert_eq!(code(ok(&[("Rows", b"42")])), mismatch);
        assert_eq!(code(ok(&[("Region", b"Bye"), ("Rows", b"42")])), mismatch);
        assert_eq!(
            code(ok(&[("Region", b"=?base64?SGVsbG8?="), ("Rows", b"42")])),
            mismatch
        );
        assert_eq!(
            code(ok(&[
                ("Region", b"=?base64?SGVs!!!bG8=?="),
                ("Rows", b"42")
            ])),
            mismatch
        );
        assert_eq!(
            code(ok(&[("Region", b"Hel\x01lo"), ("Rows", b"42")])),
            mismatch
        );
        assert_eq!(
            code(ok(&[
                ("Region", b"Hello"),
                ("Region", b"Hello"),
                ("Rows", b"42")
            ])),
            mismatch
        );
        // Unmarked headers are ignored; a plain value shaped almost like Base64 is literal.
        assert!(ok(&[("Region", b"Hello"), ("Rows", b"42"), ("Other", b"x")]).is_ok());
        let literal = args(json!({ "region": "=?base64?SGVsbG8=" }));
        assert!(
            check(
                &p,
                Some(&literal),
                &headers(&[("Region", b"=?base64?SGVsbG8=")])
            )
            .is_ok()
        );
    }

    #[test]
    fn absent_arguments_have_no_header() {
        let p = params();
        assert!(check(&p, None, &ParamHeaders::new()).is_ok());
        let null = args(json!({ "region": null }));
        assert!(check(&p, Some(&null), &ParamHeaders::new()).is_ok());
        let err = check(&p, None, &headers(&[("Region", b"x")])).unwrap_err();
        assert_eq!(err.code, ErrorCode::HEADER_MISMATCH);
        assert!(err.message.contains("Mcp-Param-Region"), "{}", err.message);
    }
}
