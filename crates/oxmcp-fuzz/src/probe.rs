//! The target over the reading of a modern request's params without parsing them
//! ([`RequestProbe::layout`], [`meta_place`]) against reading them whole.

use oxmcp_types::era::{RequestProbe, classify_request};
use oxmcp_types::raw::meta_place;
use std::collections::HashSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
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
    // A `_meta` naming a key twice is malformed (the engine's typed reads refuse it, where
    // `Value` keeps the last one); `initialize` is a handshake whatever its `_meta` says
    // (the HTTP layer does not look for its layout).
    let names_version = method != "initialize"
        && meta
            .get("io.modelcontextprotocol/protocolVersion")
            .is_some_and(Value::is_string)
        && place.value(text).is_some_and(|m| !has_duplicate_keys(m));
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

/// Whether the JSON `text` names a key twice in one of its objects, at any depth.
fn has_duplicate_keys(text: &str) -> bool {
    serde_json::from_str::<Duplicates>(text).is_ok_and(|d| d.0)
}

/// Whether a value has an object that names a key twice.
struct Duplicates(bool);

impl<'de> Deserialize<'de> for Duplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DuplicatesVisitor)
    }
}

struct DuplicatesVisitor;

impl<'de> Visitor<'de> for DuplicatesVisitor {
    type Value = Duplicates;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Duplicates, E> {
        Ok(Duplicates(false))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Duplicates, E> {
        Ok(Duplicates(false))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Duplicates, E> {
        Ok(Duplicates(false))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Duplicates, E> {
        Ok(Duplicates(false))
    }

    fn visit_str<E>(self, _: &str) -> Result<Duplicates, E> {
        Ok(Duplicates(false))
    }

    fn visit_unit<E>(self) -> Result<Duplicates, E> {
        Ok(Duplicates(false))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Duplicates, A::Error> {
        let mut any = false;
        while let Some(Duplicates(inner)) = seq.next_element()? {
            any |= inner;
        }
        Ok(Duplicates(any))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Duplicates, A::Error> {
        let (mut seen, mut any) = (HashSet::new(), false);
        while let Some(key) = map.next_key::<String>()? {
            any |= !seen.insert(key);
            let Duplicates(inner) = map.next_value()?;
            any |= inner;
        }
        Ok(Duplicates(any))
    }
}

#[cfg(test)]
mod tests {
    use super::has_duplicate_keys;

    #[test]
    fn duplicate_keys_are_found_at_any_depth() {
        assert!(!has_duplicate_keys(
            r#"{"a":1,"b":[{"a":2},{"a":3}],"c":{"d":null}}"#
        ));
        assert!(has_duplicate_keys(r#"{"a":1,"a":1}"#));
        assert!(has_duplicate_keys(r#"{"a":{"b":[{"c":1,"c":2}]}}"#));
        assert!(!has_duplicate_keys("not json"));
    }
}
