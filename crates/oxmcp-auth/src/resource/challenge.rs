//! The bearer side of RFC 6750: reading `Authorization`, and the `WWW-Authenticate`
//! challenges of a refusal.

use http::header::{AUTHORIZATION, HeaderMap};
use http::{HeaderValue, StatusCode};
use oxmcp_http::AuthRejection;

/// The RFC 6750 §3.1 error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BearerError {
    /// No credentials at all: a challenge without an error code (401).
    Missing,
    /// A malformed request: two `Authorization` headers, another scheme, a malformed
    /// token (400).
    InvalidRequest,
    /// The token is not valid (401).
    InvalidToken,
    /// The token lacks scopes (403).
    InsufficientScope,
}

/// Why the credentials of a request could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// No `Authorization` header.
    Missing,
    /// Over the size limit (431, before any decoding).
    TooLarge,
    /// Not one well-formed `Bearer` credential.
    Malformed,
}

/// The bearer token of a request: exactly one `Authorization` header of at most
/// `max_bytes`, scheme `Bearer` (any case), one space, a `token68`.
pub(crate) fn bearer_token(headers: &HeaderMap, max_bytes: usize) -> Result<&str, Unreadable> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let value = values.next().ok_or(Unreadable::Missing)?;
    if values.next().is_some() {
        return Err(Unreadable::Malformed);
    }
    if value.len() > max_bytes {
        return Err(Unreadable::TooLarge);
    }
    let value = value.to_str().map_err(|_| Unreadable::Malformed)?;
    let (scheme, token) = value.split_once(' ').ok_or(Unreadable::Malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !is_token68(token) {
        return Err(Unreadable::Malformed);
    }
    Ok(token)
}

/// RFC 7235 `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// A refusal with its challenge: `resource_metadata` always, `scope` when given, and the
/// error code and a fixed description.
pub(crate) fn rejection(
    error: BearerError,
    metadata_url: &str,
    scopes: &[&str],
    description: Option<&str>,
) -> AuthRejection {
    let (status, code) = match error {
        BearerError::Missing => (StatusCode::UNAUTHORIZED, None),
        BearerError::InvalidRequest => (StatusCode::BAD_REQUEST, Some("invalid_request")),
        BearerError::InvalidToken => (StatusCode::UNAUTHORIZED, Some("invalid_token")),
        BearerError::InsufficientScope => (StatusCode::FORBIDDEN, Some("insufficient_scope")),
    };
    let mut challenge = format!("Bearer resource_metadata=\"{}\"", quoted(metadata_url));
    if !scopes.is_empty() {
        challenge.push_str(&format!(", scope=\"{}\"", quoted(&scopes.join(" "))));
    }
    if let Some(code) = code {
        challenge.push_str(&format!(", error=\"{code}\""));
    }
    if let Some(description) = description {
        challenge.push_str(&format!(", error_description=\"{}\"", quoted(description)));
    }
    let header = HeaderValue::from_str(&challenge).ok();
    AuthRejection::new(status, header)
}

/// A value for a quoted-string: RFC 6750 allows neither `"` nor `\` in these values, and
/// none of ours has them; any that slips in is dropped rather than escaped.
fn quoted(value: &str) -> String {
    value
        .chars()
        .filter(|c| *c != '"' && *c != '\\' && (' '..='~').contains(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn bearer_tokens_are_read_strictly() {
        assert_eq!(
            bearer_token(&headers(&["Bearer abc.def-_~+/="]), 100),
            Ok("abc.def-_~+/=")
        );
        assert_eq!(bearer_token(&headers(&["bearer abc"]), 100), Ok("abc"));
        assert_eq!(bearer_token(&headers(&[]), 100), Err(Unreadable::Missing));
        for bad in [
            "Basic abc",
            "Bearer",
            "Bearer ",
            "Bearer  abc",
            "Bearer a b",
            "Bearer a,b",
            "Bearer =",
        ] {
            assert_eq!(
                bearer_token(&headers(&[bad]), 100),
                Err(Unreadable::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            bearer_token(&headers(&["Bearer a", "Bearer b"]), 100),
            Err(Unreadable::Malformed)
        );
        let long = format!("Bearer {}", "a".repeat(200));
        assert_eq!(
            bearer_token(&headers(&[&long]), 100),
            Err(Unreadable::TooLarge)
        );
    }

    #[test]
    fn challenges_name_the_metadata_and_scopes() {
        let r = rejection(
            BearerError::InsufficientScope,
            "https://r/.well-known/x",
            &["a", "b"],
            Some("needs \"more\""),
        );
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(
            r.www_authenticate.unwrap(),
            "Bearer resource_metadata=\"https://r/.well-known/x\", scope=\"a b\", \
             error=\"insufficient_scope\", error_description=\"needs more\""
        );
        let r = rejection(BearerError::Missing, "https://r/m", &[], None);
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.www_authenticate.unwrap(),
            "Bearer resource_metadata=\"https://r/m\""
        );
    }
}
