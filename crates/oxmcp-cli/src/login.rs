//! `oxmcp login`, `logout`, `auth status`, and the tokens every command reuses.
//!
//! Tokens live in one file of mode 0600 ([`FileTokenStore`]): `$OXMCP_CONFIG_DIR/tokens.json`,
//! or `$XDG_CONFIG_HOME/oxmcp/tokens.json` (`~/.config/oxmcp/tokens.json`). They are never
//! printed or logged.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oxmcp_auth::client::{
    AuthMethod, AuthorizationHandler, ClientIdentity, FileTokenStore, Grant, LoopbackRedirect,
    OAuthClient, OAuthConfig, OAuthError, Secret, StoreKey, StoredTokens, TokenStore, Url,
    UserAgent,
};
use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{HttpClientConfig, HttpClientTransport};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::cli::{Global, LoginArgs};
use crate::connect::client_config;
use crate::error::{Exit, Failure};

/// The token file.
pub(crate) fn token_file() -> Result<PathBuf, Failure> {
    let dir = std::env::var_os("OXMCP_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CONFIG_HOME").map(|d| PathBuf::from(d).join("oxmcp")))
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config").join("oxmcp"))
        })
        .ok_or_else(|| Failure::usage("no config directory: set OXMCP_CONFIG_DIR or HOME"))?;
    Ok(dir.join("tokens.json"))
}

/// The part of the token file read here (written by [`FileTokenStore`]).
#[derive(Debug, Default, Deserialize)]
struct Contents {
    #[serde(default)]
    tokens: BTreeMap<String, StoredTokens>,
}

/// The kept tokens, by (issuer, resource).
fn kept() -> Result<Vec<(StoreKey, StoredTokens)>, Failure> {
    let file = token_file()?;
    let contents: Contents = match std::fs::read(&file) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Failure::usage(format!("{} is not a token file: {e}", file.display())))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Contents::default(),
        Err(e) => {
            return Err(Failure::usage(format!(
                "cannot read {}: {e}",
                file.display()
            )));
        }
    };
    Ok(contents
        .tokens
        .into_iter()
        .filter_map(|(flat, tokens)| {
            let (issuer, resource) = flat.split_once(' ')?;
            Some((StoreKey::new(issuer, resource), tokens))
        })
        .collect())
}

/// Whether tokens for `resource` serve `url` (the resource is the server's URL, or a
/// prefix of it on a path boundary).
fn serves(resource: &str, url: &str) -> bool {
    let resource = resource.trim_end_matches('/');
    let url = url.trim_end_matches('/');
    url == resource
        || url
            .strip_prefix(resource)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The OAuth client of a server `oxmcp login` kept tokens for (`None` when there are none).
pub(crate) async fn stored_provider(url: &str) -> Result<Option<OAuthClient>, Failure> {
    if !kept()?.iter().any(|(key, _)| serves(&key.resource, url)) {
        return Ok(None);
    }
    let mut config = OAuthConfig::new("oxmcp-cli");
    config.store = Arc::new(FileTokenStore::new(token_file()?));
    let client = OAuthClient::new(url, config, Arc::new(NotLoggedIn))
        .map_err(|e| Failure::usage(e.to_string()))?;
    Ok(Some(client))
}

/// The authorization handler of every command but `login`: a new authorization needs
/// `oxmcp login`.
#[derive(Debug)]
struct NotLoggedIn;

impl AuthorizationHandler for NotLoggedIn {
    fn redirect_uri(&self) -> String {
        "http://127.0.0.1/callback".to_owned()
    }

    fn authorize<'a>(
        &'a self,
        _url: &'a Url,
        _agent: UserAgent<'a>,
    ) -> BoxFuture<'a, Result<Url, OAuthError>> {
        Box::pin(async {
            Err(OAuthError::Interaction(
                "the kept login no longer works; run `oxmcp login URL` again".to_owned(),
            ))
        })
    }
}

/// `oxmcp login URL`.
pub(crate) async fn login(args: &LoginArgs, global: &Global) -> Result<Value, Failure> {
    let mut config = OAuthConfig::new("oxmcp-cli");
    let file = token_file()?;
    config.store = Arc::new(FileTokenStore::new(&file));
    let interactive = !args.client_credentials;
    let oauth = if args.client_credentials {
        let id = args
            .client_id
            .clone()
            .ok_or_else(|| Failure::usage("--client-credentials needs --client-id"))?;
        let secret = std::env::var(&args.client_secret_env).map_err(|_| {
            Failure::usage(format!(
                "--client-credentials needs the client secret in ${}",
                args.client_secret_env
            ))
        })?;
        let identity =
            ClientIdentity::with_secret(id, Secret::new(secret), AuthMethod::ClientSecretBasic);
        config.grant = Grant::ClientCredentials(identity);
        OAuthClient::without_user(&args.url, config).map_err(|e| Failure::usage(e.to_string()))?
    } else {
        browser_provider(&args.url, args.no_browser).await?
    };
    let mut http = HttpClientConfig::default();
    http.auth = Some(Arc::new(oauth.clone()));
    let transport = HttpClientTransport::with_config(&args.url, http)
        .map_err(|e| Failure::usage(e.to_string()))?;
    let mut client = client_config(global)?;
    if interactive {
        // The person needs time in the browser.
        client.initialize_timeout = client.initialize_timeout.max(Duration::from_secs(300));
    }
    let session = McpClient::connect(transport, client, ClientHandler::new())
        .await
        .map_err(|e| Failure::initialize(&e))?;
    session.close().await;
    let Some(tokens) = oauth.tokens() else {
        return Ok(
            json!({"url": args.url, "loggedIn": false, "reason": "the server did not ask for authorization"}),
        );
    };
    let issuer = oauth.discovered().map(|d| d.issuer.clone());
    Ok(json!({
        "url": args.url,
        "loggedIn": true,
        "issuer": issuer,
        "expiresAt": tokens.expires_at.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs()),
        "scope": tokens.scope,
        "tokenFile": file,
    }))
}

/// The OAuth client of `url` with the kept tokens; a new login goes through the browser
/// (the URL is printed on stderr, and opened unless `no_browser`) and a redirect to
/// `http://127.0.0.1:<port>/callback`.
pub(crate) async fn browser_provider(url: &str, no_browser: bool) -> Result<OAuthClient, Failure> {
    let mut config = OAuthConfig::new("oxmcp-cli");
    config.store = Arc::new(FileTokenStore::new(token_file()?));
    let open: oxmcp_auth::client::OpenUrl = Arc::new(move |url: &Url| {
        eprintln!("Open this URL to log in:\n  {url}");
        if !no_browser && let Err(e) = crate::interact::open_in_browser(url.as_str()) {
            eprintln!("(could not open a browser: {e})");
        }
        Ok(())
    });
    let redirect = LoopbackRedirect::bind(0, open)
        .await
        .map_err(|e| Failure::new(Exit::Authorization, e.to_string()))?;
    OAuthClient::new(url, config, Arc::new(redirect)).map_err(|e| Failure::usage(e.to_string()))
}

/// `oxmcp logout URL`: forgets every kept token serving `url`.
pub(crate) async fn logout(url: &str) -> Result<Value, Failure> {
    let store = FileTokenStore::new(token_file()?);
    let mut removed = Vec::new();
    for (key, _) in kept()? {
        if serves(&key.resource, url) {
            store
                .remove(&key)
                .await
                .map_err(|e| Failure::usage(e.to_string()))?;
            removed.push(json!({"issuer": key.issuer, "resource": key.resource}));
        }
    }
    Ok(json!({"url": url, "removed": removed}))
}

/// `oxmcp auth status`: what is kept, never the tokens themselves.
pub(crate) fn status() -> Result<Value, Failure> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let logins: Vec<Value> = kept()?
        .into_iter()
        .map(|(key, tokens)| {
            json!({
                "resource": key.resource,
                "issuer": key.issuer,
                "expiresAt": tokens.expires_at,
                "expired": tokens.expires_at.is_some_and(|at| at <= now),
                "refreshable": tokens.refresh_token.is_some(),
                "scope": tokens.scope,
            })
        })
        .collect();
    Ok(json!({"tokenFile": token_file()?, "logins": logins}))
}

#[cfg(test)]
mod tests {
    use super::serves;

    #[test]
    fn resources_serve_urls_on_path_boundaries() {
        assert!(serves("https://a.example/mcp", "https://a.example/mcp"));
        assert!(serves("https://a.example/mcp/", "https://a.example/mcp"));
        assert!(serves("https://a.example", "https://a.example/mcp"));
        assert!(!serves("https://a.example/mc", "https://a.example/mcp"));
        assert!(!serves("https://a.example", "https://a.example.evil/mcp"));
    }
}
