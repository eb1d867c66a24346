//! The token endpoint: client authentication (`none`, `client_secret_basic`,
//! `client_secret_post`, `private_key_jwt`), token requests and their answers.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oxmcp_http::client::AccessToken;
use serde::{Deserialize, Serialize};
use url::Url;

use super::error::OAuthError;
use super::fetch::Fetcher;
use super::jwt::SigningKey;
use super::metadata::AuthorizationServerMetadata;

/// A secret string (client secret, refresh token). `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself (never log it).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The token endpoint authentication methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMethod {
    /// A public client: `client_id` in the form, no secret.
    None,
    /// HTTP Basic with the form-encoded id and secret (RFC 6749 §2.3.1).
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form.
    ClientSecretPost,
    /// A signed JWT assertion (RFC 7523 §2.2).
    PrivateKeyJwt,
}

impl AuthMethod {
    /// The registered name (`token_endpoint_auth_method`).
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// The method of a registered name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "none" => Self::None,
            "client_secret_basic" => Self::ClientSecretBasic,
            "client_secret_post" => Self::ClientSecretPost,
            "private_key_jwt" => Self::PrivateKeyJwt,
            _ => return None,
        })
    }
}

/// The client's identity at one authorization server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientIdentity {
    /// The client id (a URL for a Client ID Metadata Document).
    pub client_id: String,
    /// The secret, for the `client_secret_*` methods.
    pub client_secret: Option<Secret>,
    /// How to authenticate at the token endpoint.
    pub method: AuthMethod,
    /// The key, for `private_key_jwt`.
    pub signing_key: Option<Arc<SigningKey>>,
}

impl ClientIdentity {
    /// A public client.
    pub fn public(client_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            method: AuthMethod::None,
            signing_key: None,
        }
    }

    /// A confidential client with a secret, sent with `method`.
    pub fn with_secret(client_id: impl Into<String>, secret: Secret, method: AuthMethod) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Some(secret),
            method,
            signing_key: None,
        }
    }

    /// A client that authenticates with a signed assertion.
    pub fn with_key(client_id: impl Into<String>, key: Arc<SigningKey>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            method: AuthMethod::PrivateKeyJwt,
            signing_key: Some(key),
        }
    }

    /// Adds the authentication to a token request: form fields, or the Basic credentials
    /// returned.
    pub(crate) fn authenticate(
        &self,
        form: &mut Vec<(String, String)>,
        audience: &str,
    ) -> Result<Option<String>, OAuthError> {
        let secret = || {
            self.client_secret.as_ref().ok_or_else(|| {
                OAuthError::Config(format!("{} needs a client secret", self.method.name()))
            })
        };
        match self.method {
            AuthMethod::None => push(form, "client_id", &self.client_id),
            AuthMethod::ClientSecretPost => {
                let secret = secret()?;
                push(form, "client_id", &self.client_id);
                push(form, "client_secret", secret.expose());
            }
            AuthMethod::ClientSecretBasic => {
                let secret = secret()?;
                let encode = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let pair = format!("{}:{}", encode(&self.client_id), encode(secret.expose()));
                return Ok(Some(STANDARD.encode(pair)));
            }
            AuthMethod::PrivateKeyJwt => {
                let key = self.signing_key.as_ref().ok_or_else(|| {
                    OAuthError::Config("private_key_jwt needs a signing key".into())
                })?;
                let assertion = key.client_assertion(&self.client_id, audience)?;
                push(
                    form,
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                );
                push(form, "client_assertion", &assertion);
            }
        }
        Ok(None)
    }
}

pub(crate) fn push(form: &mut Vec<(String, String)>, name: &str, value: &str) {
    form.push((name.to_owned(), value.to_owned()));
}

/// Tokens from the token endpoint. `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, if one was issued.
    pub refresh_token: Option<Secret>,
    /// When the access token expires, if the server said.
    pub expires_at: Option<SystemTime>,
    /// The granted scopes (space-separated), if the server said.
    pub scope: Option<String>,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .finish()
    }
}

impl TokenSet {
    /// Whether the access token expires within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        self.expires_at
            .is_some_and(|at| at <= SystemTime::now() + margin)
    }

    /// The form the store keeps.
    pub fn to_stored(&self) -> StoredTokens {
        StoredTokens {
            access_token: Secret::new(self.access_token.secret()),
            refresh_token: self.refresh_token.clone(),
            expires_at: self
                .expires_at
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs()),
            scope: self.scope.clone(),
        }
    }

    /// From the form the store keeps.
    pub fn from_stored(stored: &StoredTokens) -> Self {
        Self {
            access_token: AccessToken::new(stored.access_token.expose()),
            refresh_token: stored.refresh_token.clone(),
            expires_at: stored
                .expires_at
                .map(|s| UNIX_EPOCH + Duration::from_secs(s)),
            scope: stored.scope.clone(),
        }
    }
}

/// Tokens as a [`TokenStore`](super::store::TokenStore) keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoredTokens {
    /// The access token.
    pub access_token: Secret,
    /// The refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Expiry, in seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Granted scopes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    scope: Option<String>,
    issued_token_type: Option<String>,
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: Option<String>,
    error_description: Option<String>,
}

/// What kind of token a request expects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// An access token of type Bearer.
    Bearer,
    /// An RFC 8693 exchange result of this `issued_token_type`.
    Issued(&'static str),
}

/// POSTs a token request to `endpoint`, authenticated as `client` (toward `audience`, the
/// issuer, for assertions).
pub(crate) async fn request(
    fetcher: &Fetcher,
    endpoint: &Url,
    client: Option<&ClientIdentity>,
    audience: &str,
    mut form: Vec<(String, String)>,
    expect: Expect,
) -> Result<TokenSet, OAuthError> {
    let basic = match client {
        Some(client) => client.authenticate(&mut form, audience)?,
        None => None,
    };
    let fetched = fetcher.post_form(endpoint, &form, basic).await?;
    if !fetched.status.is_success() {
        let refusal: Option<ErrorResponse> = serde_json::from_slice(&fetched.body).ok();
        let (error, description) = refusal
            .map(|r| (r.error, r.error_description))
            .unwrap_or_default();
        return Err(OAuthError::TokenRefused {
            status: fetched.status.as_u16(),
            error: error.unwrap_or_else(|| "no error code".to_owned()),
            description,
        });
    }
    let answer: TokenResponse = serde_json::from_slice(&fetched.body)
        .map_err(|e| OAuthError::InvalidTokenResponse(format!("not a token response: {e}")))?;
    parse_answer(answer, expect)
}

fn parse_answer(answer: TokenResponse, expect: Expect) -> Result<TokenSet, OAuthError> {
    let invalid = |m: &str| OAuthError::InvalidTokenResponse(m.to_owned());
    let token = answer
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid("no access_token"))?;
    match expect {
        Expect::Bearer => {
            let kind = answer.token_type.unwrap_or_default();
            if !kind.eq_ignore_ascii_case("bearer") {
                return Err(invalid(&format!("token_type `{kind}` is not Bearer")));
            }
        }
        Expect::Issued(kind) => {
            if answer.issued_token_type.as_deref() != Some(kind) {
                return Err(invalid(&format!("issued_token_type is not `{kind}`")));
            }
        }
    }
    let expires_in = match answer.expires_in {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    Ok(TokenSet {
        access_token: AccessToken::new(token),
        refresh_token: answer
            .refresh_token
            .filter(|t| !t.is_empty())
            .map(Secret::new),
        expires_at: expires_in.map(|s| SystemTime::now() + Duration::from_secs(s)),
        scope: answer.scope,
    })
}

/// The token endpoint of the metadata.
pub(crate) fn endpoint(metadata: &AuthorizationServerMetadata) -> Result<Url, OAuthError> {
    let raw = metadata
        .token_endpoint
        .as_deref()
        .ok_or_else(|| OAuthError::Metadata {
            url: metadata.issuer.clone(),
            reason: "no token_endpoint".into(),
        })?;
    super::safety::parse(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: serde_json::Value) -> TokenResponse {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn bearer_answers_are_parsed_and_checked() {
        let set = parse_answer(
            answer(serde_json::json!({"access_token": "at", "token_type": "bearer", "expires_in": 60, "refresh_token": "rt", "scope": "a b"})),
            Expect::Bearer,
        )
        .unwrap();
        assert_eq!(set.access_token.secret(), "at");
        assert!(set.expires_within(Duration::from_secs(61)));
        assert!(!set.expires_within(Duration::from_secs(10)));
        let debug = format!("{set:?}");
        assert!(
            !debug.contains("\"at\"") && !debug.contains("rt"),
            "{debug}"
        );
        assert!(
            parse_answer(
                answer(serde_json::json!({"access_token": "at", "token_type": "mac"})),
                Expect::Bearer
            )
            .is_err()
        );
        assert!(
            parse_answer(
                answer(serde_json::json!({"token_type": "Bearer"})),
                Expect::Bearer
            )
            .is_err()
        );
        let jag = parse_answer(
            answer(serde_json::json!({"access_token": "jag", "token_type": "N_A", "issued_token_type": "urn:ietf:params:oauth:token-type:id-jag"})),
            Expect::Issued("urn:ietf:params:oauth:token-type:id-jag"),
        )
        .unwrap();
        assert_eq!(jag.access_token.secret(), "jag");
    }

    #[test]
    fn client_authentication_methods() {
        let mut form = Vec::new();
        let basic =
            ClientIdentity::with_secret("id:1", Secret::new("s&x"), AuthMethod::ClientSecretBasic)
                .authenticate(&mut form, "aud")
                .unwrap()
                .unwrap();
        assert_eq!(STANDARD.decode(basic).unwrap(), b"id%3A1:s%26x");
        assert!(form.is_empty());
        ClientIdentity::with_secret("id", Secret::new("s"), AuthMethod::ClientSecretPost)
            .authenticate(&mut form, "aud")
            .unwrap();
        assert_eq!(
            form,
            [
                ("client_id".into(), "id".into()),
                ("client_secret".into(), "s".into())
            ]
        );
        let mut form = Vec::new();
        ClientIdentity::public("id")
            .authenticate(&mut form, "aud")
            .unwrap();
        assert_eq!(form, [("client_id".to_owned(), "id".to_owned())]);
        let no_secret = ClientIdentity {
            client_secret: None,
            ..ClientIdentity::with_secret("id", Secret::new("s"), AuthMethod::ClientSecretPost)
        };
        assert!(no_secret.authenticate(&mut Vec::new(), "aud").is_err());
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "<redacted>");
    }
}
