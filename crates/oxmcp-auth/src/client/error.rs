//! Why authorization failed.

use oxmcp_http::client::AuthError;

/// Why an OAuth step failed. Messages never carry tokens or secrets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// A URL could not be parsed or is not absolute.
    #[error("invalid URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A URL was refused by the safety rules (scheme, internal address).
    #[error("refused to use `{url}`: {reason}")]
    UrlRefused {
        /// The URL.
        url: String,
        /// Which rule refused it.
        reason: String,
    },
    /// An HTTP call failed (connection, TLS, timeout, size limit, redirect).
    #[error("request to `{url}` failed: {reason}")]
    Http {
        /// The URL called.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A metadata document is missing or invalid.
    #[error("invalid metadata from `{url}`: {reason}")]
    Metadata {
        /// Where it came from.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No authorization server could be discovered for the MCP server.
    #[error("no authorization server metadata found for `{0}`")]
    NoMetadata(String),
    /// The protected resource metadata names another resource than the MCP server.
    #[error(
        "the protected resource metadata is for `{resource}`, not for the MCP server `{server}`"
    )]
    ResourceMismatch {
        /// The `resource` of the metadata.
        resource: String,
        /// The MCP server URL.
        server: String,
    },
    /// The authorization server metadata names another issuer than the one asked for.
    #[error("issuer mismatch: expected `{expected}`, the metadata says `{found}`")]
    IssuerMismatch {
        /// The issuer the metadata was fetched for.
        expected: String,
        /// The `issuer` of the metadata (or of the authorization response).
        found: String,
    },
    /// The authorization server does not advertise PKCE with S256.
    #[error(
        "the authorization server `{0}` does not advertise PKCE S256 (code_challenge_methods_supported); refusing to proceed"
    )]
    PkceUnsupported(String),
    /// The client has no way to register with the authorization server.
    #[error(
        "no client registration for `{0}`: no pre-registered credentials, no Client ID Metadata Document support, no dynamic registration"
    )]
    NoRegistration(String),
    /// The authorization server refused the registration or answered it badly.
    #[error("client registration failed: {0}")]
    Registration(String),
    /// The authorization endpoint answered with an error.
    #[error("authorization refused: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    AuthorizationDenied {
        /// The `error` code.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The authorization response does not belong to this request (`state`, `iss`).
    #[error("the authorization response is not for this request: {0}")]
    ResponseMismatch(String),
    /// The host's part of the authorization (opening the URL, the redirect) failed.
    #[error("authorization interaction failed: {0}")]
    Interaction(String),
    /// The token endpoint refused the request.
    #[error("token request refused ({status}): {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenRefused {
        /// The HTTP status.
        status: u16,
        /// The `error` code.
        error: String,
        /// The `error_description`, if any.
        description: Option<String>,
    },
    /// The token endpoint's answer is not a usable token response.
    #[error("invalid token response: {0}")]
    InvalidTokenResponse(String),
    /// A client assertion could not be signed.
    #[error("cannot sign the client assertion: {0}")]
    Signing(String),
    /// The token store failed.
    #[error("token store: {0}")]
    Store(String),
    /// A setting is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl From<OAuthError> for AuthError {
    fn from(e: OAuthError) -> Self {
        Self::with_source(e.to_string(), e)
    }
}
