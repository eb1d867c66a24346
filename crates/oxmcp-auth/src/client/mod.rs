//! The MCP client's OAuth 2.1: [`OAuthClient`], the bearer-token source of the Streamable
//! HTTP client transport.
//!
//! What happens on a 401 from the MCP server:
//!
//! 1. The `WWW-Authenticate` challenge is parsed ([`challenge`]).
//! 2. Discovery ([`discovery`]): protected resource metadata, the `resource` check, the
//!    authorization server metadata with the issuer check (or the 2025-03-26 fallback).
//! 3. Tokens kept in the [`TokenStore`] for that issuer and resource are used (refreshed
//!    if they expired); otherwise the [`Grant`] runs:
//!    - authorization code with PKCE S256: the client is identified in the spec's order
//!      (pre-registered credentials, a Client ID Metadata Document, a registration kept from
//!      before, Dynamic Client Registration), the user authorizes through the
//!      [`AuthorizationHandler`], the code is exchanged with `resource` and the verifier;
//!    - client credentials (extension `io.modelcontextprotocol/oauth-client-credentials`);
//!    - enterprise-managed authorization (extension
//!      `io.modelcontextprotocol/enterprise-managed-authorization`): an RFC 8693 token
//!      exchange at the identity provider for an ID-JAG, then the RFC 7523 jwt-bearer grant.
//! 4. The request is sent again with the token.
//!
//! On a 403 `insufficient_scope` the client authorizes again with the scopes it had plus
//! those of the challenge (step-up); the transport bounds the rounds per request (3 by
//! default, [`HttpClientConfig::max_auth_rounds`](oxmcp_http::HttpClientConfig)).
//! An access token that expires is refreshed before use, once for all the requests that
//! meet it (single flight). Safety rules: [`safety`].
//!
//! The authorization runs inside the request that met the 401, often the `initialize`,
//! which waits for the user meanwhile: hosts with interactive logins raise
//! `ClientConfig::initialize_timeout` (30 s by default) and the request timeout of the
//! session to leave the user time to log in.

pub mod challenge;
pub mod discovery;
mod error;
mod fetch;
mod flow;
mod jwt;
pub mod metadata;
mod pkce;
mod redirect;
mod registration;
pub mod safety;
mod store;
mod token;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use oxmcp_http::client::{
    AccessToken, AuthError, AuthProvider, Challenge, ChallengeOutcome, TlsConfig,
};
use oxmcp_http::event_store::BoxFuture;

pub use challenge::BearerChallenge;
pub use discovery::Discovered;
pub use error::OAuthError;
pub use fetch::FetchLimits;
pub use jwt::SigningKey;
pub use redirect::{AuthorizationHandler, HeadlessRedirect, LoopbackRedirect, OpenUrl, UserAgent};
pub use registration::{ClientMetadataDocument, PreRegistered};
pub use safety::{InternalAddresses, UrlPolicy};
pub use store::{FileTokenStore, MemoryTokenStore, RegisteredClient, StoreKey, TokenStore};
pub use token::{AuthMethod, ClientIdentity, Secret, StoredTokens, TokenSet};
/// The URL type of the hooks ([`OpenUrl`], [`AuthorizationHandler`]).
pub use url::Url;

/// The extension identifier of the client credentials grant (SEP-1046).
pub const CLIENT_CREDENTIALS_EXTENSION: &str = "io.modelcontextprotocol/oauth-client-credentials";
/// The extension identifier of enterprise-managed authorization (SEP-990).
pub const ENTERPRISE_MANAGED_EXTENSION: &str =
    "io.modelcontextprotocol/enterprise-managed-authorization";
/// The token type of an identity assertion JWT authorization grant.
pub const ID_JAG_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id-jag";
/// The token type of an OpenID Connect ID token (the usual subject token).
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";

/// Enterprise-managed authorization (SEP-990): the identity provider turns the user's
/// identity assertion into an ID-JAG for the MCP server's authorization server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IdentityAssertionGrant {
    /// The identity provider's token endpoint.
    pub idp_token_endpoint: String,
    /// How the client authenticates at the identity provider (`None`: it does not).
    pub idp_client: Option<ClientIdentity>,
    /// The identity assertion (an ID token, or a SAML assertion).
    pub subject_token: Secret,
    /// Its type ([`ID_TOKEN_TYPE`] by default).
    pub subject_token_type: String,
    /// The client's identity at the MCP server's authorization server.
    pub client: ClientIdentity,
}

impl IdentityAssertionGrant {
    /// A grant with an ID token as the subject token.
    pub fn new(
        idp_token_endpoint: impl Into<String>,
        id_token: Secret,
        client: ClientIdentity,
    ) -> Self {
        Self {
            idp_token_endpoint: idp_token_endpoint.into(),
            idp_client: None,
            subject_token: id_token,
            subject_token_type: ID_TOKEN_TYPE.to_owned(),
            client,
        }
    }
}

/// How tokens are obtained.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Grant {
    /// Authorization code with PKCE, for a user (the default; needs an
    /// [`AuthorizationHandler`]).
    #[default]
    AuthorizationCode,
    /// Client credentials, machine to machine, with pre-registered credentials (a secret, or
    /// a key for `private_key_jwt`).
    ClientCredentials(ClientIdentity),
    /// Enterprise-managed authorization with an ID-JAG.
    IdentityAssertion(IdentityAssertionGrant),
}

impl Grant {
    /// The extension the grant belongs to, to declare in the client's `extensions`
    /// capability.
    pub fn extension(&self) -> Option<&'static str> {
        match self {
            Self::AuthorizationCode => None,
            Self::ClientCredentials(_) => Some(CLIENT_CREDENTIALS_EXTENSION),
            Self::IdentityAssertion(_) => Some(ENTERPRISE_MANAGED_EXTENSION),
        }
    }
}

/// Settings of an [`OAuthClient`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthConfig {
    /// The client's name (registration, metadata documents).
    pub client_name: String,
    /// The client's home page, if any.
    pub client_uri: Option<String>,
    /// The URL of the client's Client ID Metadata Document (an `https:` URL with a path),
    /// used as `client_id` where the server supports it.
    pub client_metadata_url: Option<String>,
    /// Credentials registered out of band.
    pub pre_registered: Vec<PreRegistered>,
    /// Whether Dynamic Client Registration may be used (default true).
    pub dynamic_registration: bool,
    /// How tokens are obtained.
    pub grant: Grant,
    /// Whether to ask for refresh tokens: register the `refresh_token` grant and ask
    /// `offline_access` when the server lists it (default true).
    pub request_refresh: bool,
    /// Which URLs may be fetched and opened.
    pub url_policy: UrlPolicy,
    /// Size and time limits of the OAuth calls.
    pub limits: FetchLimits,
    /// TLS settings of the OAuth calls (as for the transport).
    pub tls: TlsConfig,
    /// Where tokens and registrations are kept (in memory by default).
    pub store: Arc<dyn TokenStore>,
    /// How long before its expiry a token is refreshed (default 30 s).
    pub refresh_margin: Duration,
}

impl OAuthConfig {
    /// Defaults for a client named `client_name`.
    pub fn new(client_name: impl Into<String>) -> Self {
        Self {
            client_name: client_name.into(),
            client_uri: None,
            client_metadata_url: None,
            pre_registered: Vec::new(),
            dynamic_registration: true,
            grant: Grant::AuthorizationCode,
            request_refresh: true,
            url_policy: UrlPolicy::default(),
            limits: FetchLimits::default(),
            tls: TlsConfig::default(),
            store: Arc::new(MemoryTokenStore::new()),
            refresh_margin: Duration::from_secs(30),
        }
    }
}

/// The tokens in use.
#[derive(Debug, Clone)]
struct Current {
    key: StoreKey,
    tokens: TokenSet,
    scopes: Vec<String>,
    client: Option<ClientIdentity>,
}

#[derive(Debug, Default)]
struct State {
    discovered: Option<Arc<Discovered>>,
    /// The challenge's `resource_metadata` discovery started from.
    discovered_from: Option<String>,
    current: Option<Current>,
    registered: HashMap<String, RegisteredClient>,
}

struct Inner {
    server: Url,
    config: OAuthConfig,
    handler: Option<Arc<dyn AuthorizationHandler>>,
    fetcher: fetch::Fetcher,
    state: Mutex<State>,
    flight: tokio::sync::Mutex<()>,
    authorizations: AtomicUsize,
    refreshes: AtomicUsize,
}

/// The OAuth 2.1 client of one MCP server (see the [module docs](self)). Cheap to clone.
#[derive(Clone)]
pub struct OAuthClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens and secrets stay out (TokenSet, Secret and ClientIdentity redact them).
        let state = self.state();
        f.debug_struct("OAuthClient")
            .field("server", &self.inner.server.as_str())
            .field(
                "grant",
                &self
                    .inner
                    .config
                    .grant
                    .extension()
                    .unwrap_or("authorization_code"),
            )
            .field(
                "issuer",
                &state.discovered.as_ref().map(|d| d.issuer.clone()),
            )
            .field("has_token", &state.current.is_some())
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// A client for the MCP server at `server_url` whose users authorize through `handler`.
    pub fn new(
        server_url: &str,
        config: OAuthConfig,
        handler: Arc<dyn AuthorizationHandler>,
    ) -> Result<Self, OAuthError> {
        Self::build(server_url, config, Some(handler))
    }

    /// A client without a user: for [`Grant::ClientCredentials`] and
    /// [`Grant::IdentityAssertion`].
    pub fn without_user(server_url: &str, config: OAuthConfig) -> Result<Self, OAuthError> {
        if matches!(config.grant, Grant::AuthorizationCode) {
            return Err(OAuthError::Config(
                "the authorization code grant needs an AuthorizationHandler".into(),
            ));
        }
        Self::build(server_url, config, None)
    }

    fn build(
        server_url: &str,
        config: OAuthConfig,
        handler: Option<Arc<dyn AuthorizationHandler>>,
    ) -> Result<Self, OAuthError> {
        let server = safety::parse(server_url)?;
        if let Some(url) = &config.client_metadata_url {
            registration::check_cimd_url(url)?;
        }
        let fetcher = fetch::Fetcher::new(
            server.clone(),
            &config.tls,
            config.url_policy.clone(),
            config.limits.clone(),
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                server,
                config,
                handler,
                fetcher,
                state: Mutex::new(State::default()),
                flight: tokio::sync::Mutex::new(()),
                authorizations: AtomicUsize::new(0),
                refreshes: AtomicUsize::new(0),
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// How many times a grant ran (an authorization, a client credentials request, ...).
    pub fn grants_run(&self) -> usize {
        self.inner.authorizations.load(Ordering::Relaxed)
    }

    /// How many refresh requests were made.
    pub fn refreshes(&self) -> usize {
        self.inner.refreshes.load(Ordering::Relaxed)
    }

    fn current_token(&self) -> Option<AccessToken> {
        self.state()
            .current
            .as_ref()
            .map(|c| c.tokens.access_token.clone())
    }

    /// What discovery found, once it ran.
    pub fn discovered(&self) -> Option<Arc<Discovered>> {
        self.state().discovered.clone()
    }

    /// The current tokens (for a host that shows their expiry; `Debug` redacts them).
    pub fn tokens(&self) -> Option<TokenSet> {
        self.state().current.as_ref().map(|c| c.tokens.clone())
    }

    /// The current access token, refreshed first when it expires within the margin. `None`
    /// when there is none (the next 401 starts authorization).
    pub async fn access_token(&self) -> Result<Option<AccessToken>, OAuthError> {
        let Some(current) = self.state().current.clone() else {
            return Ok(None);
        };
        if !current
            .tokens
            .expires_within(self.inner.config.refresh_margin)
        {
            return Ok(Some(current.tokens.access_token));
        }
        let _turn = self.inner.flight.lock().await;
        // Another request may have refreshed while this one waited.
        let now = self.state().current.clone();
        match now {
            Some(now) if !now.tokens.expires_within(self.inner.config.refresh_margin) => {
                Ok(Some(now.tokens.access_token))
            }
            Some(now) => Ok(self.renew_expired(now).await),
            None => Ok(None),
        }
    }

    /// Refreshes (or, without a refresh token, re-runs a grant that needs no user); `None`
    /// when neither worked.
    async fn renew_expired(&self, current: Current) -> Option<AccessToken> {
        let discovered = self.state().discovered.clone();
        let discovered = discovered?;
        if current.tokens.refresh_token.is_some() {
            match self.refresh(&discovered, &current).await {
                Ok(token) => return Some(token),
                Err(e) => {
                    tracing::info!(error = %e, "refreshing the access token failed");
                    if let Err(e) = self.inner.config.store.remove(&current.key).await {
                        tracing::warn!(error = %e, "the token store failed");
                    }
                }
            }
        }
        self.state().current = None;
        if matches!(self.inner.config.grant, Grant::AuthorizationCode) {
            return None;
        }
        match self.obtain(&discovered, current.scopes).await {
            Ok(()) => self.current_token(),
            Err(e) => {
                tracing::info!(error = %e, "obtaining a new access token failed");
                None
            }
        }
    }

    async fn handle_challenge(
        &self,
        challenge: &Challenge,
        rejected: Option<&AccessToken>,
    ) -> Result<ChallengeOutcome, OAuthError> {
        let bearer = challenge::parse_bearer(&challenge.www_authenticate).unwrap_or_default();
        let forbidden = challenge.status == http::StatusCode::FORBIDDEN;
        if forbidden && bearer.error() != Some("insufficient_scope") {
            return Ok(ChallengeOutcome::GiveUp);
        }
        let _turn = self.inner.flight.lock().await;
        let current = self.state().current.clone();
        if let Some(current) = current
            && Some(&current.tokens.access_token) != rejected
            && !current
                .tokens
                .expires_within(self.inner.config.refresh_margin)
            && (!forbidden || covers(&current.scopes, &bearer.scopes().unwrap_or_default()))
        {
            // Another request obtained a new token meanwhile.
            return Ok(ChallengeOutcome::Retry);
        }
        let discovered = self.discovery(&bearer).await?;
        if forbidden {
            let had = self.state().current.as_ref().map(|c| c.scopes.clone());
            let mut scopes = had.unwrap_or_default();
            for scope in bearer.scopes().unwrap_or_default() {
                if !scopes.contains(&scope) {
                    scopes.push(scope);
                }
            }
            self.obtain(&discovered, scopes).await?;
            return Ok(ChallengeOutcome::Retry);
        }
        if self.reuse(&discovered, rejected).await {
            return Ok(ChallengeOutcome::Retry);
        }
        let scopes = bearer
            .scopes()
            .or_else(|| {
                discovered
                    .resource_metadata
                    .as_ref()
                    .and_then(|m| m.scopes_supported.clone())
            })
            .unwrap_or_default();
        self.obtain(&discovered, scopes).await?;
        Ok(ChallengeOutcome::Retry)
    }

    /// Discovery, run once (again when a challenge names other metadata).
    async fn discovery(&self, bearer: &BearerChallenge) -> Result<Arc<Discovered>, OAuthError> {
        let hint = bearer.resource_metadata().map(str::to_owned);
        let known = {
            let state = self.state();
            let same = hint.is_none() || state.discovered_from == hint;
            state.discovered.clone().filter(|_| same)
        };
        if let Some(found) = known {
            return Ok(found);
        }
        let found = Arc::new(
            discovery::discover(&self.inner.fetcher, &self.inner.server, Some(bearer)).await?,
        );
        let mut state = self.state();
        state.discovered = Some(found.clone());
        state.discovered_from = hint;
        Ok(found)
    }

    /// Uses tokens kept for this issuer and resource, or refreshes the rejected ones.
    async fn reuse(&self, discovered: &Discovered, rejected: Option<&AccessToken>) -> bool {
        let key = StoreKey::new(&discovered.issuer, &discovered.resource);
        let in_use = self.state().current.clone();
        let current = match in_use {
            Some(c) => Some(c),
            None => match self.inner.config.store.load(&key).await {
                Ok(Some(stored)) => Some(Current {
                    key: key.clone(),
                    tokens: TokenSet::from_stored(&stored),
                    scopes: Vec::new(),
                    client: None,
                }),
                Ok(None) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "the token store failed");
                    None
                }
            },
        };
        let Some(current) = current else { return false };
        let fresh = !current
            .tokens
            .expires_within(self.inner.config.refresh_margin);
        if fresh && Some(&current.tokens.access_token) != rejected {
            self.state().current = Some(current);
            return true;
        }
        if current.tokens.refresh_token.is_some() {
            return self.refresh(discovered, &current).await.is_ok();
        }
        false
    }
}

/// Whether `have` holds every scope of `need`.
fn covers(have: &[String], need: &[String]) -> bool {
    need.iter().all(|s| have.contains(s))
}

impl AuthProvider for OAuthClient {
    fn token(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>> {
        Box::pin(async move { self.access_token().await.map_err(AuthError::from) })
    }

    fn on_challenge<'a>(
        &'a self,
        challenge: &'a Challenge,
        rejected: Option<&'a AccessToken>,
    ) -> BoxFuture<'a, Result<ChallengeOutcome, AuthError>> {
        Box::pin(async move {
            self.handle_challenge(challenge, rejected)
                .await
                .map_err(AuthError::from)
        })
    }
}
