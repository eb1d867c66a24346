//! `everything-client --auth MODE URL`: the HTTP client with OAuth 2.1 (oxmcp-auth).
//!
//! - `--auth code`: authorization code with PKCE; a listener on 127.0.0.1 receives the
//!   redirect, and the authorization URL is printed for the user to open (the example never
//!   starts a browser or a shell). Client registration: `OXMCP_CLIENT_ID` (and
//!   `OXMCP_CLIENT_SECRET`) if set, else `OXMCP_CLIENT_METADATA_URL` (a Client ID Metadata
//!   Document) where the server supports it, else dynamic registration.
//! - `--auth client-credentials`: the client credentials grant (extension
//!   `io.modelcontextprotocol/oauth-client-credentials`) with `OXMCP_CLIENT_ID` and either
//!   `OXMCP_CLIENT_SECRET` or `OXMCP_CLIENT_KEY` (a PKCS#8 PEM file; `OXMCP_CLIENT_KEY_ALG`,
//!   default ES256, for `private_key_jwt`).
//!
//! `OXMCP_TOKEN_FILE` keeps tokens and registrations in a file (mode 0600) between runs.

use std::sync::Arc;

use oxmcp::auth::client::{
    AuthMethod, ClientIdentity, FileTokenStore, Grant, LoopbackRedirect, OAuthClient, OAuthConfig,
    OAuthError, PreRegistered, Secret, SigningKey, Url,
};
use oxmcp::http::HttpClientConfig;

/// How the client obtains tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMode {
    /// Authorization code with PKCE and the loopback listener.
    Code,
    /// Client credentials.
    ClientCredentials,
}

impl std::str::FromStr for AuthMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "code" => Ok(Self::Code),
            "client-credentials" => Ok(Self::ClientCredentials),
            other => Err(format!(
                "unknown --auth mode `{other}` (code, client-credentials)"
            )),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn secret_identity(id: String) -> Option<ClientIdentity> {
    env("OXMCP_CLIENT_SECRET")
        .map(|s| ClientIdentity::with_secret(id, Secret::new(s), AuthMethod::ClientSecretBasic))
}

fn client_credentials() -> Result<Grant, OAuthError> {
    let id = env("OXMCP_CLIENT_ID")
        .ok_or_else(|| OAuthError::Config("set OXMCP_CLIENT_ID for client credentials".into()))?;
    if let Some(path) = env("OXMCP_CLIENT_KEY") {
        let pem = std::fs::read_to_string(&path)
            .map_err(|e| OAuthError::Config(format!("cannot read {path}: {e}")))?;
        let alg = env("OXMCP_CLIENT_KEY_ALG").unwrap_or_else(|| "ES256".into());
        let key = SigningKey::from_pkcs8_pem(&pem, &alg)?;
        return Ok(Grant::ClientCredentials(ClientIdentity::with_key(
            id,
            Arc::new(key),
        )));
    }
    secret_identity(id)
        .map(Grant::ClientCredentials)
        .ok_or_else(|| OAuthError::Config("set OXMCP_CLIENT_SECRET or OXMCP_CLIENT_KEY".into()))
}

/// The HTTP client settings with OAuth for the server at `url`.
pub async fn http_config(url: &str, mode: AuthMode) -> Result<HttpClientConfig, OAuthError> {
    let mut config = OAuthConfig::new("oxmcp-everything-client");
    config.client_metadata_url = env("OXMCP_CLIENT_METADATA_URL");
    if let Some(path) = env("OXMCP_TOKEN_FILE") {
        config.store = Arc::new(FileTokenStore::new(path));
    }
    let oauth = match mode {
        AuthMode::ClientCredentials => {
            config.grant = client_credentials()?;
            OAuthClient::without_user(url, config)?
        }
        AuthMode::Code => {
            if let Some(id) = env("OXMCP_CLIENT_ID") {
                let identity =
                    secret_identity(id.clone()).unwrap_or_else(|| ClientIdentity::public(id));
                config
                    .pre_registered
                    .push(PreRegistered::new(None, identity));
            }
            let open = Arc::new(|url: &Url| {
                eprintln!("open this URL in your browser to authorize:\n  {url}");
                Ok(())
            });
            let redirect = LoopbackRedirect::bind(0, open).await?;
            OAuthClient::new(url, config, Arc::new(redirect))?
        }
    };
    let mut http = HttpClientConfig::default();
    http.auth = Some(Arc::new(oauth));
    Ok(http)
}
