//! Decoding one JSON-RPC message (or a batch) from bytes, with limits and precise errors.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{ErrorData, ErrorResponse, Message, Notification, Request, RequestId, Response};

/// The default maximum nesting depth of arrays and objects in a message.
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// Why bytes could not be decoded into a message.
///
/// ```
/// use oxmcp_types::{DecodeError, ErrorCode, Message};
///
/// let err = Message::from_slice(b"{not json").unwrap_err();
/// assert!(matches!(err, DecodeError::Parse(_)));
/// assert_eq!(err.to_error_response().error.code, ErrorCode::PARSE_ERROR);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Not valid JSON (or not valid UTF-8): answered with -32700.
    #[error("parse error: {0}")]
    Parse(String),
    /// Nested deeper than the limit: answered with -32600 before the JSON is parsed.
    #[error("message nests deeper than {limit} levels")]
    TooDeep {
        /// The configured depth limit.
        limit: usize,
    },
    /// Valid JSON that is not a valid JSON-RPC message: answered with -32600.
    #[error("invalid request: {reason}")]
    Invalid {
        /// The id, when it could be read.
        id: Option<RequestId>,
        /// What is wrong.
        reason: String,
    },
}

impl DecodeError {
    /// The error response that answers the undecodable message.
    pub fn to_error_response(&self) -> ErrorResponse {
        match self {
            Self::Parse(reason) => ErrorResponse::new(
                None,
                ErrorData::parse_error(format!("parse error: {reason}")),
            ),
            Self::TooDeep { .. } => {
                ErrorResponse::new(None, ErrorData::invalid_request(self.to_string()))
            }
            Self::Invalid { id, reason } => {
                ErrorResponse::new(id.clone(), ErrorData::invalid_request(reason.clone()))
            }
        }
    }

    fn invalid(id: Option<RequestId>, reason: impl Into<String>) -> Self {
        Self::Invalid {
            id,
            reason: reason.into(),
        }
    }
}

impl Message {
    /// Decodes one message with the default depth limit. A JSON array (a batch) is refused;
    /// use [`decode_batch`] where the negotiated revision allows batches.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, DecodeError> {
        decode(bytes, DEFAULT_MAX_DEPTH)
    }
}

/// Decodes one message, refusing anything nested deeper than `max_depth`.
///
/// Duplicate envelope keys are refused (`{"id":1,"id":2,...}` is -32600), not "last wins".
///
/// ```
/// use oxmcp_types::jsonrpc::{decode, DecodeError};
///
/// let dup = br#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#;
/// assert!(matches!(decode(dup, 64), Err(DecodeError::Invalid { .. })));
/// let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
/// assert!(matches!(decode(deep.as_bytes(), 64), Err(DecodeError::TooDeep { limit: 64 })));
/// ```
pub fn decode(bytes: &[u8], max_depth: usize) -> Result<Message, DecodeError> {
    let text = check_utf8(bytes)?;
    check_depth(text.as_bytes(), max_depth)?;
    if first_byte(text.as_bytes()) == Some(b'[') {
        // Parse anyway so that invalid JSON still gets -32700.
        serde_json::from_str::<IgnoredAny>(text).map_err(parse_error)?;
        return Err(DecodeError::invalid(
            None,
            "JSON-RPC batches are not supported by the negotiated protocol version",
        ));
    }
    decode_unchecked(text)
}

/// Decodes a message that may be a batch (a JSON array of messages), as the 2025-03-26
/// revision requires receivers to accept. Each element is decoded on its own, so one bad
/// element does not spoil the others. An empty array is -32600.
pub fn decode_batch(
    bytes: &[u8],
    max_depth: usize,
) -> Result<Vec<Result<Message, DecodeError>>, DecodeError> {
    let text = check_utf8(bytes)?;
    check_depth(text.as_bytes(), max_depth)?;
    if first_byte(text.as_bytes()) != Some(b'[') {
        return decode_unchecked(text).map(|m| vec![Ok(m)]);
    }
    let items: Vec<&RawValue> = serde_json::from_str(text).map_err(parse_error)?;
    if items.is_empty() {
        return Err(DecodeError::invalid(None, "empty batch"));
    }
    Ok(items
        .into_iter()
        .map(|raw| decode_unchecked(raw.get()))
        .collect())
}

/// The number of elements of the JSON array `bytes`, counting no further than `stop`: a scan
/// of the top level that decodes and allocates nothing, so that a size limit on batches can be
/// checked before any element is decoded. Input that is not a valid array gets some count; the
/// decoder refuses it afterwards.
///
/// ```
/// use oxmcp_types::jsonrpc::batch_len;
/// assert_eq!(batch_len(br#"[{"a":[1,2]},"x,y",3]"#, 10), 3);
/// assert_eq!(batch_len(b"[0,0,0,0,0,0]", 3), 3, "stops at the limit");
/// ```
pub fn batch_len(bytes: &[u8], stop: usize) -> usize {
    let (mut depth, mut commas, mut any) = (0usize, 0usize, false);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'[' | b'{' => {
                any |= depth == 1;
                depth += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => {
                commas += 1;
                if commas >= stop {
                    return stop;
                }
            }
            b'"' => {
                any |= depth == 1;
                in_string = true;
            }
            b if b.is_ascii_whitespace() => {}
            _ => any |= depth == 1,
        }
    }
    if any { (commas + 1).min(stop) } else { 0 }
}

/// Decodes `text`, checked to be UTF-8 already: read as a `str`, the strings and raw
/// values in it are not checked again.
fn decode_unchecked(text: &str) -> Result<Message, DecodeError> {
    let env: Envelope<'_> = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => DecodeError::invalid(None, e.to_string()),
        _ => parse_error(e),
    })?;
    env.into_message()
}

#[expect(clippy::needless_pass_by_value, reason = "passed to `map_err` by name")]
fn parse_error(e: serde_json::Error) -> DecodeError {
    DecodeError::Parse(e.to_string())
}

/// JSON-RPC text must be UTF-8; the parser does not look inside every string it skips, so the
/// whole input is checked once up front, and then read as text.
fn check_utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|e| DecodeError::Parse(format!("invalid UTF-8: {e}")))
}

fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Rejects input nested deeper than `limit`, in one pass over the bytes, before any parsing
/// (so that no parser recursion is spent on hostile input).
fn check_depth(bytes: &[u8], limit: usize) -> Result<(), DecodeError> {
    // Nesting never goes deeper than there are opening brackets: most messages have a
    // handful, counted far faster than the walk below.
    if opening_brackets(bytes, limit) <= limit {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return Err(DecodeError::TooDeep { limit });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// How many `{` and `[` `bytes` holds (in strings too), counting no further than just past
/// `limit`. Counted a block at a time into a byte-wide counter, which the compiler turns
/// into vector compares: a search per bracket costs more on the small messages that are
/// the common case.
fn opening_brackets(bytes: &[u8], limit: usize) -> usize {
    let mut total = 0usize;
    for block in bytes.chunks(u8::MAX as usize) {
        let mut count = 0u8;
        for &b in block {
            count += u8::from(b == b'{' || b == b'[');
        }
        total += usize::from(count);
        if total > limit {
            break;
        }
    }
    total
}

/// The envelope as read: every member kept raw, duplicates refused.
#[derive(Default)]
struct Envelope<'a> {
    jsonrpc: Option<&'a RawValue>,
    id: Option<&'a RawValue>,
    method: Option<&'a RawValue>,
    params: Option<&'a RawValue>,
    result: Option<&'a RawValue>,
    error: Option<&'a RawValue>,
}

impl<'a> Envelope<'a> {
    fn into_message(self) -> Result<Message, DecodeError> {
        let id = self.read_id()?;
        let version_ok = self.jsonrpc.is_some_and(|v| v.get() == "\"2.0\"");
        if !version_ok {
            return Err(DecodeError::invalid(id, "`jsonrpc` must be \"2.0\""));
        }
        match (self.method, self.result, self.error) {
            (Some(method), None, None) => {
                let method: String = serde_json::from_str(method.get())
                    .map_err(|_| DecodeError::invalid(id.clone(), "`method` must be a string"))?;
                let params = match self.params {
                    None => None,
                    Some(p) if p.get().starts_with('{') => Some(p.to_owned()),
                    Some(_) => {
                        return Err(DecodeError::invalid(id, "`params` must be an object"));
                    }
                };
                Ok(match id {
                    Some(id) => Message::Request(Request { id, method, params }),
                    None => Message::Notification(Notification { method, params }),
                })
            }
            (None, Some(result), None) if self.params.is_none() => match id {
                Some(id) => Ok(Message::Response(Response {
                    id,
                    result: result.to_owned(),
                })),
                None => Err(DecodeError::invalid(None, "a response must have an `id`")),
            },
            (None, None, Some(error)) if self.params.is_none() => {
                let error: ErrorData = serde_json::from_str(error.get()).map_err(|e| {
                    DecodeError::invalid(id.clone(), format!("invalid `error` object: {e}"))
                })?;
                Ok(Message::Error(ErrorResponse { id, error }))
            }
            _ => Err(DecodeError::invalid(
                id,
                "not a request, notification or response: expected exactly one of `method`, `result` or `error`",
            )),
        }
    }

    /// Reads the id. `null` is allowed only in error responses (for undecodable requests).
    fn read_id(&self) -> Result<Option<RequestId>, DecodeError> {
        let Some(raw) = self.id else { return Ok(None) };
        if raw.get() == "null" {
            if self.error.is_some() && self.method.is_none() {
                return Ok(None);
            }
            return Err(DecodeError::invalid(
                None,
                "`id` must be a string or an integer, not null",
            ));
        }
        serde_json::from_str(raw.get())
            .map(Some)
            .map_err(|_| DecodeError::invalid(None, "`id` must be a string or an integer"))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Envelope<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EnvelopeVisitor(std::marker::PhantomData))
    }
}

struct EnvelopeVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for EnvelopeVisitor<'a> {
    type Value = Envelope<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-RPC message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'a>, A::Error> {
        let mut env = Envelope::default();
        while let Some(EnvelopeKey(key)) = map.next_key::<EnvelopeKey>()? {
            let Some(key) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let slot = match key {
                "jsonrpc" => &mut env.jsonrpc,
                "id" => &mut env.id,
                "method" => &mut env.method,
                "params" => &mut env.params,
                "result" => &mut env.result,
                _ => &mut env.error,
            };
            if slot.is_some() {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            *slot = Some(map.next_value::<&'de RawValue>()?);
        }
        Ok(env)
    }
}

/// A key of a message object: one of the envelope's members (by its static name), or
/// `None` for any other key. Read without allocating, even when the key has escapes
/// (a `Cow<str>` key would always be copied into a `String`).
struct EnvelopeKey(Option<&'static str>);

impl<'de> Deserialize<'de> for EnvelopeKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_identifier(EnvelopeKeyVisitor)
    }
}

struct EnvelopeKeyVisitor;

impl Visitor<'_> for EnvelopeKeyVisitor {
    type Value = EnvelopeKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<EnvelopeKey, E> {
        const MEMBERS: [&str; 6] = ["jsonrpc", "id", "method", "params", "result", "error"];
        Ok(EnvelopeKey(MEMBERS.into_iter().find(|m| *m == key)))
    }
}

#[cfg(test)]
mod tests {
    use super::opening_brackets;

    /// Against a plain count, over lengths around the block size and any limit: exact up to
    /// the limit, and past it whenever the plain count is.
    #[test]
    fn brackets_are_counted_as_a_plain_count_counts_them() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let alphabet = b"{[\"]}a,:\\ ";
        for len in [0, 1, 7, 254, 255, 256, 509, 510, 511, 1500] {
            for _ in 0..20 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        alphabet[(seed % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let plain = bytes.iter().filter(|b| matches!(b, b'{' | b'[')).count();
                for limit in [0, 1, 3, 64, 300, 1000, usize::MAX] {
                    let counted = opening_brackets(&bytes, limit);
                    assert_eq!(counted <= limit, plain <= limit, "{len} {limit}");
                    if plain <= limit {
                        assert_eq!(counted, plain);
                    }
                }
            }
        }
        assert_eq!(
            opening_brackets(&[b'['; 600], 64),
            255,
            "stops past the limit"
        );
    }
}
