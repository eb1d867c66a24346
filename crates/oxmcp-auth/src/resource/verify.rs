//! Token verification behind a trait: what a verifier returns, and why it refuses.

use std::fmt;

use oxmcp_http::Principal;
use oxmcp_http::event_store::BoxFuture;

/// Why a token is not accepted. The reasons are fixed strings: nothing from the token
/// (or any other input) is echoed, so a refusal costs no allocation proportional to it and
/// can be logged safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Invalid {
    /// The token is not well-formed.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The JOSE header is refused.
    #[error("refused header: {0}")]
    Header(&'static str),
    /// No key of the issuer matches the token.
    #[error("no key of the issuer matches the token")]
    UnknownKey,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    Signature,
    /// The token has expired.
    #[error("the token has expired")]
    Expired,
    /// A claim is refused.
    #[error("refused claims: {0}")]
    Claims(&'static str),
    /// The authorization server says the token is not active.
    #[error("the token is not active")]
    Inactive,
}

/// Why a token was not verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is not valid: 401 `invalid_token`.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The token could not be checked now (the authorization server's keys or its
    /// introspection endpoint are unreachable, or answered an error): 503, not 401, so that
    /// a client does not throw a good token away.
    #[error("the token cannot be verified now: {0}")]
    Unavailable(String),
}

/// A verified access token: the principal it names and when it stops being valid.
#[derive(Clone)]
#[non_exhaustive]
pub struct Verified {
    /// Who the token was issued to (subject, issuer, scopes, claims).
    pub principal: Principal,
    /// When the token expires, in seconds since the Unix epoch, if known.
    pub expires_at: Option<f64>,
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("principal", &self.principal)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Verified {
    /// A verified token naming `principal`.
    pub fn new(principal: Principal, expires_at: Option<f64>) -> Self {
        Self {
            principal,
            expires_at,
        }
    }
}

/// Checks a bearer access token and names its principal. Implementations must check
/// that the token was issued for this resource (its audience), by the expected issuer, and
/// is in its validity period; [`JwtVerifier`](super::JwtVerifier) and
/// [`IntrospectionVerifier`](super::IntrospectionVerifier) are the two provided.
pub trait TokenVerifier: Send + Sync + 'static {
    /// Verifies `token` (the bearer credential, without the `Bearer ` prefix).
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Verified, VerifyError>>;
}
