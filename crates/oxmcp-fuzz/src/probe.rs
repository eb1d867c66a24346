//! The target over the reading of a modern request's params without parsing them
//! ([`RequestProbe::layout`], [`meta_place`]) against reading them whole.

use oxmcp_types::era::{RequestProbe, classify_request};
use oxmcp_types::raw::meta_place;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Reads the text after the first newline as params of the method before it (params that
/// are not valid JSON are skipped: the decoder refuses them first). The full read agrees
/// with `classify_request`; where `_meta` is found by the layout and is one JSON value, it
/// is `_meta` as serde reads it, the params without it are the rest as serde reads them,
/// and a `_meta` naming a version makes the request modern with that very `_meta`.
pub fn request_probe(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (method, params) = text.split_once('\n').unwrap_or(("tools/call", text));
    let Ok(params) = serde_json::from_str::<&RawValue>(params) else {
        return;
    };
    let full = RequestProbe::of(method, Some(params));
    assert_eq!(full.era, classify_request(method, Some(params)));
    let text = params.get();
    let Some(place) = meta_place(text) else {
        return;
    };
    let Some(Ok(meta)) = place.value(text).map(serde_json::from_str::<Value>) else {
        return;
    };
    // One JSON value: `_meta` was the first or the last member.
    let mut expected: Map<String, Value> =
        serde_json::from_str(text).expect("an object with `_meta`");
    assert_eq!(expected.remove("_meta"), Some(meta.clone()), "{text}");
    let rest = place.without(text).expect("the place fits the text");
    let rest: Map<String, Value> = serde_json::from_str(&rest).expect("the rest is an object");
    assert_eq!(rest, expected, "{text}");
    let names_version = meta
        .get("io.modelcontextprotocol/protocolVersion")
        .is_some_and(Value::is_string);
    if let (Some(layout), true) = (RequestProbe::layout(method, Some(params)), names_version) {
        assert!(full.era.is_modern(), "{text}");
        if let Some(read) = full.meta {
            assert_eq!(layout.meta, read.text, "{text}");
        }
        if let Ok(name) = full.mcp_name() {
            assert_eq!(layout.name, name.as_deref(), "{text}");
        }
    }
}
