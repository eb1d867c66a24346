//! The protected-resource side: an MCP server as an OAuth 2.1 resource server.
//!
//! [`ResourceServer`] is an [`AuthHook`] for the Streamable HTTP
//! server. On every request it reads the bearer token (one `Authorization` header of at
//! most [`max_authorization_bytes`](ResourceConfig::max_authorization_bytes), refused with
//! 431 before any decoding), verifies it with a [`TokenVerifier`] and hands the verified
//! [`Principal`] to the server, which binds sessions to it, gives it
//! to every handler (`RequestContext::principal`)
//! and makes it the owner of the tasks it creates. The token itself never goes further.
//!
//! - Refusals follow RFC 6750 and the MCP authorization spec: 401 with
//!   `WWW-Authenticate: Bearer resource_metadata="…"` (and `scope="…"` when the endpoint
//!   needs scopes) without a token; 401 `invalid_token` for a bad one; 400
//!   `invalid_request` for a malformed header; 403 `insufficient_scope` naming the scopes
//!   needed (per tool, prompt or resource with [`ScopePolicy`]); 503 when the token cannot
//!   be checked now (keys or introspection unreachable).
//! - The protected resource metadata (RFC 9728) is served by [`serve`](oxmcp_http::serve)
//!   at the path-inserted and the root well-known URIs
//!   ([`well_known_paths`](ResourceServer::well_known_paths)).
//! - Two verifiers: [`JwtVerifier`] (JWT access tokens, RFC 9068, with the issuer's JWK
//!   Set) and [`IntrospectionVerifier`] (opaque tokens, RFC 7662).
//!
//! ```no_run
//! use oxmcp_auth::resource::{JwtConfig, JwtVerifier, ResourceConfig, ResourceServer, ScopePolicy};
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let resource = "https://mcp.example.com/mcp";
//! let issuer = "https://auth.example.com";
//! let verifier = JwtVerifier::new(JwtConfig::new(issuer, resource))?;
//! let mut config = ResourceConfig::new(resource, [issuer]);
//! config.scopes_supported = vec!["mcp".into()];
//! config.required_scopes = vec!["mcp".into()];
//! config.scopes = ScopePolicy::default().tool("delete_file", ["files:write"]);
//! let auth = ResourceServer::new(config, verifier)?;
//! // McpService::new(factory, HttpServerConfig::default()).with_auth(auth)
//! # drop(auth);
//! # Ok(())
//! # }
//! ```

mod challenge;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod introspect;
mod jwk;
mod jwt;
mod keys;
mod metadata;
mod scopes;
mod verify;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;

use ::http::StatusCode;
use ::http::request::Parts;
use bytes::Bytes;
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{AuthHook, AuthRejection, Principal};
use oxmcp_types::jsonrpc::Request;
use url::Url;

use challenge::{BearerError, Unreadable, bearer_token, rejection};
pub use http::UpstreamLimits;
pub use introspect::{IntrospectionConfig, IntrospectionVerifier};
pub use jwk::Algorithm;
pub use keys::{JwtConfig, JwtVerifier, MAX_LEEWAY};
pub use scopes::ScopePolicy;
pub use verify::{Invalid, TokenVerifier, Verified, VerifyError};

/// The well-known name of protected resource metadata (RFC 9728 §3).
pub const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// Settings of a [`ResourceServer`]: what its metadata says and what it requires.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ResourceConfig {
    /// This server's canonical URI (RFC 8707 §2, RFC 9728 `resource`): `https` (or `http`),
    /// lowercase host, no fragment, no query, no trailing slash except for the root.
    /// Tokens must name it in their audience.
    pub resource: String,
    /// The issuers of the authorization servers clients may use (at least one).
    pub authorization_servers: Vec<String>,
    /// `scopes_supported` of the metadata: the scopes for basic use (default none).
    pub scopes_supported: Vec<String>,
    /// Scopes every request needs (default none); named in the 401 challenge.
    pub required_scopes: Vec<String>,
    /// The scopes of each tool, prompt and resource.
    pub scopes: ScopePolicy,
    /// `resource_name` of the metadata.
    pub resource_name: Option<String>,
    /// `resource_documentation` of the metadata.
    pub resource_documentation: Option<String>,
    /// The largest `Authorization` header read (default 8 KiB); a larger one gets 431.
    pub max_authorization_bytes: usize,
}

impl ResourceConfig {
    /// The resource `resource` with these authorization servers and the defaults.
    pub fn new(
        resource: impl Into<String>,
        authorization_servers: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Self {
            resource: resource.into(),
            authorization_servers: authorization_servers.into_iter().map(Into::into).collect(),
            scopes_supported: Vec::new(),
            required_scopes: Vec::new(),
            scopes: ScopePolicy::default(),
            resource_name: None,
            resource_documentation: None,
            max_authorization_bytes: 8 << 10,
        }
    }
}

/// Why a [`ResourceServer`] could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// The resource URI is not a canonical resource identifier.
    #[error("`{resource}` is not a canonical resource URI: {reason}")]
    NotCanonical {
        /// The URI given.
        resource: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No authorization server is named.
    #[error("the protected resource metadata needs at least one authorization server")]
    NoAuthorizationServer,
}

/// Checks that `resource` is canonical and returns its URL.
fn canonical(resource: &str) -> Result<Url, ResourceError> {
    let refuse = |reason: String| ResourceError::NotCanonical {
        resource: resource.to_owned(),
        reason,
    };
    let url = Url::parse(resource).map_err(|e| refuse(e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
        return Err(refuse("not an http(s) URL with a host".into()));
    }
    if url.fragment().is_some() || url.query().is_some() || !url.username().is_empty() {
        return Err(refuse(
            "it has a fragment, a query or user information".into(),
        ));
    }
    if url.path() != "/" && url.path().ends_with('/') {
        return Err(refuse("the path ends with a slash".into()));
    }
    let same = url.as_str() == resource
        || (url.path() == "/" && url.as_str().strip_suffix('/') == Some(resource));
    if !same {
        return Err(refuse(format!("its canonical form is `{}`", url.as_str())));
    }
    Ok(url)
}

/// An MCP server as an OAuth 2.1 protected resource (see the [module docs](self)).
#[derive(Clone)]
pub struct ResourceServer {
    inner: Arc<Inner>,
}

struct Inner {
    config: ResourceConfig,
    verifier: Box<dyn TokenVerifier>,
    metadata_url: String,
    well_known: [String; 2],
    document: Bytes,
}

impl fmt::Debug for ResourceServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceServer")
            .field("config", &self.inner.config)
            .field("metadata_url", &self.inner.metadata_url)
            .finish_non_exhaustive()
    }
}

impl ResourceServer {
    /// A resource server with these settings, verifying tokens with `verifier`.
    pub fn new(
        config: ResourceConfig,
        verifier: impl TokenVerifier,
    ) -> Result<Self, ResourceError> {
        let url = canonical(&config.resource)?;
        if config.authorization_servers.is_empty() {
            return Err(ResourceError::NoAuthorizationServer);
        }
        let path = url.path().trim_end_matches('/');
        let inserted = format!("{WELL_KNOWN}{path}");
        let mut metadata_url = url.clone();
        metadata_url.set_path(&inserted);
        let document = metadata::ResourceMetadataDocument {
            resource: &config.resource,
            authorization_servers: &config.authorization_servers,
            scopes_supported: &config.scopes_supported,
            bearer_methods_supported: ["header"],
            resource_name: config.resource_name.as_deref(),
            resource_documentation: config.resource_documentation.as_deref(),
        };
        let document = Bytes::from(serde_json::to_vec(&document).unwrap_or_default());
        Ok(Self {
            inner: Arc::new(Inner {
                metadata_url: metadata_url.to_string(),
                well_known: [inserted, WELL_KNOWN.to_owned()],
                document,
                verifier: Box::new(verifier),
                config,
            }),
        })
    }

    /// The URL of the protected resource metadata, as the challenges name it.
    pub fn metadata_url(&self) -> &str {
        &self.inner.metadata_url
    }

    /// The paths the metadata is served at: the path-inserted one, then the root one
    /// (the same when the resource is the root).
    pub fn well_known_paths(&self) -> &[String; 2] {
        &self.inner.well_known
    }

    /// The protected resource metadata document (JSON).
    pub fn metadata_document(&self) -> Bytes {
        self.inner.document.clone()
    }

    fn reject(&self, error: BearerError, scopes: &[&str], why: Option<&str>) -> AuthRejection {
        rejection(error, &self.inner.metadata_url, scopes, why)
    }

    fn required(&self) -> Vec<&str> {
        self.inner
            .config
            .required_scopes
            .iter()
            .map(String::as_str)
            .collect()
    }

    async fn check(&self, parts: &Parts) -> Result<Option<Principal>, AuthRejection> {
        let config = &self.inner.config;
        let token = match bearer_token(&parts.headers, config.max_authorization_bytes) {
            Ok(token) => token,
            Err(Unreadable::Missing) => {
                return Err(self.reject(BearerError::Missing, &self.required(), None));
            }
            Err(Unreadable::TooLarge) => {
                return Err(AuthRejection::new(
                    StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                    None,
                ));
            }
            Err(Unreadable::Malformed) => {
                let why = Some("the Authorization header is not one Bearer token");
                return Err(self.reject(BearerError::InvalidRequest, &[], why));
            }
        };
        let verified = match self.inner.verifier.verify(token).await {
            Ok(verified) => verified,
            Err(VerifyError::Invalid(reason)) => {
                tracing::debug!(%reason, "bearer token refused");
                let why = reason.to_string();
                return Err(self.reject(BearerError::InvalidToken, &self.required(), Some(&why)));
            }
            Err(VerifyError::Unavailable(reason)) => {
                tracing::warn!(%reason, "bearer token not verifiable now");
                return Err(AuthRejection::new(StatusCode::SERVICE_UNAVAILABLE, None));
            }
        };
        let principal = verified.principal;
        if config
            .required_scopes
            .iter()
            .any(|s| !principal.has_scope(s))
        {
            let scopes = union(&principal, &config.required_scopes, &[]);
            let why = Some("the token lacks a scope this server requires");
            return Err(self.reject(BearerError::InsufficientScope, &scopes, why));
        }
        Ok(Some(principal))
    }
}

/// The scopes a step-up asks for: those granted, then the required ones, without repeats
/// (so that a client re-authorizing with them loses nothing).
fn union<'a>(principal: &'a Principal, required: &'a [String], more: &'a [String]) -> Vec<&'a str> {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in principal.scopes.iter().chain(required).chain(more) {
        if !scopes.contains(&scope.as_str()) {
            scopes.push(scope);
        }
    }
    scopes
}

impl AuthHook for ResourceServer {
    fn authorize<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        Box::pin(async move { self.check(parts).await.map(|_| ()) })
    }

    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthRejection>> {
        Box::pin(self.check(parts))
    }

    fn authorize_request(
        &self,
        principal: Option<&Principal>,
        request: &Request,
    ) -> Result<(), AuthRejection> {
        let config = &self.inner.config;
        let needed = match config.scopes.required(request) {
            Ok(Some(needed)) => needed,
            Ok(None) => return Ok(()),
            Err(()) => {
                let why = Some("the request does not name what it operates on");
                return Err(self.reject(BearerError::InvalidRequest, &[], why));
            }
        };
        let Some(principal) = principal else {
            return Err(self.reject(BearerError::Missing, &self.required(), None));
        };
        if needed.iter().all(|s| principal.has_scope(s)) {
            return Ok(());
        }
        let scopes = union(principal, &config.required_scopes, &needed);
        let why = Some("the token lacks a scope this operation requires");
        Err(self.reject(BearerError::InsufficientScope, &scopes, why))
    }

    fn document(&self, path: &str) -> Option<Bytes> {
        self.inner
            .well_known
            .iter()
            .any(|p| p == path)
            .then(|| self.inner.document.clone())
    }
}
