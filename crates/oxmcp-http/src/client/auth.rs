//! The client's source of bearer tokens: [`AuthProvider`].
//!
//! The transport asks the provider for the token of every HTTP request it sends (POST, GET,
//! DELETE) and puts it in `Authorization: Bearer …`. When the server answers 401, or 403
//! with a `WWW-Authenticate` challenge, the transport hands the challenge to the provider,
//! which may obtain a better token (run the OAuth flow, refresh, step up the scopes); the
//! request is then sent again. At most [`HttpClientConfig::max_auth_rounds`] rounds happen
//! for one request (default 3), after which the refusal stands.
//!
//! Why the trait lives here and not in `oxmcp-auth`: the transport must not depend on an
//! OAuth implementation (a host may bring a static token or its own login), while
//! `oxmcp-auth` needs the transport's TLS settings ([`TlsConfig`](super::TlsConfig)) for its
//! own HTTP calls. So `oxmcp-auth` depends on `oxmcp-http` and implements this trait; the
//! dependency points one way, and the resource-server side will follow the same pattern.
//!
//! [`HttpClientConfig::max_auth_rounds`]: super::HttpClientConfig::max_auth_rounds

use std::fmt;
use std::sync::Arc;

use http::{HeaderValue, StatusCode, header};

use super::Shared;
use crate::event_store::BoxFuture;

/// An OAuth access token. Its `Debug` output never shows the token.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Arc<str>);

impl AccessToken {
    /// Wraps a token.
    pub fn new(token: impl Into<Arc<str>>) -> Self {
        Self(token.into())
    }

    /// The token itself (for the `Authorization` header; never log it).
    pub fn secret(&self) -> &str {
        &self.0
    }

    fn header(&self) -> Option<HeaderValue> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A refusal of the server that may be cured with a better token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Challenge {
    /// 401 or 403.
    pub status: StatusCode,
    /// The `WWW-Authenticate` header values, in order.
    pub www_authenticate: Vec<String>,
    /// The URL of the request that was refused (the MCP endpoint).
    pub url: String,
}

impl Challenge {
    /// A challenge (the transport makes them; this is for providers' tests and wrappers).
    pub fn new(status: StatusCode, www_authenticate: Vec<String>, url: impl Into<String>) -> Self {
        Self {
            status,
            www_authenticate,
            url: url.into(),
        }
    }
}

/// What the transport does after handing a challenge to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeOutcome {
    /// A new token is ready: send the request again.
    Retry,
    /// Nothing can be done: the refusal stands (the request fails with it).
    GiveUp,
}

/// Why the provider could not produce a token.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AuthError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl AuthError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error with a message and its cause.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// A source of bearer tokens for the HTTP client transport (see the [module docs](self)).
///
/// `oxmcp-auth` implements it with OAuth 2.1; [`StaticToken`] is the simplest one.
pub trait AuthProvider: Send + Sync + fmt::Debug + 'static {
    /// The token to send now (refreshed first if it expired), or `None` to send the request
    /// without one (a 401 will then start authorization).
    fn token(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>>;

    /// The server refused `rejected` (or the lack of a token): obtain a better token, or
    /// give up. An error fails the request with that error.
    fn on_challenge<'a>(
        &'a self,
        challenge: &'a Challenge,
        rejected: Option<&'a AccessToken>,
    ) -> BoxFuture<'a, Result<ChallengeOutcome, AuthError>>;
}

/// A fixed token (for servers that hand out long-lived tokens); it gives up on every
/// challenge.
#[derive(Debug, Clone)]
pub struct StaticToken(pub AccessToken);

impl AuthProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>> {
        Box::pin(async move { Ok(Some(self.0.clone())) })
    }

    fn on_challenge<'a>(
        &'a self,
        _challenge: &'a Challenge,
        _rejected: Option<&'a AccessToken>,
    ) -> BoxFuture<'a, Result<ChallengeOutcome, AuthError>> {
        Box::pin(async { Ok(ChallengeOutcome::GiveUp) })
    }
}

/// Why a request could not be sent.
#[derive(Debug)]
pub(crate) enum SendError {
    Http(reqwest::Error),
    Auth(AuthError),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(e) => f.write_str(&super::tls::describe(e)),
            Self::Auth(e) => write!(
                f,
                "authorization failed: {}",
                super::tls::describe(e as &(dyn std::error::Error + 'static))
            ),
        }
    }
}

/// Whether a response is a challenge for the provider: 401, or 403 with a Bearer
/// `WWW-Authenticate` (step-up).
fn is_challenge(response: &reqwest::Response) -> bool {
    match response.status() {
        StatusCode::UNAUTHORIZED => true,
        StatusCode::FORBIDDEN => response
            .headers()
            .get_all(header::WWW_AUTHENTICATE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|v| v.contains("insufficient_scope"))),
        _ => false,
    }
}

/// Sends the request `build` makes, with the provider's token; on a challenge asks the
/// provider for a better one and sends again, at most `max_auth_rounds` times.
pub(crate) async fn send(
    shared: &Shared,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, SendError> {
    let Some(provider) = shared.config.auth.as_deref() else {
        return build().send().await.map_err(SendError::Http);
    };
    let mut rounds = 0;
    loop {
        let token = provider.token().await.map_err(SendError::Auth)?;
        let mut builder = build();
        if let Some(value) = token.as_ref().and_then(AccessToken::header) {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        let response = builder.send().await.map_err(SendError::Http)?;
        if !is_challenge(&response) || rounds >= shared.config.max_auth_rounds {
            return Ok(response);
        }
        rounds += 1;
        let challenge = Challenge {
            status: response.status(),
            www_authenticate: response
                .headers()
                .get_all(header::WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect(),
            url: shared.url.to_string(),
        };
        let outcome = provider
            .on_challenge(&challenge, token.as_ref())
            .await
            .map_err(SendError::Auth)?;
        if outcome == ChallengeOutcome::GiveUp {
            return Ok(response);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = AccessToken::new("very-secret-token");
        assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
        let provider = StaticToken(token.clone());
        assert!(!format!("{provider:?}").contains("very-secret"));
        assert!(token.header().unwrap().is_sensitive());
    }
}
