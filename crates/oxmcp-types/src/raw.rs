//! Members of a JSON object found without reading it, in the layout clients write: the
//! first member (`{"name":"echo",...`) and the last one (`...,"_meta":{...}}`). Each finder
//! answers only when the text leaves no doubt and `None` otherwise, so a caller reads the
//! object the usual way then; what they find is what serde reads, given text that is valid
//! JSON (the text of a [`RawValue`](serde_json::value::RawValue)).

use std::sync::LazyLock;

use memchr::memmem::Finder;

/// The last member of an object, when it is the only member with its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Trailing<'a> {
    /// The member's value, as it stands in the text (not checked: see [`trailing_meta`]).
    pub value: &'a str,
    /// The object's text before the member, without the comma that separates them: `{`
    /// and the members before it.
    pub head: &'a str,
    /// Where the value starts in the text.
    pub value_at: usize,
}

impl<'a> Trailing<'a> {
    /// The same member of the same `text`, from where [`head`](Self::head) ends and
    /// [`value_at`](Self::value_at): what a caller that was handed those two numbers
    /// rebuilds without searching again. `None` when they do not fit the text.
    ///
    /// ```
    /// use oxmcp_types::raw::{Trailing, trailing_meta};
    /// let text = r#"{"a":1, "_meta":{"k":2}}"#;
    /// let t = trailing_meta(text).unwrap();
    /// assert_eq!(Trailing::at(text, t.head.len(), t.value_at), Some(t));
    /// ```
    pub fn at(text: &'a str, head_len: usize, value_at: usize) -> Option<Self> {
        let head = text.get(..head_len)?;
        let end = text.trim_end_matches(is_ws).strip_suffix('}')?.len();
        let value = text.get(value_at..end)?.trim_end_matches(is_ws);
        (head_len < value_at && !value.is_empty()).then_some(Self {
            value,
            head,
            value_at,
        })
    }

    /// The object without the member: its head, closed.
    ///
    /// ```
    /// let t = oxmcp_types::raw::trailing_meta(r#"{"a":1, "_meta":{"k":2}}"#).unwrap();
    /// assert_eq!(t.without(), r#"{"a":1}"#);
    /// ```
    pub fn without(&self) -> String {
        let mut text = String::with_capacity(self.head.len() + 1);
        text.push_str(self.head);
        text.push('}');
        text
    }
}

/// The `_meta` member of the object `text` when it is written last: the text after its
/// key up to the object's closing brace. `None` when the text has a `\u` escape (a key
/// could spell `_meta` in escapes), `"_meta"` twice or not at all, or when `_meta` is not
/// plainly a key.
///
/// The value is returned as it stands and is one JSON value only when the member is the
/// object's last one: in `{"a":{"_meta":1}}` it is `1}`. A caller checks it (a balanced
/// value, or one it has read before) before it relies on it.
///
/// ```
/// use oxmcp_types::raw::trailing_meta;
///
/// let t = trailing_meta(r#"{"name":"echo","_meta":{"v":"1"}}"#).unwrap();
/// assert_eq!((t.head, t.value), (r#"{"name":"echo""#, r#"{"v":"1"}"#));
/// assert!(trailing_meta(r#"{"_meta":{},"name":"echo"}"#).is_some_and(|t| t.value != "{}"));
/// assert!(trailing_meta(r#"{"_m\u0065ta":{},"_meta":{}}"#).is_none());
/// ```
pub fn trailing_meta(text: &str) -> Option<Trailing<'_>> {
    const KEY: &[u8] = b"\"_meta\"";
    static FIND: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(KEY));
    static UNICODE_ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u"));
    let bytes = text.as_bytes();
    if UNICODE_ESCAPE.find(bytes).is_some() {
        return None;
    }
    // (A reverse search would look where `_meta` usually is, but it has no vectorized
    // prefilter: two forward ones cost less.)
    let at = FIND.find(bytes)?;
    if FIND.find(&bytes[at + 1..]).is_some() || escaped(bytes, at) {
        return None;
    }
    let colon = skip_ws(bytes, at + KEY.len());
    if bytes.get(colon) != Some(&b':') {
        return None;
    }
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace())?;
    if bytes[end] != b'}' {
        return None;
    }
    let value_at = skip_ws(bytes, colon + 1);
    let value = text.get(value_at..end)?.trim_end_matches(is_ws);
    let head = text.get(..at)?.trim_end_matches(is_ws);
    let head = match head.strip_suffix(',') {
        Some(earlier) => earlier.trim_end_matches(is_ws),
        None if head.ends_with('{') => head,
        None => return None,
    };
    (!value.is_empty()).then_some(Trailing {
        value,
        head,
        value_at,
    })
}

/// The first member of the object `text` when its key is `key` and its value a string
/// without escapes: that string's text.
///
/// ```
/// use oxmcp_types::raw::first_string;
///
/// assert_eq!(first_string(r#"{ "name" : "echo", "arguments":{}}"#, "name"), Some("echo"));
/// assert_eq!(first_string(r#"{"arguments":{},"name":"echo"}"#, "name"), None);
/// assert_eq!(first_string(r#"{"name":"a\"b"}"#, "name"), None);
/// ```
pub fn first_string<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let bytes = text.as_bytes();
    let open = skip_ws(bytes, 0);
    let quote = skip_ws(bytes, open + 1);
    if bytes.get(open) != Some(&b'{') || bytes.get(quote) != Some(&b'"') {
        return None;
    }
    let after_key = quote + 1 + key.len();
    if text.get(quote + 1..after_key) != Some(key) || bytes.get(after_key) != Some(&b'"') {
        return None;
    }
    let colon = skip_ws(bytes, after_key + 1);
    let start = skip_ws(bytes, colon + 1);
    if bytes.get(colon) != Some(&b':') || bytes.get(start) != Some(&b'"') {
        return None;
    }
    let rest = text.get(start + 1..)?;
    let len = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
    (rest.as_bytes()[len] == b'"').then(|| &rest[..len])
}

/// Whether `c` is JSON whitespace.
fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// Whether the quote at `at` is escaped (preceded by an odd run of backslashes).
fn escaped(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count()
        % 2
        == 1
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};

    use super::*;

    #[test]
    fn a_trailing_meta_is_what_serde_reads() {
        for text in [
            r#"{"_meta":{}}"#,
            r#"{"name":"echo","arguments":{"text":"x"},"_meta":{"a":[1,{"b":"}"}]}}"#,
            "{ \"a\" : 1 ,\n \"_meta\" : { \"k\" : null } \n}",
            r#"{"a":"\"_met","_meta":{"k":"a\"b"}}"#,
        ] {
            let found = trailing_meta(text).unwrap();
            let serde: Map<String, Value> = serde_json::from_str(text).unwrap();
            let value: Value = serde_json::from_str(found.value).unwrap();
            assert_eq!(Some(&value), serde.get("_meta"), "{text}");
            let rest: Map<String, Value> = serde_json::from_str(&found.without()).unwrap();
            let mut expected = serde.clone();
            expected.remove("_meta");
            assert_eq!(rest, expected, "{text}");
        }
    }

    #[test]
    fn anything_else_is_left_to_serde() {
        for text in [
            r#"{"name":"echo"}"#,
            r#"{"_meta":{},"_meta":{}}"#,
            r#"{"_m\u0065ta":{},"_meta":{}}"#,
            r#"{"a":"\"_meta\"","b":1}"#,
            r#"{"a":["_meta"]}"#,
            r#"{"a":"_meta"}"#,
            r#"{"a":1 "_meta":{}}"#,
        ] {
            assert_eq!(trailing_meta(text), None, "{text}");
        }
        // Not last: found, but the value is not one JSON value (what a caller checks).
        for text in [r#"{"_meta":{},"name":"e"}"#, r#"{"a":{"_meta":{"k":1}}}"#] {
            let found = trailing_meta(text).unwrap();
            assert!(
                serde_json::from_str::<Value>(found.value).is_err(),
                "{text}"
            );
        }
    }

    #[test]
    fn the_first_string_is_the_first_members_only() {
        assert_eq!(first_string(r#"{"name":"echo"}"#, "name"), Some("echo"));
        assert_eq!(first_string(r#"{"name":""}"#, "name"), Some(""));
        assert_eq!(
            first_string("{\n\t\"uri\" :\"file:///a\"}", "uri"),
            Some("file:///a")
        );
        for (text, key) in [
            (r#"{"names":"echo"}"#, "name"),
            (r#"{"name":5}"#, "name"),
            (r#"{"name":null}"#, "name"),
            (r#"{"nam\u0065":"echo"}"#, "name"),
            (r#"{"name":"unterminated"#, "name"),
            (r#"["name","echo"]"#, "name"),
            ("", "name"),
        ] {
            assert_eq!(first_string(text, key), None, "{text}");
        }
    }
}
