//! [`RequestStateKeys`] from configuration: an environment variable or a command-line flag
//! holding secrets in hex or base64, comma-separated for rotation. Secrets never appear in
//! errors, `Debug` output or logs.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::keys::{KeyError, RequestStateKey, RequestStateKeys};

/// The environment variable servers read their `requestState` keys from (see
/// [`RequestStateKeys::from_config`]).
pub const REQUEST_STATE_KEYS_ENV: &str = "OXMCP_REQUEST_STATE_KEYS";

impl RequestStateKeys {
    /// Reads keys as a deployment configures them: comma-separated entries, the first
    /// signs and all verify (list the new key first and keep the old one while states it
    /// signed may still come back). An entry is `id:secret` or a bare `secret`; a secret is
    /// at least 32 bytes, written as hex (64 or more hex digits) or base64 (standard or
    /// URL-safe, padded or not). A bare secret's id is derived from the secret (`k` and 12
    /// hex digits of its SHA-256), so every instance given the same secret names it alike,
    /// whatever its position in the list. Errors name the entry by position, never its
    /// secret.
    ///
    /// ```
    /// use oxmcp_core::server::mrtr::RequestStateKeys;
    ///
    /// let hex = "00".repeat(32);
    /// let keys = RequestStateKeys::from_config(&format!(
    ///     "{hex}, old:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    /// ))
    /// .unwrap();
    /// assert_eq!(keys.ids().collect::<Vec<_>>(), ["k66687aadf862", "old"]);
    /// let err = RequestStateKeys::from_config("too-short").unwrap_err();
    /// assert!(!err.to_string().contains("too-short"));
    /// ```
    pub fn from_config(text: &str) -> Result<Self, KeyError> {
        let mut keys: Option<Self> = None;
        let mut ids: Vec<String> = Vec::new();
        let entries = text.split(',').map(str::trim).filter(|e| !e.is_empty());
        for (n, entry) in entries.enumerate() {
            let key = config_entry(n + 1, entry)?;
            if ids.iter().any(|id| id == key.id()) {
                return Err(KeyError::DuplicateId(key.id().to_owned()));
            }
            ids.push(key.id().to_owned());
            keys = Some(match keys {
                None => Self::new(key),
                Some(list) => list.with_key(key),
            });
        }
        keys.ok_or(KeyError::Empty)
    }

    /// The keys in [`REQUEST_STATE_KEYS_ENV`], if it is set (see
    /// [`from_config`](Self::from_config)); `Ok(None)` when it is unset or empty.
    pub fn from_env() -> Result<Option<Self>, KeyError> {
        match std::env::var(REQUEST_STATE_KEYS_ENV) {
            Ok(text) if !text.trim().is_empty() => Self::from_config(&text).map(Some),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(KeyError::Encoding(format!(
                "{REQUEST_STATE_KEYS_ENV} is not valid UTF-8"
            ))),
        }
    }
}

/// The `n`th entry (1-based) of a key list.
fn config_entry(n: usize, entry: &str) -> Result<RequestStateKey, KeyError> {
    let (id, secret) = match entry.split_once(':') {
        Some((id, secret)) => (Some(id.trim()), secret.trim()),
        None => (None, entry),
    };
    let bytes = decode_secret(secret).ok_or_else(|| {
        KeyError::Encoding(format!(
            "the secret of key entry {n} is neither hex nor base64"
        ))
    })?;
    let id = match id {
        Some(id) => id.to_owned(),
        None => derived_id(&bytes),
    };
    RequestStateKey::new(id, bytes)
}

/// Hex (an even number, 64 or more, of hex digits), else base64 in any of its usual forms.
fn decode_secret(text: &str) -> Option<Vec<u8>> {
    if text.len() >= 64
        && text.len().is_multiple_of(2)
        && text.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
            .collect();
    }
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// `k` and the first 12 hex digits of the secret's SHA-256.
fn derived_id(secret: &[u8]) -> String {
    let digest = Sha256::digest(secret);
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("k{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_secrets_name_the_same_key_alike() {
        let secret = [7u8; 32];
        let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        let forms = [
            hex.clone(),
            hex.to_uppercase(),
            STANDARD.encode(secret),
            URL_SAFE_NO_PAD.encode(secret),
        ];
        let ids: Vec<String> = forms
            .iter()
            .map(|f| {
                RequestStateKeys::from_config(f)
                    .unwrap()
                    .signing()
                    .id()
                    .to_owned()
            })
            .collect();
        assert!(
            ids.iter().all(|id| *id == ids[0] && id.len() == 13),
            "{ids:?}"
        );
        // Rotation: the first signs, both verify, in either order of the others.
        let other = STANDARD.encode([9u8; 32]);
        let keys = RequestStateKeys::from_config(&format!(" {other} ,{hex},")).unwrap();
        assert_eq!(keys.ids().nth(1), Some(ids[0].as_str()));
    }

    #[test]
    fn bad_entries_are_refused_without_their_secret() {
        let short = STANDARD.encode([1u8; 16]);
        let secret = "not a secret at all!";
        for (text, expected) in [
            ("", KeyError::Empty),
            (" , ", KeyError::Empty),
            (
                secret,
                KeyError::Encoding("the secret of key entry 1 is neither hex nor base64".into()),
            ),
        ] {
            assert_eq!(RequestStateKeys::from_config(text).unwrap_err(), expected);
        }
        let err = RequestStateKeys::from_config(&format!("a:{short}")).unwrap_err();
        assert!(matches!(err, KeyError::TooShort { len: 16, .. }), "{err}");
        let twice = STANDARD.encode([3u8; 32]);
        let err = RequestStateKeys::from_config(&format!("{twice},{twice}")).unwrap_err();
        assert!(matches!(err, KeyError::DuplicateId(_)), "{err}");
        for text in [
            secret.to_owned(),
            format!("a:{short}"),
            format!("{twice},{twice}"),
        ] {
            let message = RequestStateKeys::from_config(&text)
                .unwrap_err()
                .to_string();
            assert!(
                !message.contains(&short) && !message.contains(secret) && !message.contains(&twice)
            );
        }
    }
}
