//! The authorization scenarios (`auth/...`): the client connects through an
//! [`OAuthClient`] that does what each scenario checks (discovery, registration, PKCE,
//! scopes, step-up, the token endpoint's authentication, the extensions), lists the tools
//! and calls `test-tool` when the server offers it.
//!
//! The suite's authorization endpoints redirect at once, so the client reads the code from
//! the redirect ([`HeadlessRedirect`]); nothing listens on the redirect URI. Scenario data
//! comes in `MCP_CONFORMANCE_CONTEXT` (JSON): pre-registered credentials, the client
//! credentials, the identity provider of cross-app access.

use std::sync::Arc;

use oxmcp_auth::client::{
    AuthMethod, ClientIdentity, Grant, HeadlessRedirect, IdentityAssertionGrant, OAuthClient,
    OAuthConfig, OAuthError, PreRegistered, Secret, SigningKey,
};
use oxmcp_http::HttpClientConfig;
use serde::Deserialize;

/// The Client ID Metadata Document URL the `auth/basic-cimd` scenario expects.
pub const CLIENT_METADATA_URL: &str = "https://conformance-test.local/client-metadata.json";

/// The redirect URI registered (nothing listens there).
pub const REDIRECT_URI: &str = "http://localhost:3000/callback";

/// Every authorization scenario of the suite (0.1.16) this client runs.
pub const SCENARIOS: [&str; 22] = [
    "auth/metadata-default",
    "auth/metadata-var1",
    "auth/metadata-var2",
    "auth/metadata-var3",
    "auth/basic-cimd",
    "auth/scope-from-www-authenticate",
    "auth/scope-from-scopes-supported",
    "auth/scope-omitted-when-undefined",
    "auth/scope-step-up",
    "auth/scope-retry-limit",
    "auth/token-endpoint-auth-basic",
    "auth/token-endpoint-auth-post",
    "auth/token-endpoint-auth-none",
    "auth/pre-registration",
    "auth/2025-03-26-oauth-metadata-backcompat",
    "auth/2025-03-26-oauth-endpoint-fallback",
    "auth/resource-mismatch",
    "auth/offline-access-scope",
    "auth/offline-access-not-supported",
    "auth/client-credentials-jwt",
    "auth/client-credentials-basic",
    "auth/cross-app-access-complete-flow",
];

/// The scenario data of `MCP_CONFORMANCE_CONTEXT`.
#[derive(Debug, Default, Deserialize)]
#[non_exhaustive]
pub struct Context {
    client_id: Option<String>,
    client_secret: Option<String>,
    private_key_pem: Option<String>,
    signing_algorithm: Option<String>,
    idp_client_id: Option<String>,
    idp_id_token: Option<String>,
    idp_token_endpoint: Option<String>,
}

impl Context {
    /// Reads `MCP_CONFORMANCE_CONTEXT` (empty when unset).
    pub fn from_env() -> Result<Self, String> {
        match std::env::var("MCP_CONFORMANCE_CONTEXT") {
            Ok(json) => serde_json::from_str(&json)
                .map_err(|e| format!("MCP_CONFORMANCE_CONTEXT is not valid: {e}")),
            Err(_) => Ok(Self::default()),
        }
    }

    fn need(value: &Option<String>, name: &str) -> Result<String, OAuthError> {
        value
            .clone()
            .ok_or_else(|| OAuthError::Config(format!("MCP_CONFORMANCE_CONTEXT has no `{name}`")))
    }

    fn secret_client(&self, method: AuthMethod) -> Result<ClientIdentity, OAuthError> {
        Ok(ClientIdentity::with_secret(
            Self::need(&self.client_id, "client_id")?,
            Secret::new(Self::need(&self.client_secret, "client_secret")?),
            method,
        ))
    }
}

/// The grant a scenario uses.
fn grant(scenario: &str, context: &Context) -> Result<Grant, OAuthError> {
    Ok(match scenario {
        "auth/client-credentials-basic" => {
            Grant::ClientCredentials(context.secret_client(AuthMethod::ClientSecretBasic)?)
        }
        "auth/client-credentials-jwt" => {
            let pem = Context::need(&context.private_key_pem, "private_key_pem")?;
            let alg = context.signing_algorithm.as_deref().unwrap_or("ES256");
            let key = SigningKey::from_pkcs8_pem(&pem, alg)?;
            let id = Context::need(&context.client_id, "client_id")?;
            Grant::ClientCredentials(ClientIdentity::with_key(id, Arc::new(key)))
        }
        "auth/cross-app-access-complete-flow" => {
            let mut grant = IdentityAssertionGrant::new(
                Context::need(&context.idp_token_endpoint, "idp_token_endpoint")?,
                Secret::new(Context::need(&context.idp_id_token, "idp_id_token")?),
                context.secret_client(AuthMethod::ClientSecretBasic)?,
            );
            grant.idp_client = context.idp_client_id.clone().map(ClientIdentity::public);
            Grant::IdentityAssertion(grant)
        }
        _ => Grant::AuthorizationCode,
    })
}

/// The HTTP client settings with an OAuth client for `scenario` at `url`, and the
/// extension to declare, if any.
pub fn http_config(
    scenario: &str,
    url: &str,
    context: &Context,
) -> Result<(HttpClientConfig, Option<&'static str>), OAuthError> {
    let mut config = OAuthConfig::new("oxmcp-conformance-client");
    config.client_metadata_url = Some(CLIENT_METADATA_URL.to_owned());
    config.grant = grant(scenario, context)?;
    let extension = config.grant.extension();
    if matches!(config.grant, Grant::AuthorizationCode)
        && context.client_id.is_some()
        && context.client_secret.is_some()
    {
        let identity = context.secret_client(AuthMethod::ClientSecretBasic)?;
        config
            .pre_registered
            .push(PreRegistered::new(None, identity));
    }
    let oauth = if matches!(config.grant, Grant::AuthorizationCode) {
        OAuthClient::new(url, config, Arc::new(HeadlessRedirect::new(REDIRECT_URI)))?
    } else {
        OAuthClient::without_user(url, config)?
    };
    let mut http = HttpClientConfig::default();
    http.auth = Some(Arc::new(oauth));
    Ok((http, extension))
}
