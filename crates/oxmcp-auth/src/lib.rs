//! OAuth 2.1 for oxmcp (MCP 2025-11-25 authorization, with the 2025-03-26 fallback).
//!
//! - [`client`]: the MCP client's side. [`OAuthClient`](client::OAuthClient) is an
//!   [`AuthProvider`](oxmcp_http::client::AuthProvider) for the Streamable HTTP client
//!   transport: on a 401 it discovers the authorization server (RFC 9728 protected resource
//!   metadata, RFC 8414 / OpenID Connect metadata), registers the client (pre-registered
//!   credentials, a Client ID Metadata Document, or dynamic registration), obtains a token
//!   (authorization code with PKCE, client credentials, or enterprise-managed authorization
//!   with an ID-JAG), refreshes it, and steps up the scopes on 403 `insufficient_scope`.
//! - [`resource`]: the MCP server's side. [`ResourceServer`](resource::ResourceServer) is an
//!   [`AuthHook`](oxmcp_http::AuthHook) for the Streamable HTTP server: it serves the
//!   protected resource metadata (RFC 9728), verifies bearer tokens (JWT access tokens
//!   with the issuer's keys, or opaque ones by introspection), checks the scopes of each
//!   tool, prompt and resource, and hands the verified principal to the server.
//!
//! The crate depends on `oxmcp-http` (for the [`AuthProvider`](oxmcp_http::client::AuthProvider)
//! trait and the shared TLS settings) and not on the engine.
//!
//! ```no_run
//! use std::sync::Arc;
//! use oxmcp_auth::client::{OAuthClient, OAuthConfig, LoopbackRedirect};
//! use oxmcp_http::{HttpClientConfig, HttpClientTransport};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let url = "https://mcp.example.com/mcp";
//! // The host opens the authorization URL in a browser (without a shell).
//! let redirect = LoopbackRedirect::bind(0, Arc::new(|url: &url::Url| {
//!     println!("open {url} in your browser");
//!     Ok(())
//! }))
//! .await?;
//! let oauth = OAuthClient::new(url, OAuthConfig::new("my-app"), Arc::new(redirect))?;
//! let mut config = HttpClientConfig::default();
//! config.auth = Some(Arc::new(oauth));
//! let transport = HttpClientTransport::with_config(url, config)?;
//! # drop(transport);
//! # Ok(())
//! # }
//! ```

pub mod client;
pub mod resource;
