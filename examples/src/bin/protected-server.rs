//! An MCP server protected by OAuth 2.1: the oxmcp resource server in front of two tools,
//! one of which needs the `admin` scope.
//!
//! Usage: `protected-server --issuer URL [--port P] [--introspect CLIENT_ID:SECRET]`.
//! It serves `http://127.0.0.1:P/mcp` (default port 8080) and its protected resource metadata
//! at `/.well-known/oauth-protected-resource/mcp`. Access tokens must be issued by `URL` for
//! the resource `http://127.0.0.1:P/mcp` with the scope `mcp`: JWT access tokens (RFC 9068)
//! checked with the issuer's keys, or, with `--introspect`, opaque tokens checked at the
//! issuer's introspection endpoint with these client credentials.

use std::sync::Arc;

use oxmcp::auth::client::Secret;
use oxmcp::auth::resource::{
    IntrospectionConfig, IntrospectionVerifier, JwtConfig, JwtVerifier, ResourceConfig,
    ResourceServer, ScopePolicy,
};
use oxmcp::http::{HttpServerConfig, McpService, serve_with};
use oxmcp::prelude::*;
use oxmcp::types::Implementation;

struct Notes;

#[tool_router]
impl Notes {
    /// Says who is calling: the token's subject, as the resource server verified it.
    #[tool]
    async fn whoami(&self, cx: &RequestContext<Server>) -> String {
        cx.principal()
            .map_or("nobody".into(), |p| p.subject.clone())
    }

    /// Pretends to erase every note; needs the `admin` scope.
    #[tool(scopes = ["admin"], annotations(destructive))]
    async fn erase_all(&self) -> String {
        "erased".into()
    }
}

type Failure = Box<dyn std::error::Error>;

fn arg(args: &[String], name: &str) -> Option<String> {
    let at = args.iter().position(|a| a == name)?;
    args.get(at + 1).cloned()
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let issuer = arg(&args, "--issuer")
        .ok_or("usage: protected-server --issuer URL [--port P] [--introspect ID:SECRET]")?;
    let port: u16 = arg(&args, "--port").map_or(Ok(8080), |p| p.parse())?;
    let resource = format!("http://127.0.0.1:{port}/mcp");

    let server = McpServer::builder(Implementation::new("protected", "1.0.0"))
        .tools(Arc::new(Notes).tool_routes())
        .hide_unauthorized(true)
        .build()?;
    let mut config = ResourceConfig::new(&resource, [&issuer]);
    config.scopes_supported = vec!["mcp".into()];
    config.required_scopes = vec!["mcp".into()];
    // The scopes the routes declare, read from the server on each request: a call without
    // them gets 403 `insufficient_scope`, and the client can step up.
    config.scopes = ScopePolicy::default().server(server.clone());
    let auth = match arg(&args, "--introspect") {
        Some(credentials) => {
            let (id, secret) = credentials
                .split_once(':')
                .ok_or("--introspect ID:SECRET")?;
            let verifier = IntrospectionConfig::new(&issuer, &resource, id, Secret::new(secret));
            ResourceServer::new(config, IntrospectionVerifier::new(verifier)?)?
        }
        None => ResourceServer::new(
            config,
            JwtVerifier::new(JwtConfig::new(&issuer, &resource))?,
        )?,
    };

    let service = McpService::new(move |t| server.serve(t), HttpServerConfig::default());
    let addr = ([127, 0, 0, 1], port).into();
    let http = serve_with(addr, service.with_auth(auth), "/mcp").await?;
    eprintln!("protected-server: {} (tokens of {issuer})", http.url());
    tokio::signal::ctrl_c().await?;
    http.shutdown().await;
    Ok(())
}
