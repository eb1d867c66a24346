//! `requestState`: what a request's earlier rounds established, signed.
//!
//! A state is `1.<key id>.<payload>.<tag>`: the payload is the JSON of [`Payload`] in
//! unpadded base64url, the tag the HMAC-SHA-256 of everything before it under the named key
//! (base64url too). The payload binds the state to one request (its method, a digest of its
//! params without `_meta`, `inputResponses` and `requestState`, and the caller's principal)
//! and to an expiry, and carries the answers the handler used so far and the questions the
//! last round asked.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oxmcp_types::ErrorData;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::keys::RequestStateKeys;

/// The format version, the first part of a state.
const VERSION: &str = "1";

/// Why a `requestState` was refused. Each is answered with -32602 (invalid params): the
/// client must start the request again without the state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestStateError {
    /// Longer than the server accepts.
    #[error("requestState has {len} bytes, more than the {max} this server accepts")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not a state this server writes.
    #[error("requestState is malformed")]
    Malformed,
    /// Signed with a key this server does not have (rotated out, or another deployment's).
    #[error("requestState is signed with key `{0}`, which this server does not accept")]
    UnknownKey(String),
    /// The signature does not match: the state was altered.
    #[error("requestState failed its integrity check")]
    Forged,
    /// Past its expiry.
    #[error("requestState has expired: start the request again without it")]
    Expired,
    /// Issued for another request: another method, other params or another caller.
    #[error("requestState was issued for another request (its {0} differs)")]
    OtherRequest(&'static str),
    /// Accepted before, by a server whose states are single-use (see
    /// [`RoundTripConfig::with_replay_guard`](super::RoundTripConfig::with_replay_guard)).
    #[error("requestState was used already: start the request again without it")]
    Replayed,
    /// The replay guard holds as many unexpired states as its budget allows.
    #[error(
        "too many request states are in use: try again later, or start the request again without it"
    )]
    GuardFull,
}

impl RequestStateError {
    /// A short name of the reason, for the error's `data`.
    fn reason(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::Malformed => "malformed",
            Self::UnknownKey(_) => "unknown_key",
            Self::Forged => "integrity",
            Self::Expired => "expired",
            Self::OtherRequest(_) => "other_request",
            Self::Replayed => "replayed",
            Self::GuardFull => "replay_guard_full",
        }
    }
}

impl From<RequestStateError> for ErrorData {
    /// -32602 with `data.reason` naming the kind of refusal.
    fn from(e: RequestStateError) -> Self {
        Self::invalid_params(e.to_string())
            .with_data(serde_json::json!({ "requestState": e.reason() }))
    }
}

/// An answer the handler used in an earlier round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Answer {
    /// The method of the question.
    #[serde(rename = "m")]
    pub(crate) method: String,
    /// The digest of the question's params.
    #[serde(rename = "q")]
    pub(crate) question: String,
    /// The client's result.
    #[serde(rename = "r")]
    pub(crate) result: Value,
}

/// A question the last round asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Asked {
    /// Its method.
    #[serde(rename = "m")]
    pub(crate) method: String,
    /// The digest of its params.
    #[serde(rename = "q")]
    pub(crate) question: String,
}

/// What the state binds to: the request and its caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Binding {
    /// The request's method.
    #[serde(rename = "m")]
    pub(crate) method: String,
    /// The digest of its params.
    #[serde(rename = "p")]
    pub(crate) params: String,
    /// The digest of the caller's principal, when one was authenticated.
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    pub(crate) principal: Option<String>,
}

/// The signed content of a state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Payload {
    #[serde(flatten)]
    pub(crate) binding: Binding,
    /// Expiry, in milliseconds since the Unix epoch.
    #[serde(rename = "x")]
    pub(crate) expires_ms: u64,
    /// The answers used so far, by input key.
    #[serde(rename = "a", default)]
    pub(crate) answers: BTreeMap<String, Answer>,
    /// The questions of the last round, by input key.
    #[serde(rename = "q", default)]
    pub(crate) asked: BTreeMap<String, Asked>,
}

impl Payload {
    /// Signs the payload with the signing key of `keys`.
    pub(crate) fn seal(&self, keys: &RequestStateKeys) -> Result<String, serde_json::Error> {
        let json = serde_json::to_vec(self)?;
        let key = keys.signing();
        let body = format!("{VERSION}.{}.{}", key.id(), URL_SAFE_NO_PAD.encode(json));
        let tag = URL_SAFE_NO_PAD.encode(key.sign(body.as_bytes()));
        Ok(format!("{body}.{tag}"))
    }

    /// Checks `state` (size, format, key, signature, expiry at `now_ms`) and reads it.
    /// Whether it belongs to the request is for [`check_binding`](Self::check_binding).
    pub(crate) fn open(
        state: &str,
        keys: &RequestStateKeys,
        max_len: usize,
        now_ms: u64,
    ) -> Result<Self, RequestStateError> {
        if state.len() > max_len {
            return Err(RequestStateError::TooLarge {
                len: state.len(),
                max: max_len,
            });
        }
        let (body, tag) = state.rsplit_once('.').ok_or(RequestStateError::Malformed)?;
        let mut parts = body.splitn(3, '.');
        let (Some(VERSION), Some(key_id), Some(payload)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(RequestStateError::Malformed);
        };
        let key = keys
            .get(key_id)
            .ok_or_else(|| RequestStateError::UnknownKey(truncated(key_id)))?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| RequestStateError::Forged)?;
        if !key.verifies(body.as_bytes(), &tag) {
            return Err(RequestStateError::Forged);
        }
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| RequestStateError::Malformed)?;
        let payload: Self =
            serde_json::from_slice(&json).map_err(|_| RequestStateError::Malformed)?;
        if payload.expires_ms <= now_ms {
            return Err(RequestStateError::Expired);
        }
        Ok(payload)
    }

    /// Checks that the state was issued for `binding`'s request and caller.
    pub(crate) fn check_binding(&self, binding: &Binding) -> Result<(), RequestStateError> {
        let own = &self.binding;
        if own.method != binding.method {
            return Err(RequestStateError::OtherRequest("method"));
        }
        if own.params != binding.params {
            return Err(RequestStateError::OtherRequest("params"));
        }
        if own.principal != binding.principal {
            return Err(RequestStateError::OtherRequest("principal"));
        }
        Ok(())
    }
}

/// A key id as an error names it: at most 64 characters of what the client sent.
fn truncated(id: &str) -> String {
    id.chars().take(64).collect()
}

/// The SHA-256 of the canonical JSON of `value` (object members sorted by key, no
/// whitespace), in unpadded base64url: equal for equal JSON, whatever the member order.
pub(crate) fn digest(value: &Value) -> String {
    let mut text = String::new();
    canonical(value, &mut text);
    digest_bytes(text.as_bytes())
}

/// The SHA-256 of `bytes`, in unpadded base64url.
pub(crate) fn digest_bytes(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(bytes))
}

fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, value)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", Value::String(key.clone()));
                canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => {
            let _ = write!(out, "{scalar}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::RequestStateKey;
    use super::*;
    use serde_json::json;

    fn payload(expires_ms: u64) -> Payload {
        let mut answers = BTreeMap::new();
        answers.insert(
            "user_name".to_owned(),
            Answer {
                method: "elicitation/create".into(),
                question: digest(&json!({"message": "Name?"})),
                result: json!({"action": "accept", "content": {"name": "Ada"}}),
            },
        );
        Payload {
            binding: Binding {
                method: "tools/call".into(),
                params: digest(&json!({"name": "greet"})),
                principal: None,
            },
            expires_ms,
            answers,
            asked: BTreeMap::new(),
        }
    }

    fn keys(id: &str, byte: u8) -> RequestStateKeys {
        RequestStateKeys::new(RequestStateKey::new(id, [byte; 32]).unwrap())
    }

    #[test]
    fn a_sealed_state_opens_until_it_expires() {
        let keys = keys("k1", 1);
        let state = payload(1_000).seal(&keys).unwrap();
        assert!(state.starts_with("1.k1."), "{state}");
        assert_eq!(
            Payload::open(&state, &keys, 4096, 999).unwrap(),
            payload(1_000)
        );
        assert_eq!(
            Payload::open(&state, &keys, 4096, 1_000),
            Err(RequestStateError::Expired)
        );
        assert_eq!(
            Payload::open(&state, &keys, 16, 0),
            Err(RequestStateError::TooLarge {
                len: state.len(),
                max: 16
            })
        );
    }

    #[test]
    fn altered_states_and_unknown_keys_are_refused() {
        let keys = keys("k1", 1);
        let state = payload(1_000).seal(&keys).unwrap();
        let open = |s: &str| Payload::open(s, &keys, 4096, 0);
        assert_eq!(
            open(&format!("{state}-TAMPERED")),
            Err(RequestStateError::Forged)
        );
        // A payload changed by one character, with the old tag.
        let (body, tag) = state.rsplit_once('.').unwrap();
        let mut altered = body.to_owned().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = format!("{}.{tag}", String::from_utf8(altered).unwrap());
        assert_eq!(open(&altered), Err(RequestStateError::Forged));
        // The same payload signed by another secret under the same id.
        let forged = payload(1_000).seal(&self::keys("k1", 2)).unwrap();
        assert_eq!(open(&forged), Err(RequestStateError::Forged));
        let other = payload(1_000).seal(&self::keys("k9", 1)).unwrap();
        assert_eq!(
            open(&other),
            Err(RequestStateError::UnknownKey("k9".into()))
        );
        for junk in ["", "abc", "2.k1.e30.AAAA", "1.k1", "1..."] {
            assert!(open(junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn a_state_is_bound_to_its_request() {
        let p = payload(1);
        assert_eq!(p.check_binding(&p.binding.clone()), Ok(()));
        let mut other = p.binding.clone();
        other.method = "prompts/get".into();
        assert_eq!(
            p.check_binding(&other),
            Err(RequestStateError::OtherRequest("method"))
        );
        other = p.binding.clone();
        other.params = digest(&json!({"name": "other"}));
        assert_eq!(
            p.check_binding(&other),
            Err(RequestStateError::OtherRequest("params"))
        );
        other = p.binding.clone();
        other.principal = Some(digest_bytes(b"alice"));
        assert_eq!(
            p.check_binding(&other),
            Err(RequestStateError::OtherRequest("principal"))
        );
        let e = ErrorData::from(RequestStateError::Forged);
        assert_eq!(e.code.0, -32602);
    }

    #[test]
    fn digests_ignore_member_order_only() {
        let a: Value = serde_json::from_str(r#"{"b":[1,{"y":2,"x":"é"}],"a":null}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":null,"b":[1,{"x":"é","y":2}]}"#).unwrap();
        assert_eq!(digest(&a), digest(&b));
        let c: Value = serde_json::from_str(r#"{"a":null,"b":[{"x":"é","y":2},1]}"#).unwrap();
        assert_ne!(digest(&a), digest(&c));
    }
}
