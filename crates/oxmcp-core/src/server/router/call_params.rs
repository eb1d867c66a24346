//! The params of a `tools/call` as the router reads them: everything
//! [`CallToolRequestParams`] holds, but `_meta` kept as its raw text until something needs
//! it. A modern request's `_meta` carries the client's capabilities and info, read for the
//! request's state already (see [`ModernContext`](crate::session::ModernContext)); a call
//! that runs its tool directly never reads it again.

use oxmcp_types::modern::InputResponses;
use oxmcp_types::raw::MetaPlace;
use oxmcp_types::{CallToolRequestParams, ErrorData, JsonObject, TaskMetadata};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A `tools/call`'s params, `_meta` unread.
pub(super) struct CallParams<'a> {
    pub(super) name: String,
    pub(super) arguments: Option<JsonObject>,
    pub(super) task: Option<TaskMetadata>,
    input_responses: Option<InputResponses>,
    request_state: Option<String>,
    /// `_meta`'s raw text (an object).
    meta: Option<Cow<'a, str>>,
    extra: JsonObject,
}

/// The params as serde reads them, `_meta` kept raw. Read by hand ([`BodyVisitor`]): a
/// derived reader with a flattened `extra` would buffer every member first.
struct Body {
    name: String,
    arguments: Option<JsonObject>,
    task: Option<TaskMetadata>,
    input_responses: Option<InputResponses>,
    request_state: Option<String>,
    meta: Option<Box<RawValue>>,
    extra: JsonObject,
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BodyVisitor)
    }
}

/// Reads the members of [`Body`] as a derived reader would: a known member twice is an
/// error, an absent or `null` optional one is none, any other member goes to `extra`.
struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Body;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the params of a tools/call")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body, A::Error> {
        let mut name = None;
        let mut arguments = None;
        let mut task = None;
        let mut input_responses = None;
        let mut request_state = None;
        let mut meta = None;
        let mut extra = JsonObject::new();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Name => once(&mut name, "name", map.next_value()?)?,
                Key::Arguments => once(&mut arguments, "arguments", map.next_value()?)?,
                Key::Task => once(&mut task, "task", map.next_value()?)?,
                Key::InputResponses => {
                    once(&mut input_responses, "inputResponses", map.next_value()?)?;
                }
                Key::RequestState => {
                    once(&mut request_state, "requestState", map.next_value()?)?;
                }
                Key::Meta => once(&mut meta, "_meta", map.next_value()?)?,
                Key::Other(key) => {
                    extra.insert(key, map.next_value()?);
                }
            }
        }
        Ok(Body {
            name: name.ok_or_else(|| de::Error::missing_field("name"))?,
            arguments: arguments.flatten(),
            task: task.flatten(),
            input_responses: input_responses.flatten(),
            request_state: request_state.flatten(),
            meta: meta.flatten(),
            extra,
        })
    }
}

/// Sets a member's slot, refusing a member read before.
fn once<T, E: de::Error>(slot: &mut Option<T>, key: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(key));
    }
    *slot = Some(value);
    Ok(())
}

/// A member's key: one [`Body`] names, or another, kept for `extra`.
enum Key {
    Name,
    Arguments,
    Task,
    InputResponses,
    RequestState,
    Meta,
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match key {
            "name" => Key::Name,
            "arguments" => Key::Arguments,
            "task" => Key::Task,
            "inputResponses" => Key::InputResponses,
            "requestState" => Key::RequestState,
            "_meta" => Key::Meta,
            other => Key::Other(other.to_owned()),
        })
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<Key, E> {
        match self.visit_str::<E>(&key)? {
            Key::Other(_) => Ok(Key::Other(key)),
            known => Ok(known),
        }
    }
}

impl<'a> CallParams<'a> {
    /// Reads `params` (absent ones as `{}`); -32602 when they are not a `tools/call`'s, a
    /// `_meta` that is not an object included. When the request's transport found where
    /// its `_meta` lies (see [`ModernState::meta_place`]), the rest is read without it, so
    /// that its bytes are not read again.
    ///
    /// [`ModernState::meta_place`]: crate::session::ModernState::meta_place
    pub(super) fn read(
        params: Option<&'a RawValue>,
        place: Option<MetaPlace>,
    ) -> Result<Self, ErrorData> {
        let text = params.map_or("{}", RawValue::get);
        let set_aside = place.and_then(|p| Some((p.without(text)?, p.value(text)?)));
        let (body, meta) = match set_aside {
            Some((rest, value)) => (parse(&rest)?, Some(Cow::Borrowed(value))),
            None => {
                let mut body = parse(text)?;
                let meta = body.meta.take().map(|m| Cow::Owned(String::from(m.get())));
                (body, meta)
            }
        };
        // A `null` `_meta` is none; a raw value has no whitespace around it.
        let meta = meta.filter(|m| m != "null");
        if meta.as_ref().is_some_and(|m| !m.starts_with('{')) {
            return Err(ErrorData::invalid_params(
                "invalid params: `_meta` must be an object",
            ));
        }
        Ok(Self {
            name: body.name,
            arguments: body.arguments,
            task: body.task,
            input_responses: body.input_responses,
            request_state: body.request_state,
            meta,
            extra: body.extra,
        })
    }

    /// The params whole, `_meta` read.
    pub(super) fn into_params(self) -> Result<CallToolRequestParams, ErrorData> {
        let meta = self
            .meta
            .map(|m| serde_json::from_str::<JsonObject>(&m))
            .transpose()
            .map_err(|e| ErrorData::invalid_params(format!("invalid params: {e}")))?;
        let mut params = CallToolRequestParams::new(self.name);
        params.arguments = self.arguments;
        params.task = self.task;
        params.input_responses = self.input_responses;
        params.request_state = self.request_state;
        params.meta = meta;
        params.extra = self.extra;
        Ok(params)
    }
}

fn parse(text: &str) -> Result<Body, ErrorData> {
    serde_json::from_str(text)
        .map_err(|e| ErrorData::invalid_params(format!("invalid params: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    /// Read without and with `_meta`'s place, where a transport could know it: when the
    /// `_meta` found is one JSON value (one it read before).
    fn claims(text: &str) -> Vec<Option<MetaPlace>> {
        let place = oxmcp_types::raw::meta_place(text)
            .filter(|p| serde_json::from_str::<serde_json::Value>(p.value(text).unwrap()).is_ok());
        std::iter::once(None).chain(place.map(Some)).collect()
    }

    /// Read lazily then whole, the params are what reading them at once gives; refused
    /// where that refuses them.
    #[test]
    fn the_params_are_those_read_at_once() {
        for text in [
            r#"{"name":"echo"}"#,
            r#"{"name":"echo","arguments":{"a":[1,2]},"_meta":{"progressToken":"p","x":{"y":1}}}"#,
            r#"{"name":"e","task":{"ttl":5},"inputResponses":{"k":{"action":"cancel"}},"requestState":"s","z":1}"#,
            r#"{"name":"e","_meta":null}"#,
            r#"{ "_meta" : {"a":"}"} , "name" : "e" , "arguments" : {"_meta":1} }"#,
            r#"{ "name" : "e" , "arguments" : {"a":1} , "_meta" : {"a":"}"} }"#,
            r#"{"name":"e","_m\u0065ta":{"k":1}}"#,
            r#"{"name":"e","x":"\"_meta\""}"#,
            r#"{"name":"e","z":1,"z":{"a":null},"arguments":null,"task":null}"#,
            r#"{"n\u0061me":"e","requestState":null,"inputResponses":null,"other":[1,"x"]}"#,
        ] {
            let params = raw(text);
            let at_once: CallToolRequestParams = serde_json::from_str(text).unwrap();
            for place in claims(text) {
                let lazily = CallParams::read(Some(&params), place)
                    .unwrap()
                    .into_params()
                    .unwrap();
                assert_eq!(
                    serde_json::to_value(&lazily).unwrap(),
                    serde_json::to_value(&at_once).unwrap(),
                    "{text}"
                );
            }
        }
        for text in [
            r#"{"arguments":{}}"#,
            r#"{"name":"e","_meta":5}"#,
            r#"{"name":"e","_meta":[]}"#,
            r#"{"name":"e","arguments":[]}"#,
            r#"{"name":"e","_meta":{},"_meta":{}}"#,
            r#"{"name":"e","_meta":{},"name":"f"}"#,
            r#"{"name":"e","arguments":{},"arguments":{}}"#,
            r#"{"name":"e","requestState":1}"#,
            r#"{"name":null}"#,
            r#"[]"#,
        ] {
            assert!(
                serde_json::from_str::<CallToolRequestParams>(text).is_err(),
                "{text}"
            );
            let params = raw(text);
            for place in claims(text) {
                let error = CallParams::read(Some(&params), place).err().unwrap();
                assert_eq!(error.code, oxmcp_types::ErrorCode::INVALID_PARAMS, "{text}");
            }
        }
    }
}
