//! oxmcp-auth against an authorization server nobody here wrote: the certified OpenID
//! provider `oidc-provider` (npm, from the interop cache; interop/ts/oidc-provider.mjs),
//! with dynamic registration, PKCE, resource indicators, client credentials and
//! `private_key_jwt`. The protected oxmcp MCP server (the conformance fixture behind
//! oxmcp-auth's `ResourceServer`) accepts only active tokens issued for it, checked with the
//! provider's token introspection (opaque tokens). The oxmcp client logs in with each grant
//! and calls a tool.

use std::sync::Arc;

use oxmcp_auth::client::{
    AuthMethod, ClientIdentity, Grant, OAuthClient, OAuthConfig, Secret, SigningKey,
};
use oxmcp_auth::resource::{
    IntrospectionConfig, IntrospectionVerifier, ResourceConfig, ResourceServer,
};
use oxmcp_core::client::ClientHandler;
use oxmcp_core::{ClientConfig, McpClient};
use oxmcp_http::{HttpClientConfig, HttpClientTransport, HttpServerConfig};
use oxmcp_types::{CallToolRequestParams, Implementation};

use crate::oidc_support::*;

/// Calls `tool` through `oauth`; returns its text.
pub(crate) async fn call_tool(url: &str, oauth: OAuthClient, tool: &str) -> String {
    let mut http = HttpClientConfig::default();
    http.auth = Some(Arc::new(oauth));
    let transport = HttpClientTransport::with_config(url, http).unwrap();
    let config = ClientConfig::new(Implementation::new("oidc-e2e", "1.0"));
    let client = McpClient::connect(transport, config, ClientHandler::new())
        .await
        .expect("connect with a token from oidc-provider");
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new(tool))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true));
    client.close().await;
    serde_json::to_value(&result.content).unwrap()[0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn oidc_provider_issues_tokens_for_every_grant() {
    let late = Late::default();
    let streams = oxmcp_conformance::server::StreamRegistry::default();
    let server = oxmcp_conformance::server::build(streams.clone()).unwrap();
    let service = oxmcp_conformance::server::service(server, streams, HttpServerConfig::default())
        .with_auth(late.clone());
    let mcp = oxmcp_http::serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = mcp.url();
    let (pem, jwk) = es256_key();
    let mut provider = start_provider(&url, &jwk, "opaque").await;
    let issuer = provider.issuer.clone();
    let (id, secret) = provider.introspector.clone();
    let verifier = IntrospectionConfig::new(&issuer, &url, id, Secret::new(secret));
    let mut config = ResourceConfig::new(&url, [&issuer]);
    config.scopes_supported = vec!["mcp".into()];
    config.required_scopes = vec!["mcp".into()];
    let resource = ResourceServer::new(config, IntrospectionVerifier::new(verifier).unwrap());
    assert!(late.0.set(resource.unwrap()).is_ok());

    // Authorization code with PKCE, dynamic registration and the resource indicator.
    let oauth = OAuthClient::new(
        &url,
        OAuthConfig::new("oxmcp-oidc-e2e"),
        Arc::new(browser()),
    )
    .unwrap();
    call_tool(&url, oauth.clone(), "test_simple_text").await;
    assert_eq!(oauth.grants_run(), 1);
    assert_eq!(oauth.discovered().unwrap().issuer, issuer);

    // Client credentials with client_secret_basic.
    let mut config = OAuthConfig::new("oxmcp-oidc-e2e");
    config.grant = Grant::ClientCredentials(ClientIdentity::with_secret(
        "cc-basic",
        Secret::new("cc-basic-secret-0123456789"),
        AuthMethod::ClientSecretBasic,
    ));
    let cc = OAuthClient::without_user(&url, config).unwrap();
    call_tool(&url, cc, "test_simple_text").await;

    // Client credentials with private_key_jwt (RFC 7523).
    let key = SigningKey::from_pkcs8_pem(&pem, "ES256").unwrap();
    let mut config = OAuthConfig::new("oxmcp-oidc-e2e");
    config.grant = Grant::ClientCredentials(ClientIdentity::with_key("cc-jwt", Arc::new(key)));
    let cc = OAuthClient::without_user(&url, config).unwrap();
    call_tool(&url, cc, "test_simple_text").await;

    // A wrong secret is refused by the provider, with its error.
    let mut config = OAuthConfig::new("oxmcp-oidc-e2e");
    config.grant = Grant::ClientCredentials(ClientIdentity::with_secret(
        "cc-basic",
        Secret::new("wrong"),
        AuthMethod::ClientSecretBasic,
    ));
    let transport = {
        let mut http = HttpClientConfig::default();
        http.auth = Some(Arc::new(OAuthClient::without_user(&url, config).unwrap()));
        HttpClientTransport::with_config(&url, http).unwrap()
    };
    let error = McpClient::connect(
        transport,
        ClientConfig::new(Implementation::new("oidc-e2e", "1.0")),
        ClientHandler::new(),
    )
    .await
    .expect_err("a wrong secret");
    assert!(error.to_string().contains("invalid_client"), "{error}");

    let _ = provider.child.kill().await;
    mcp.shutdown().await;
}
