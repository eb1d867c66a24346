//! Members of a JSON object found without reading it, in the layouts clients write:
//! `_meta` last (`{"name":"echo",...,"_meta":{...}}`, as JavaScript clients write it) or
//! first (`{"_meta":{...},"name":"echo",...}`, as a sorted map or a Python model writes
//! it), and the string member next to it. Each finder answers only when the text leaves no
//! doubt and `None` otherwise, so a caller reads the object the usual way then; what they
//! find is what serde reads, given text that is valid JSON (the text of a
//! [`RawValue`](serde_json::value::RawValue)).

use std::sync::LazyLock;

use memchr::memmem::Finder;

/// Where `_meta` lies in an object's text: its value, and the cut that takes the member
/// out (with the comma that separates it from its neighbour), as byte ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MetaPlace {
    /// The value's range.
    pub value: (usize, usize),
    /// The range that [`without`](Self::without) removes.
    pub cut: (usize, usize),
    /// Whether `_meta` is the first member (else it is the last); the next member then
    /// starts where the cut ends.
    pub first: bool,
}

impl MetaPlace {
    /// The value in `text`; `None` when the place does not fit it.
    pub fn value<'a>(&self, text: &'a str) -> Option<&'a str> {
        text.get(self.value.0..self.value.1)
    }

    /// The object `text` without the member; `None` when the place does not fit it.
    ///
    /// ```
    /// use oxmcp_types::raw::meta_place;
    ///
    /// let last = r#"{"a":1, "_meta":{"k":2}}"#;
    /// assert_eq!(meta_place(last).unwrap().without(last).unwrap(), r#"{"a":1}"#);
    /// let first = r#"{ "_meta":{"k":2} , "a":1}"#;
    /// assert_eq!(meta_place(first).unwrap().without(first).unwrap(), r#"{"a":1}"#);
    /// ```
    pub fn without(&self, text: &str) -> Option<String> {
        let (before, after) = (text.get(..self.cut.0)?, text.get(self.cut.1..)?);
        let mut rest = String::with_capacity(before.len() + after.len());
        rest.push_str(before);
        rest.push_str(after);
        Some(rest)
    }
}

/// Whether JSON text `bytes` has a `\u` escape (or what looks like one): such a text may
/// spell a member name in escapes (`"input\u0052esponses"` is `inputResponses`), so a
/// search for the name as written cannot tell that it is absent; read the text instead.
///
/// ```
/// use oxmcp_types::raw::may_spell_in_escapes;
///
/// assert!(may_spell_in_escapes(br#"{"progress\u0054oken":1}"#));
/// assert!(!may_spell_in_escapes(br#"{"progressToken":"a\nb"}"#));
/// ```
pub fn may_spell_in_escapes(bytes: &[u8]) -> bool {
    static UNICODE_ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\\u"));
    // Most texts have no backslash at all: one byte is found faster than two.
    memchr::memchr(b'\\', bytes).is_some() && UNICODE_ESCAPE.find(bytes).is_some()
}

/// The `\u` escapes and the `_meta` key: a text with an escape may spell a key in escapes,
/// and one with the key twice has two members (or one inside another value).
fn single_meta_key(bytes: &[u8]) -> Option<usize> {
    const KEY: &[u8] = b"\"_meta\"";
    static FIND: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(KEY));
    if may_spell_in_escapes(bytes) {
        return None;
    }
    let at = FIND.find(bytes)?;
    if FIND.find(&bytes[at + 1..]).is_some() || escaped(bytes, at) {
        return None;
    }
    Some(at)
}

/// Where the value of the key whose opening quote is at `at` starts.
fn value_after_key(bytes: &[u8], at: usize, key_len: usize) -> Option<usize> {
    let colon = skip_ws(bytes, at + key_len + 2);
    (bytes.get(colon) == Some(&b':')).then(|| skip_ws(bytes, colon + 1))
}

/// Where `_meta` lies in the object `text` when it is written first or last. `None` when
/// the text has a `\u` escape (a key could spell `_meta` in escapes), `"_meta"` twice or
/// not at all, or when `_meta` is not plainly a key of the object.
///
/// Written first, the value is found by its brackets (it must be an object) and is one
/// JSON value. Otherwise it is taken to be last: the value is the text after the key up
/// to the object's closing brace, which is one JSON value only when the member is the
/// last one (in `{"a":{"_meta":1}}` it is `1}`); a caller checks it (a value it has read
/// before) before it relies on it.
///
/// ```
/// use oxmcp_types::raw::meta_place;
///
/// let text = r#"{"name":"echo","_meta":{"v":"1"}}"#;
/// let place = meta_place(text).unwrap();
/// assert_eq!((place.value(text), place.first), (Some(r#"{"v":"1"}"#), false));
/// assert_eq!(place.without(text).unwrap(), r#"{"name":"echo"}"#);
/// let text = r#"{"_meta":{"v":"}"},"name":"echo"}"#;
/// let place = meta_place(text).unwrap();
/// assert_eq!((place.value(text), place.first), (Some(r#"{"v":"}"}"#), true));
/// assert_eq!(&text[place.cut.1..], r#""name":"echo"}"#);
/// let inner = r#"{"a":{"_meta":{}}}"#;
/// assert!(meta_place(inner).is_some_and(|p| p.value(inner) != Some("{}")));
/// assert!(meta_place(r#"{"_m\u0065ta":{},"_meta":{}}"#).is_none());
/// ```
pub fn meta_place(text: &str) -> Option<MetaPlace> {
    let bytes = text.as_bytes();
    let at = single_meta_key(bytes)?;
    let open = skip_ws(bytes, 0);
    if bytes.get(open) != Some(&b'{') {
        return None;
    }
    if skip_ws(bytes, open + 1) == at {
        leading(text, at, open)
    } else {
        trailing(text, at)
    }
}

/// `_meta`, whose key is at `at`, as the last member.
fn trailing(text: &str, at: usize) -> Option<MetaPlace> {
    let bytes = text.as_bytes();
    let value_at = value_after_key(bytes, at, 5)?;
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace())?;
    if bytes[end] != b'}' {
        return None;
    }
    let value_end = value_at + text.get(value_at..end)?.trim_end_matches(is_ws).len();
    let head = text.get(..at)?.trim_end_matches(is_ws);
    let head = match head.strip_suffix(',') {
        Some(earlier) => earlier.trim_end_matches(is_ws),
        None if head.ends_with('{') => head,
        None => return None,
    };
    (value_end > value_at).then_some(MetaPlace {
        value: (value_at, value_end),
        cut: (head.len(), end),
        first: false,
    })
}

/// `_meta`, whose key is at `at`, as the first member of the object opened at `open`.
fn leading(text: &str, at: usize, open: usize) -> Option<MetaPlace> {
    let bytes = text.as_bytes();
    let value_at = value_after_key(bytes, at, 5)?;
    if bytes.get(value_at) != Some(&b'{') {
        return None;
    }
    let value_end = container_end(bytes, value_at)?;
    let after = skip_ws(bytes, value_end);
    let next = match bytes.get(after) {
        Some(b',') => skip_ws(bytes, after + 1),
        Some(b'}') => after,
        _ => return None,
    };
    Some(MetaPlace {
        value: (value_at, value_end),
        cut: (open + 1, next),
        first: true,
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
    if bytes.get(open) != Some(&b'{') {
        return None;
    }
    string_member_at(text, skip_ws(bytes, open + 1), key)
}

/// The member that starts at `at` in `text` when its key is `key` and its value a string
/// without escapes: that string's text.
///
/// ```
/// use oxmcp_types::raw::string_member_at;
///
/// let text = r#"{"_meta":{},"name":"echo"}"#;
/// assert_eq!(string_member_at(text, 12, "name"), Some("echo"));
/// assert_eq!(string_member_at(text, 1, "name"), None);
/// ```
pub fn string_member_at<'a>(text: &'a str, at: usize, key: &str) -> Option<&'a str> {
    let bytes = text.as_bytes();
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let after_key = at + 1 + key.len();
    if text.get(at + 1..after_key) != Some(key) || bytes.get(after_key) != Some(&b'"') {
        return None;
    }
    let start = value_after_key(bytes, at, key.len())?;
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let rest = text.get(start + 1..)?;
    let len = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
    (rest.as_bytes()[len] == b'"').then(|| &rest[..len])
}

/// The end of the object or array that opens at `at` (one past its closing bracket),
/// skipping strings a word at a time; `None` when it does not close.
fn container_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                i = string_end(bytes, i)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// One past the closing quote of the string whose opening quote is at `at`.
fn string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        i += memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
        if bytes[i] == b'"' {
            return Some(i + 1);
        }
        i += 2;
    }
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

    /// `place` took `_meta` out of `text` as serde sees it.
    fn as_serde_reads(text: &str, place: MetaPlace) {
        let serde: Map<String, Value> = serde_json::from_str(text).unwrap();
        let value: Value = serde_json::from_str(place.value(text).unwrap()).unwrap();
        assert_eq!(Some(&value), serde.get("_meta"), "{text}");
        let rest: Map<String, Value> = serde_json::from_str(&place.without(text).unwrap()).unwrap();
        let mut expected = serde;
        expected.remove("_meta");
        assert_eq!(rest, expected, "{text}");
    }

    #[test]
    fn a_trailing_meta_is_what_serde_reads() {
        for text in [
            r#"{"_meta":{}}"#,
            r#"{"name":"echo","arguments":{"text":"x"},"_meta":{"a":[1,{"b":"}"}]}}"#,
            "{ \"a\" : 1 ,\n \"_meta\" : { \"k\" : null } \n}",
            r#"{"a":"\"_met","_meta":{"k":"a\"b"}}"#,
        ] {
            as_serde_reads(text, meta_place(text).unwrap());
        }
    }

    #[test]
    fn a_leading_meta_is_what_serde_reads() {
        for text in [
            r#"{"_meta":{}}"#,
            r#"{"_meta":{"a":[1,{"b":"}]"}],"c":"\\"},"name":"echo","arguments":{}}"#,
            "{ \"_meta\" : { \"k\" : null } ,\n \"a\" : 1 \n}",
        ] {
            let place = meta_place(text).unwrap();
            assert!(place.first, "{text}");
            as_serde_reads(text, place);
        }
        for text in [
            r#"{"_meta":null,"name":"echo"}"#,
            r#"{"_meta":{},"_meta":{}}"#,
            r#"{"_meta":{"k":"\u0041"}}"#,
            r#"{"_meta":{"k":1}"#,
        ] {
            assert_eq!(meta_place(text), None, "{text}");
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
            assert_eq!(meta_place(text), None, "{text}");
        }
        // Neither first nor last: found, but the value is not one JSON value (what a
        // caller checks).
        for text in [
            r#"{"a":1,"_meta":{},"name":"e"}"#,
            r#"{"a":{"_meta":{"k":1}}}"#,
        ] {
            let place = meta_place(text).unwrap();
            assert!(
                serde_json::from_str::<Value>(place.value(text).unwrap()).is_err(),
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
