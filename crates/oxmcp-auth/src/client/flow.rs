//! The grants: authorization code with PKCE, client credentials, the ID-JAG exchange, and
//! refresh.

use std::sync::atomic::Ordering;

use oxmcp_http::client::AccessToken;
use url::Url;

use super::metadata::AuthorizationServerMetadata;
use super::pkce::{Pkce, random_b64};
use super::redirect::{UserAgent, parse_response};
use super::registration::{self, RegistrationRequest};
use super::token::{self, AuthMethod, ClientIdentity, Expect, TokenSet, push};
use super::{
    Current, Discovered, Grant, ID_JAG_TOKEN_TYPE, IdentityAssertionGrant, OAuthClient, OAuthError,
    StoreKey, safety,
};

const OFFLINE_ACCESS: &str = "offline_access";

/// Uses a secret method the server supports when the configured one is not listed.
fn adapt(mut identity: ClientIdentity, metadata: &AuthorizationServerMetadata) -> ClientIdentity {
    let secret_method = matches!(
        identity.method,
        AuthMethod::ClientSecretBasic | AuthMethod::ClientSecretPost
    );
    if secret_method
        && identity.client_secret.is_some()
        && !metadata.supports_auth_method(identity.method.name())
    {
        if metadata.supports_auth_method("client_secret_basic") {
            identity.method = AuthMethod::ClientSecretBasic;
        } else if metadata.supports_auth_method("client_secret_post") {
            identity.method = AuthMethod::ClientSecretPost;
        }
    }
    identity
}

fn scope_param(scopes: &[String]) -> Option<String> {
    (!scopes.is_empty()).then(|| scopes.join(" "))
}

/// The authorization request: the endpoint with the parameters of the code flow.
fn authorization_url(
    discovered: &Discovered,
    client: &ClientIdentity,
    redirect_uri: &str,
    pkce: &Pkce,
    state: &str,
    scopes: &[String],
) -> Result<Url, OAuthError> {
    let endpoint = discovered
        .metadata
        .authorization_endpoint
        .as_deref()
        .ok_or_else(|| OAuthError::Metadata {
            url: discovered.issuer.clone(),
            reason: "no authorization_endpoint".into(),
        })?;
    let mut url = safety::parse(endpoint)?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &client.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("state", state)
            .append_pair("resource", &discovered.resource);
        if let Some(scope) = scope_param(scopes) {
            query.append_pair("scope", &scope);
        }
    }
    Ok(url)
}

impl OAuthClient {
    /// Runs the configured grant for `scopes` and makes its tokens current.
    pub(super) async fn obtain(
        &self,
        discovered: &Discovered,
        scopes: Vec<String>,
    ) -> Result<(), OAuthError> {
        let (tokens, client) = match &self.inner.config.grant {
            Grant::AuthorizationCode => self.code_flow(discovered, &scopes).await?,
            Grant::ClientCredentials(identity) => {
                let identity = adapt(identity.clone(), &discovered.metadata);
                let mut form = Vec::new();
                push(&mut form, "grant_type", "client_credentials");
                push(&mut form, "resource", &discovered.resource);
                if let Some(scope) = scope_param(&scopes) {
                    push(&mut form, "scope", &scope);
                }
                let tokens = self
                    .token_request(discovered, Some(&identity), form)
                    .await?;
                (tokens, identity)
            }
            Grant::IdentityAssertion(grant) => self.id_jag_flow(discovered, grant, &scopes).await?,
        };
        self.inner.authorizations.fetch_add(1, Ordering::Relaxed);
        self.install(discovered, tokens, scopes, Some(client)).await;
        Ok(())
    }

    async fn install(
        &self,
        discovered: &Discovered,
        tokens: TokenSet,
        scopes: Vec<String>,
        client: Option<ClientIdentity>,
    ) {
        let key = StoreKey::new(&discovered.issuer, &discovered.resource);
        if let Err(e) = self
            .inner
            .config
            .store
            .save(&key, &tokens.to_stored())
            .await
        {
            tracing::warn!(error = %e, "the token store failed; the tokens are kept in memory only");
        }
        self.state().current = Some(Current {
            key,
            tokens,
            scopes,
            client,
        });
    }

    async fn token_request(
        &self,
        discovered: &Discovered,
        client: Option<&ClientIdentity>,
        form: Vec<(String, String)>,
    ) -> Result<TokenSet, OAuthError> {
        let endpoint = token::endpoint(&discovered.metadata)?;
        token::request(
            &self.inner.fetcher,
            &endpoint,
            client,
            &discovered.issuer,
            form,
            Expect::Bearer,
        )
        .await
    }

    /// Refreshes `current`'s tokens and makes the new ones current.
    pub(super) async fn refresh(
        &self,
        discovered: &Discovered,
        current: &Current,
    ) -> Result<AccessToken, OAuthError> {
        let refresh_token = current
            .tokens
            .refresh_token
            .clone()
            .ok_or_else(|| OAuthError::Config("no refresh token".into()))?;
        let client = match &current.client {
            Some(client) => client.clone(),
            None => self.client_for(discovered).await?,
        };
        let mut form = Vec::new();
        push(&mut form, "grant_type", "refresh_token");
        push(&mut form, "refresh_token", refresh_token.expose());
        push(&mut form, "resource", &discovered.resource);
        self.inner.refreshes.fetch_add(1, Ordering::Relaxed);
        let mut tokens = self.token_request(discovered, Some(&client), form).await?;
        if tokens.refresh_token.is_none() {
            // The server did not rotate it: the old one stays valid.
            tokens.refresh_token = Some(refresh_token);
        }
        let token = tokens.access_token.clone();
        self.install(discovered, tokens, current.scopes.clone(), Some(client))
            .await;
        Ok(token)
    }

    /// The client's identity at the discovered server, in the spec's order of preference.
    async fn client_for(&self, discovered: &Discovered) -> Result<ClientIdentity, OAuthError> {
        let config = &self.inner.config;
        let metadata = &discovered.metadata;
        let issuer = &discovered.issuer;
        if let Some(pre) = config.pre_registered.iter().find(|p| p.is_for(issuer)) {
            return Ok(adapt(pre.identity.clone(), metadata));
        }
        if metadata.client_id_metadata_document_supported == Some(true)
            && let Some(url) = &config.client_metadata_url
        {
            return Ok(ClientIdentity::public(url.clone()));
        }
        let known = self.state().registered.get(issuer).cloned();
        let known = match known {
            Some(k) => Some(k),
            None => config.store.load_client(issuer).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the token store failed");
                None
            }),
        };
        if let Some(known) = known {
            return Ok(known.identity());
        }
        if metadata.registration_endpoint.is_none() || !config.dynamic_registration {
            return Err(OAuthError::NoRegistration(issuer.clone()));
        }
        let handler = self.handler()?;
        let redirect_uri = handler.redirect_uri();
        let request = RegistrationRequest {
            client_name: &config.client_name,
            client_uri: config.client_uri.as_deref(),
            redirect_uri: &redirect_uri,
            refresh: config.request_refresh,
        };
        let registered = registration::register(&self.inner.fetcher, metadata, &request).await?;
        if let Err(e) = config.store.save_client(issuer, &registered).await {
            tracing::warn!(error = %e, "the token store failed to keep the registration");
        }
        self.state()
            .registered
            .insert(issuer.clone(), registered.clone());
        Ok(registered.identity())
    }

    fn handler(&self) -> Result<&dyn super::AuthorizationHandler, OAuthError> {
        self.inner.handler.as_deref().ok_or_else(|| {
            OAuthError::Config("the authorization code grant needs an AuthorizationHandler".into())
        })
    }

    /// Authorization code with PKCE S256, `state`, `resource`, and RFC 9207 `iss`.
    async fn code_flow(
        &self,
        discovered: &Discovered,
        scopes: &[String],
    ) -> Result<(TokenSet, ClientIdentity), OAuthError> {
        let metadata = &discovered.metadata;
        let s256 = metadata
            .code_challenge_methods_supported
            .as_ref()
            .is_some_and(|m| m.iter().any(|x| x == "S256"));
        if !s256 {
            return Err(OAuthError::PkceUnsupported(discovered.issuer.clone()));
        }
        let handler = self.handler()?;
        let client = self.client_for(discovered).await?;
        let redirect_uri = handler.redirect_uri();
        let pkce = Pkce::new();
        let state = random_b64(24);
        let mut scopes = scopes.to_vec();
        if self.inner.config.request_refresh
            && metadata.supports_scope(OFFLINE_ACCESS)
            && !scopes.iter().any(|s| s == OFFLINE_ACCESS)
        {
            scopes.push(OFFLINE_ACCESS.to_owned());
        }
        let url = authorization_url(discovered, &client, &redirect_uri, &pkce, &state, &scopes)?;
        safety::check_open(&url, self.inner.fetcher.policy())?;
        let agent = UserAgent {
            fetcher: &self.inner.fetcher,
        };
        let redirect: Url = handler.authorize(&url, agent).await?;
        let iss_required = metadata.authorization_response_iss_parameter_supported == Some(true);
        let response = parse_response(&redirect, &state, &discovered.issuer, iss_required)?;
        let mut form = Vec::new();
        push(&mut form, "grant_type", "authorization_code");
        push(&mut form, "code", &response.code);
        push(&mut form, "redirect_uri", &redirect_uri);
        push(&mut form, "code_verifier", &pkce.verifier);
        push(&mut form, "resource", &discovered.resource);
        let tokens = self.token_request(discovered, Some(&client), form).await?;
        Ok((tokens, client))
    }

    /// Enterprise-managed authorization: token exchange at the identity provider for an
    /// ID-JAG, then the jwt-bearer grant at the MCP server's authorization server.
    async fn id_jag_flow(
        &self,
        discovered: &Discovered,
        grant: &IdentityAssertionGrant,
        scopes: &[String],
    ) -> Result<(TokenSet, ClientIdentity), OAuthError> {
        let idp = safety::parse(&grant.idp_token_endpoint)?;
        let mut form = Vec::new();
        push(
            &mut form,
            "grant_type",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        );
        push(&mut form, "requested_token_type", ID_JAG_TOKEN_TYPE);
        push(&mut form, "audience", &discovered.issuer);
        push(&mut form, "resource", &discovered.resource);
        if let Some(scope) = scope_param(scopes) {
            push(&mut form, "scope", &scope);
        }
        push(&mut form, "subject_token", grant.subject_token.expose());
        push(&mut form, "subject_token_type", &grant.subject_token_type);
        let idp_audience = idp.origin().ascii_serialization();
        let jag = token::request(
            &self.inner.fetcher,
            &idp,
            grant.idp_client.as_ref(),
            &idp_audience,
            form,
            Expect::Issued(ID_JAG_TOKEN_TYPE),
        )
        .await?;
        let client = adapt(grant.client.clone(), &discovered.metadata);
        let mut form = Vec::new();
        push(
            &mut form,
            "grant_type",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
        );
        push(&mut form, "assertion", jag.access_token.secret());
        push(&mut form, "resource", &discovered.resource);
        if let Some(scope) = scope_param(scopes) {
            push(&mut form, "scope", &scope);
        }
        let tokens = self.token_request(discovered, Some(&client), form).await?;
        Ok((tokens, client))
    }
}
