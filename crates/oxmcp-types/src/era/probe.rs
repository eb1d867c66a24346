//! One pass over a request's params for everything a transport needs before it hands a
//! modern request to the engine: its era, the raw `_meta` members its state is made of,
//! and the member its `Mcp-Name` header mirrors. [`classify_request`] and
//! [`mcp_name`](crate::modern::headers::mcp_name) each read the params on their own; a
//! Streamable HTTP server that needs all three reads them once here.
//!
//! Most requests are written the same way (`{"name":...,"arguments":...,"_meta":{...}}`,
//! and the same `_meta` every time): [`RequestProbe::layout`] finds `_meta` and the first
//! member without reading the params at all, for a caller that can tell a `_meta` it has
//! read before (see `ModernStateCache` in `oxmcp-core`).

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{RequestEra, classify_request, has_version_key};
use crate::methods::{InitializeRequest, RequestMethod};
use crate::modern::headers::{self, HeaderError};
use crate::raw::{self, MetaPlace};
use crate::version::ProtocolVersion;

/// What one pass over a request's params found.
///
/// ```
/// use oxmcp_types::era::{RequestEra, RequestProbe};
/// use oxmcp_types::ProtocolVersion;
/// use serde_json::value::RawValue;
///
/// let params = RawValue::from_string(r#"{"name":"echo","arguments":{"text":"hi"},
///     "_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
///              "io.modelcontextprotocol/clientCapabilities":{"sampling":{}}}}"#.into()).unwrap();
/// let probe = RequestProbe::of("tools/call", Some(&params));
/// assert_eq!(probe.era, RequestEra::Modern(Ok(ProtocolVersion::V2026_07_28)));
/// assert_eq!(probe.mcp_name().unwrap().as_deref(), Some("echo"));
/// let meta = probe.meta.unwrap();
/// assert_eq!(meta.client_capabilities, Some(r#"{"sampling":{}}"#));
/// assert!(meta.client_info.is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RequestProbe<'a> {
    /// The request's era, as [`classify_request`] gives it.
    pub era: RequestEra,
    /// The reserved members of `_meta`, raw, when the params of a modern request are
    /// well-formed JSON without a duplicate member among those read; `None` otherwise (a
    /// legacy request, or params for the general path to judge).
    pub meta: Option<ModernMeta<'a>>,
    method: &'a str,
    params: Option<&'a RawValue>,
    /// The raw member `Mcp-Name` mirrors, when the params were read whole.
    name: Option<Option<&'a str>>,
}

/// The reserved members of a modern request's `_meta`, each as its raw JSON text: what the
/// state a server handles the request under is made of. A member sent as `null` is kept
/// (as `null`), so that it is refused where it is read, as an absent one would not be.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct ModernMeta<'a> {
    /// The whole `_meta` object, raw JSON.
    pub text: &'a str,
    /// `io.modelcontextprotocol/protocolVersion`, the string's text (a modern request
    /// names one).
    pub protocol_version: &'a str,
    /// `io.modelcontextprotocol/clientCapabilities`, raw JSON.
    pub client_capabilities: Option<&'a str>,
    /// `io.modelcontextprotocol/clientInfo`, raw JSON.
    pub client_info: Option<&'a str>,
    /// `io.modelcontextprotocol/logLevel`, raw JSON.
    pub log_level: Option<&'a str>,
    /// `progressToken`, raw JSON.
    pub progress_token: Option<&'a str>,
}

#[derive(Deserialize)]
struct Whole<'a> {
    #[serde(rename = "_meta", borrow, default)]
    meta: Option<&'a RawValue>,
    #[serde(borrow, default)]
    name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    uri: Option<&'a RawValue>,
    #[serde(rename = "taskId", borrow, default)]
    task_id: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct MetaMembers<'a> {
    // Borrowed: a version with an escape fails the read, and is left to the general path.
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow, default)]
    version: Option<&'a str>,
    #[serde(
        rename = "io.modelcontextprotocol/clientCapabilities",
        borrow,
        default,
        deserialize_with = "kept"
    )]
    client_capabilities: Option<&'a RawValue>,
    #[serde(
        rename = "io.modelcontextprotocol/clientInfo",
        borrow,
        default,
        deserialize_with = "kept"
    )]
    client_info: Option<&'a RawValue>,
    #[serde(
        rename = "io.modelcontextprotocol/logLevel",
        borrow,
        default,
        deserialize_with = "kept"
    )]
    log_level: Option<&'a RawValue>,
    #[serde(rename = "progressToken", borrow, default, deserialize_with = "kept")]
    progress_token: Option<&'a RawValue>,
}

/// A member that is there, `null` included.
fn kept<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// What the layout of a request's params shows without reading them: its `_meta` written
/// last, and the member `Mcp-Name` mirrors written first (see [`RequestProbe::layout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParamsLayout<'a> {
    /// The text after the `_meta` key up to the params' closing brace: the whole `_meta`
    /// object when it is the last member. Not checked: in `{"_meta":{},"name":"x"}` it is
    /// `{},"name":"x"`, which is no `_meta` any client sent, so a caller that only accepts
    /// a text it has read as a `_meta` before cannot be misled.
    pub meta: &'a str,
    /// The value `Mcp-Name` must carry (`None`: the method has none).
    pub name: Option<&'a str>,
    /// Where `_meta` lies in the params.
    pub place: MetaPlace,
}

impl<'a> RequestProbe<'a> {
    /// The params' layout, when it is a usual one: `_meta` found once, without a `\u`
    /// escape anywhere (which could spell a key), written last (after the member
    /// `Mcp-Name` mirrors, written first) or first (before it); that member a plain string.
    /// `None` otherwise: read them with [`of`](Self::of).
    ///
    /// A later member with the same name as the one found is not seen here; the method's
    /// own reading of its params refuses it (a duplicate member is -32602).
    ///
    /// ```
    /// use oxmcp_types::era::RequestProbe;
    /// use serde_json::value::RawValue;
    ///
    /// for text in [r#"{"name":"echo","arguments":{},"_meta":{"k":1}}"#,
    ///              r#"{"_meta":{"k":1},"name":"echo","arguments":{}}"#] {
    ///     let params = RawValue::from_string(text.into()).unwrap();
    ///     let layout = RequestProbe::layout("tools/call", Some(&params)).unwrap();
    ///     assert_eq!((layout.meta, layout.name), (r#"{"k":1}"#, Some("echo")));
    /// }
    /// ```
    pub fn layout(method: &str, params: Option<&'a RawValue>) -> Option<ParamsLayout<'a>> {
        let text = params?.get();
        let member = headers::name_member(method);
        let place = raw::meta_place(text)?;
        let name = member.map(|m| match place.first {
            true => raw::string_member_at(text, place.cut.1, m),
            false => raw::first_string(text, m),
        });
        let name = match name {
            Some(found) => Some(found?),
            None => None,
        };
        Some(ParamsLayout {
            meta: place.value(text)?,
            name,
            place,
        })
    }

    /// Reads the params of a request of `method`. A request that is not modern costs what
    /// [`classify_request`] costs (a scan for the version key); a modern one is read once,
    /// skipping every member but `_meta` and the one `Mcp-Name` mirrors. When that read
    /// fails (params that are not an object, a duplicate member), the era is
    /// [`classify_request`]'s and nothing else is kept.
    pub fn of(method: &'a str, params: Option<&'a RawValue>) -> Self {
        let mut probe = Self {
            era: RequestEra::Session,
            meta: None,
            method,
            params,
            name: None,
        };
        let text = match params {
            Some(raw) if method != InitializeRequest::METHOD && has_version_key(raw.get()) => {
                raw.get()
            }
            _ => {
                probe.era = classify_request(method, params);
                return probe;
            }
        };
        let Ok(whole) = serde_json::from_str::<Whole<'a>>(text) else {
            probe.era = classify_request(method, params);
            return probe;
        };
        probe.name = Some(
            match headers::name_member(method) {
                Some("name") => whole.name,
                Some("uri") => whole.uri,
                Some(_) => whole.task_id,
                None => None,
            }
            .map(RawValue::get),
        );
        let Some(text) = whole.meta.map(RawValue::get) else {
            probe.era = classify_request(method, params);
            return probe;
        };
        let Ok(members) = serde_json::from_str::<MetaMembers<'a>>(text) else {
            probe.era = classify_request(method, params);
            return probe;
        };
        let Some(version) = members.version else {
            probe.era = classify_request(method, params);
            return probe;
        };
        probe.era = RequestEra::Modern(ProtocolVersion::parse_modern(version));
        probe.meta = Some(ModernMeta {
            text,
            protocol_version: version,
            client_capabilities: members.client_capabilities.map(RawValue::get),
            client_info: members.client_info.map(RawValue::get),
            log_level: members.log_level.map(RawValue::get),
            progress_token: members.progress_token.map(RawValue::get),
        });
        probe
    }

    /// The value the request's `Mcp-Name` header must carry (decoded), as
    /// [`mcp_name`](crate::modern::headers::mcp_name) gives it: `Ok(None)` when the method
    /// has none or the member is absent.
    pub fn mcp_name(&self) -> Result<Option<Cow<'a, str>>, HeaderError> {
        let Some(name) = self.name else {
            return headers::mcp_name(self.method, self.params).map(|n| n.map(Cow::Owned));
        };
        name.map(text_of).transpose()
    }
}

/// A raw JSON string's text, borrowed unless it has escapes.
fn text_of(raw: &str) -> Result<Cow<'_, str>, HeaderError> {
    match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(plain) if !plain.contains('\\') => Ok(Cow::Borrowed(plain)),
        _ => serde_json::from_str::<String>(raw)
            .map(Cow::Owned)
            .map_err(|e| HeaderError::Params(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modern::meta::PROTOCOL_VERSION_KEY;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    /// The probe and the two functions it stands for agree on `params`.
    fn agrees(method: &str, params: Option<&RawValue>) -> RequestProbe<'static> {
        let params = params.map(|p| &*Box::leak(p.to_owned()));
        let probe = RequestProbe::of(Box::leak(method.to_owned().into_boxed_str()), params);
        assert_eq!(probe.era, classify_request(method, params), "{params:?}");
        let name = probe.mcp_name().map(|n| n.map(Cow::into_owned));
        match (name, headers::mcp_name(method, params)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("{method} {params:?}: {a:?} against {b:?}"),
        }
        probe
    }

    #[test]
    fn a_modern_request_is_read_once_for_all_three() {
        let p = raw(&format!(
            r#"{{"name":"a\u0062c","arguments":{{"x":[1,{{"y":null}}]}},"_meta":{{
                "{PROTOCOL_VERSION_KEY}":"2026-07-28",
                "io.modelcontextprotocol/clientCapabilities":{{"roots":{{}}}},
                "io.modelcontextprotocol/clientInfo":{{"name":"c","version":"1"}},
                "io.modelcontextprotocol/logLevel":"info","progressToken":7,"other":1}}}}"#
        ));
        let probe = agrees("tools/call", Some(&p));
        assert_eq!(probe.mcp_name().unwrap().as_deref(), Some("abc"));
        let meta = probe.meta.unwrap();
        assert_eq!(meta.protocol_version, "2026-07-28");
        assert_eq!(meta.client_capabilities, Some(r#"{"roots":{}}"#));
        assert_eq!(meta.client_info, Some(r#"{"name":"c","version":"1"}"#));
        assert_eq!(meta.log_level, Some(r#""info""#));
        assert_eq!(meta.progress_token, Some("7"));
    }

    #[test]
    fn a_null_member_is_kept_for_its_reader_to_refuse() {
        let p = raw(&format!(
            r#"{{"_meta":{{"{PROTOCOL_VERSION_KEY}":"2026-07-28","io.modelcontextprotocol/clientInfo":null}}}}"#
        ));
        let meta = agrees("tools/list", Some(&p)).meta.unwrap();
        assert_eq!(meta.client_info, Some("null"));
        assert!(meta.client_capabilities.is_none());
    }

    #[test]
    fn anything_else_is_classified_as_before_and_keeps_nothing() {
        let cases = [
            ("tools/list".to_owned(), None),
            (
                "initialize".to_owned(),
                Some(raw(&format!(
                    r#"{{"_meta":{{"{PROTOCOL_VERSION_KEY}":"2026-07-28"}}}}"#
                ))),
            ),
            ("server/discover".to_owned(), Some(raw("{}"))),
            (
                "tools/call".to_owned(),
                Some(raw(r#"{"name":"echo","arguments":{}}"#)),
            ),
            // The key outside `_meta`, a malformed version, a duplicate member, a version
            // with an escape, `_meta` null, params not an object.
            (
                "tools/call".to_owned(),
                Some(raw(&format!(
                    r#"{{"name":"e","arguments":{{"{PROTOCOL_VERSION_KEY}":1}}}}"#
                ))),
            ),
            (
                "tools/list".to_owned(),
                Some(raw(&format!(
                    r#"{{"_meta":{{"{PROTOCOL_VERSION_KEY}":7}}}}"#
                ))),
            ),
            (
                "tools/call".to_owned(),
                Some(raw(&format!(
                    r#"{{"name":"a","name":"b","_meta":{{"{PROTOCOL_VERSION_KEY}":"2026-07-28"}}}}"#
                ))),
            ),
            (
                "tools/list".to_owned(),
                Some(raw(&format!(
                    r#"{{"_meta":{{"{PROTOCOL_VERSION_KEY}":"2026-07-2\u0038"}}}}"#
                ))),
            ),
            (
                "tools/list".to_owned(),
                Some(raw(&format!(
                    r#"{{"_meta":null,"x":"{PROTOCOL_VERSION_KEY}"}}"#
                ))),
            ),
            (
                "tools/list".to_owned(),
                Some(raw(&format!(r#"["{PROTOCOL_VERSION_KEY}"]"#))),
            ),
        ];
        for (method, params) in &cases {
            let probe = agrees(method, params.as_deref());
            assert!(probe.meta.is_none(), "{method} {params:?}");
        }
    }

    #[test]
    fn the_name_member_follows_the_method() {
        let v = format!(r#""_meta":{{"{PROTOCOL_VERSION_KEY}":"2026-07-28"}}"#);
        for (method, params) in [
            (
                "resources/read",
                format!(r#"{{"uri":"file:///a","name":"n",{v}}}"#),
            ),
            ("tasks/get", format!(r#"{{"taskId":"t1",{v}}}"#)),
            ("prompts/get", format!(r#"{{"name":"p",{v}}}"#)),
            ("tools/list", format!(r#"{{"name":"ignored",{v}}}"#)),
            ("tools/call", format!(r#"{{"name":5,{v}}}"#)),
            ("tools/call", format!(r#"{{"name":null,{v}}}"#)),
        ] {
            agrees(method, Some(&raw(&params)));
        }
    }

    #[test]
    fn the_layout_agrees_with_a_full_read() {
        let v = PROTOCOL_VERSION_KEY;
        let meta = format!(r#"{{"{v}":"2026-07-28","progressToken":"x"}}"#);
        let usual = raw(&format!(
            r#"{{"name":"a","arguments":{{"m":1}},"_meta":{meta}}}"#
        ));
        let layout = RequestProbe::layout("tools/call", Some(&usual)).unwrap();
        let full = agrees("tools/call", Some(&usual));
        assert_eq!(Some(layout.meta), full.meta.map(|m| m.text));
        assert_eq!(layout.name, full.mcp_name().unwrap().as_deref());
        assert_eq!(
            RequestProbe::layout("tools/list", Some(&usual))
                .unwrap()
                .name,
            None
        );
        for unusual in [
            format!(r#"{{"arguments":{{}},"name":"a","_meta":{meta}}}"#),
            format!(r#"{{"_meta":{meta},"arguments":{{}},"name":"a"}}"#),
            format!(r#"{{"name":"a\"b","_meta":{meta}}}"#),
            format!(r#"{{"name":"a","_meta":{meta},"_meta":{meta}}}"#),
            format!(r#"{{"name":"a","arguments":{{"_meta":1}},"_meta":{meta}}}"#),
            format!(r#"{{"name":"a","arguments":{{"t":"\u0041"}},"_meta":{meta}}}"#),
            r#"{"name":"a"}"#.to_owned(),
        ] {
            assert!(
                RequestProbe::layout("tools/call", Some(&raw(&unusual))).is_none(),
                "{unusual}"
            );
        }
    }

    /// Random params (a small generator over the members the probe reads, with nesting,
    /// escapes, whitespace and repeats): whenever the layout finds a `_meta` that is one
    /// JSON value naming a version (as every `_meta` a caller keeps does), the request is
    /// modern and its `_meta` is the one a full read finds (unless a member is repeated,
    /// which the full read leaves to the general path and the method refuses); its name is
    /// the full read's.
    #[test]
    fn random_params_are_laid_out_as_a_full_read_finds_them() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let keys = [
            "_meta",
            "name",
            "arguments",
            "n\\u0061me",
            "_m\\u0065ta",
            PROTOCOL_VERSION_KEY,
            "io.modelcontextprotocol/clientCapabilities",
            "progressToken",
        ];
        let values = [
            "null",
            "1",
            "true",
            r#""2026-07-28""#,
            r#""a\"}{]""#,
            r#""_meta""#,
            "[]",
            r#"[1,{"a":[]}]"#,
            "{}",
            r#"{"b":"\\"}"#,
        ];
        fn object(
            depth: u32,
            next: &mut dyn FnMut(u64) -> u64,
            keys: &[&str],
            values: &[&str],
        ) -> String {
            let mut out = String::from("{");
            for i in 0..next(5) {
                if i > 0 {
                    out.push_str([",", " ,\n"][next(2) as usize]);
                }
                out.push_str(&format!(
                    "\"{}\"{}:",
                    keys[next(keys.len() as u64) as usize],
                    ["", " "][next(2) as usize]
                ));
                if depth < 2 && next(3) == 0 {
                    out.push_str(&object(depth + 1, next, keys, values));
                } else {
                    out.push_str(values[next(values.len() as u64) as usize]);
                }
            }
            out.push('}');
            out
        }
        let (mut checked, mut named) = (0, 0);
        for _ in 0..20_000 {
            // A modern `_meta` written last or first, beside random members (which may
            // hold other `_meta` keys, escapes and repeats).
            let members = object(0, &mut next, &keys, &values);
            let inner = &members[1..members.len() - 1];
            let meta = format!(r#""_meta":{{"{PROTOCOL_VERSION_KEY}":"2026-07-28"}}"#);
            let sep = if inner.is_empty() { "" } else { "," };
            let text = match next(2) {
                0 => format!("{{{inner}{sep}{meta}}}"),
                _ => format!("{{{meta}{sep}{inner}}}"),
            };
            let params = raw(&text);
            if let Some(layout) = RequestProbe::layout("tools/list", Some(&params)) {
                let full = RequestProbe::of("tools/list", Some(&params));
                let names_version = serde_json::from_str::<MetaMembers<'_>>(layout.meta)
                    .is_ok_and(|m| m.version.is_some());
                if names_version {
                    checked += 1;
                    assert!(full.era.is_modern(), "{text}");
                    if let Some(meta) = full.meta {
                        assert_eq!(layout.meta, meta.text, "{text}");
                    }
                }
            }
            if let Some(layout) = RequestProbe::layout("tools/call", Some(&params)) {
                let full = RequestProbe::of("tools/call", Some(&params));
                if let Ok(name) = full.mcp_name() {
                    named += 1;
                    assert_eq!(layout.name, name.as_deref(), "{text}");
                }
            }
        }
        assert!(named > 10, "{named}");
        assert!(checked > 500, "{checked}");
    }
}
