//! The related-task `_meta` (`io.modelcontextprotocol/related-task`) written into JSON
//! objects: the result `tasks/result` returns, and the params of every request and
//! notification a task's work sends. Everything else of the object is kept byte for byte and
//! in its order, so that `tasks/result` returns exactly what the request would have returned,
//! plus the one key the spec requires.

use std::fmt;

use oxmcp_types::tasks::RELATED_TASK_META_KEY;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The members of a JSON object, in order, with raw values.
struct Members(Vec<(String, Box<RawValue>)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

impl Members {
    fn parse(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// Replaces the value of `key`, or appends it.
    fn set(&mut self, key: &str, value: Box<RawValue>) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key.to_owned(), value)),
        }
    }

    fn get(&self, key: &str) -> Option<&RawValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| &**v)
    }

    fn write(&self) -> Result<Box<RawValue>, serde_json::Error> {
        let mut out = String::with_capacity(
            2 + self
                .0
                .iter()
                .map(|(k, v)| k.len() + v.get().len() + 4)
                .sum::<usize>(),
        );
        out.push('{');
        for (i, (key, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(key)?);
            out.push(':');
            out.push_str(value.get());
        }
        out.push('}');
        RawValue::from_string(out)
    }
}

/// `object` (a JSON object; `None` is `{}`) with `_meta["io.modelcontextprotocol/related-task"]`
/// set to `{"taskId": task_id}`. Other members of the object and of `_meta` are kept as they
/// are, in order. Fails when `object` is not a JSON object.
pub(crate) fn with_related_task(
    object: Option<&RawValue>,
    task_id: &str,
) -> Result<Box<RawValue>, serde_json::Error> {
    let mut members = match object {
        Some(raw) => Members::parse(raw.get())?,
        None => Members(Vec::new()),
    };
    let mut meta = match members.get("_meta") {
        Some(raw) => Members::parse(raw.get()).unwrap_or(Members(Vec::new())),
        None => Members(Vec::new()),
    };
    let related = serde_json::value::to_raw_value(&serde_json::json!({ "taskId": task_id }))?;
    meta.set(RELATED_TASK_META_KEY, related);
    members.set("_meta", meta.write()?);
    members.write()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn appends_meta_and_keeps_everything_else_byte_for_byte() {
        let result = raw(r#"{"z":1,"content":[{"type":"text","text":"a\u00e9"}],"isError":true}"#);
        let out = with_related_task(Some(&result), "t1").unwrap();
        assert_eq!(
            out.get(),
            r#"{"z":1,"content":[{"type":"text","text":"a\u00e9"}],"isError":true,"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}}}"#
        );
    }

    #[test]
    fn merges_into_an_existing_meta_and_replaces_a_stale_entry() {
        let result = raw(
            r#"{"_meta":{"b":2,"io.modelcontextprotocol/related-task":{"taskId":"old"},"a":1},"x":null}"#,
        );
        let out = with_related_task(Some(&result), "new").unwrap();
        assert_eq!(
            out.get(),
            r#"{"_meta":{"b":2,"io.modelcontextprotocol/related-task":{"taskId":"new"},"a":1},"x":null}"#
        );
    }

    #[test]
    fn absent_params_become_an_object_and_non_objects_are_refused() {
        let out = with_related_task(None, "t").unwrap();
        assert_eq!(
            out.get(),
            r#"{"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t"}}}"#
        );
        assert!(with_related_task(Some(&raw("[1]")), "t").is_err());
        let bad_meta = with_related_task(Some(&raw(r#"{"_meta":7}"#)), "t").unwrap();
        assert_eq!(
            bad_meta.get(),
            r#"{"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t"}}}"#
        );
    }
}
