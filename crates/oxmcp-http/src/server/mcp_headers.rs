//! The MCP headers of a POST, found in one pass over its header map. A lookup by name
//! hashes the name; the pass compares a prefix first, and a modern request has up to five
//! of these headers to check.

use http::{HeaderMap, HeaderValue};

use super::guard::{PROTOCOL_VERSION_HEADER, SESSION_ID_HEADER};

/// The MCP headers of one request, each by its first value (as `HeaderMap::get` gives it).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct McpHeaders<'h> {
    /// `Mcp-Session-Id`.
    pub(crate) session_id: Option<&'h HeaderValue>,
    /// `MCP-Protocol-Version`.
    pub(crate) protocol_version: Option<&'h HeaderValue>,
    /// `Mcp-Method`.
    pub(crate) method: Option<&'h HeaderValue>,
    /// `Mcp-Name`.
    pub(crate) name: Option<&'h HeaderValue>,
    /// Whether there is any `Mcp-Param-*` header.
    pub(crate) any_param: bool,
}

/// `Mcp-Param-`, as header maps spell names: in lowercase.
const PARAM_PREFIX: &str = "mcp-param-";

impl<'h> McpHeaders<'h> {
    /// The MCP headers of `headers`.
    pub(crate) fn of(headers: &'h HeaderMap) -> Self {
        let mut found = Self::default();
        for (name, value) in headers {
            let name = name.as_str();
            if !name.starts_with("mcp-") {
                continue;
            }
            let slot = match name {
                SESSION_ID_HEADER => &mut found.session_id,
                PROTOCOL_VERSION_HEADER => &mut found.protocol_version,
                "mcp-method" => &mut found.method,
                "mcp-name" => &mut found.name,
                _ => {
                    found.any_param |=
                        name.len() > PARAM_PREFIX.len() && name.starts_with(PARAM_PREFIX);
                    continue;
                }
            };
            slot.get_or_insert(value);
        }
        found
    }

    /// The text of `MCP-Protocol-Version`, if it is there and visible ASCII.
    pub(crate) fn version_text(&self) -> Option<&'h str> {
        self.protocol_version
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderName;

    use super::*;
    use crate::server::guard;

    /// What lookups by name give, for comparison.
    fn by_lookup(headers: &HeaderMap) -> [Option<&HeaderValue>; 4] {
        [
            headers.get("mcp-session-id"),
            headers.get(guard::PROTOCOL_VERSION_NAME),
            headers.get("mcp-method"),
            headers.get("mcp-name"),
        ]
    }

    #[test]
    fn one_pass_finds_what_lookups_find() {
        let cases: [&[(&str, &str)]; 5] = [
            &[],
            &[("accept", "*/*"), ("content-type", "application/json")],
            &[
                ("MCP-Protocol-Version", "2026-07-28"),
                ("Mcp-Method", "tools/call"),
                ("mcp-name", "echo"),
                ("Mcp-Session-Id", "s1"),
            ],
            // Repeated headers: the first value, as a lookup gives it.
            &[
                ("mcp-name", "first"),
                ("mcp-name", "second"),
                ("mcp-method", "a"),
                ("mcp-protocol-version", "2025-11-25"),
                ("mcp-method", "b"),
            ],
            &[("mcp-names", "x"), ("mcp-", "y"), ("x-mcp-name", "z")],
        ];
        for case in cases {
            let mut headers = HeaderMap::new();
            for (k, v) in case {
                headers.append(
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_static(v),
                );
            }
            let found = McpHeaders::of(&headers);
            let got = [
                found.session_id,
                found.protocol_version,
                found.method,
                found.name,
            ];
            assert_eq!(got, by_lookup(&headers), "{case:?}");
            assert!(!found.any_param, "{case:?}");
        }
    }

    #[test]
    fn param_headers_are_noticed() {
        let mut headers = HeaderMap::new();
        headers.insert("mcp-param-", HeaderValue::from_static("nameless"));
        assert!(
            !McpHeaders::of(&headers).any_param,
            "a prefix alone names nothing"
        );
        headers.insert("Mcp-Param-Region", HeaderValue::from_static("eu"));
        assert!(McpHeaders::of(&headers).any_param);
        headers.insert(
            "mcp-protocol-version",
            HeaderValue::from_static(" 2026-07-28 "),
        );
        assert_eq!(McpHeaders::of(&headers).version_text(), Some("2026-07-28"));
    }
}
