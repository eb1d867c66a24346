//! The official TypeScript SDK client, with its own OAuth client provider, against an oxmcp
//! server protected by the oxmcp resource server, with `oidc-provider` issuing JWT access
//! tokens: the SDK discovers the protected resource metadata from the 401, then the
//! provider's metadata, registers, logs in (the login and consent pages driven over HTTP on
//! 127.0.0.1 by conformance/interop/ts/oauth-client.mjs), calls a protected tool, and steps
//! up on a 403 `insufficient_scope` to the scope of another.

use oxmcp_auth::resource::{JwtConfig, JwtVerifier, ResourceConfig, ResourceServer, ScopePolicy};
use oxmcp_core::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::{NoArguments, ToolRoute};
use oxmcp_http::{HttpServerConfig, McpService};
use oxmcp_types::Implementation;

use crate::oidc_support::*;
use crate::support::*;

/// Who the handler sees, and whether it sees an `Authorization` header.
async fn whoami(_: NoArguments, cx: RequestContext<Server>) -> String {
    let subject = cx
        .principal()
        .map(|p| p.subject.clone())
        .unwrap_or_default();
    let parts = cx.extensions().get::<http::request::Parts>();
    let header = parts.is_some_and(|p| p.headers.contains_key("authorization"));
    format!("{subject} authorization-header={header}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_sdk_client_logs_in_and_steps_up() {
    let admin = ToolRoute::new("admin_echo", |_: NoArguments, _cx| async { "admin ok" });
    let server = McpServer::builder(Implementation::new("protected", "1.0.0"))
        .tool(ToolRoute::new("whoami", whoami))
        .tool(admin.with_scopes(["admin"]))
        .hide_unauthorized(true)
        .build()
        .unwrap();
    let late = Late::default();
    let engine = server.clone();
    let service = McpService::new(move |t| engine.serve(t), HttpServerConfig::default())
        .with_auth(late.clone());
    let mcp = oxmcp_http::serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = mcp.url();
    let (_pem, jwk) = es256_key();
    let mut provider = start_provider(&url, &jwk, "jwt").await;
    let issuer = provider.issuer.clone();
    let mut config = ResourceConfig::new(&url, [&issuer]);
    config.scopes_supported = vec!["mcp".into()];
    config.required_scopes = vec!["mcp".into()];
    config.scopes = ScopePolicy::default().server(server);
    let verifier = JwtVerifier::new(JwtConfig::new(&issuer, &url)).unwrap();
    assert!(
        late.0
            .set(ResourceServer::new(config, verifier).unwrap())
            .is_ok()
    );

    run_checks(
        node(),
        "conformance/interop/ts/oauth-client.mjs",
        &[&url],
        5,
    )
    .await;

    let _ = provider.child.kill().await;
    mcp.shutdown().await;
}
