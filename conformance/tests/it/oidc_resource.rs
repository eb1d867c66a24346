//! The oxmcp resource server against `oidc-provider` issuing JWT access tokens (RFC 9068,
//! RS256, keys at its `jwks_uri`): the oxmcp client logs in and steps up to a tool's scope,
//! and tokens the provider minted for another resource, with too few scopes, expired, or
//! forged with another key are refused with the right status and challenge.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oxmcp_auth::client::{OAuthClient, OAuthConfig};
use oxmcp_auth::resource::{JwtConfig, JwtVerifier, ResourceConfig, ResourceServer, ScopePolicy};
use oxmcp_core::RequestContext;
use oxmcp_core::role::Server;
use oxmcp_core::server::tools::{NoArguments, ToolRoute};
use oxmcp_http::HttpServerConfig;
use serde_json::{Value, json};

use crate::oidc_provider::call_tool;
use crate::oidc_support::*;

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

fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let pairs: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    pairs.join("&")
}

/// A client-credentials access token of the provider for `resource` with `scope`.
async fn token(issuer: &str, client: (&str, &str), resource: &str, scope: &str) -> String {
    let body = form(&[
        ("grant_type", "client_credentials"),
        ("resource", resource),
        ("scope", scope),
    ]);
    let answer: Value = plain_http()
        .post(format!("{issuer}/token"))
        .basic_auth(client.0, Some(client.1))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    answer["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_owned()
}

/// POSTs `body` with `token`; returns the status and the challenge.
async fn post(url: &str, token: Option<&str>, body: &Value) -> (u16, String) {
    let mut request = plain_http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), challenge)
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"}}})
}

/// A token like `genuine` (same header, `kid` included) with `iss` changed, signed with a
/// key of ours.
fn forged(genuine: &str, iss: &str) -> String {
    let mut parts = genuine.split('.');
    let header = parts.next().unwrap();
    let claims = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    let mut claims: Value = serde_json::from_slice(&claims).unwrap();
    claims["iss"] = json!(iss);
    let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
    let rng = SystemRandom::new();
    let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref()).unwrap();
    let sig = key.sign(&rng, input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
}

#[tokio::test]
async fn jwt_access_tokens_of_oidc_provider_protect_the_server() {
    let late = Late::default();
    let streams = oxmcp_conformance::server::StreamRegistry::default();
    let server = oxmcp_conformance::server::build(streams.clone()).unwrap();
    let admin = ToolRoute::new("admin_echo", |_: NoArguments, _cx| async { "admin ok" });
    server.add_tool(admin.with_scopes(["admin"])).unwrap();
    server.add_tool(ToolRoute::new("whoami", whoami)).unwrap();
    let scopes = ScopePolicy::default().tools(server.tool_scopes());
    let service = oxmcp_conformance::server::service(server, streams, HttpServerConfig::default())
        .with_auth(late.clone());
    let mcp = oxmcp_http::serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = mcp.url();
    let (_pem, jwk) = es256_key();
    let mut provider = start_provider(&url, &jwk, "jwt").await;
    let issuer = provider.issuer.clone();
    let mut jwt = JwtConfig::new(&issuer, &url);
    jwt.leeway = Duration::ZERO;
    let mut config = ResourceConfig::new(&url, [&issuer]);
    config.scopes_supported = vec!["mcp".into()];
    config.required_scopes = vec!["mcp".into()];
    config.scopes = scopes;
    let resource = ResourceServer::new(config, JwtVerifier::new(jwt).unwrap()).unwrap();
    let prm = resource.metadata_url().to_owned();
    assert!(late.0.set(resource).is_ok());

    // Without a token: 401 naming the metadata, which is served.
    let (status, challenge) = post(&url, None, &initialize()).await;
    assert_eq!(status, 401);
    assert_eq!(
        challenge,
        format!("Bearer resource_metadata=\"{prm}\", scope=\"mcp\"")
    );
    let metadata = plain_http().get(&prm).send().await.unwrap();
    let metadata: Value = serde_json::from_slice(&metadata.bytes().await.unwrap()).unwrap();
    assert_eq!(metadata["resource"], url.as_str());
    assert_eq!(metadata["authorization_servers"], json!([issuer]));

    // The oxmcp client: authorization code with PKCE, then a step-up to `admin`.
    let oauth = OAuthClient::new(
        &url,
        OAuthConfig::new("oxmcp-oidc-jwt"),
        Arc::new(browser()),
    )
    .unwrap();
    let me = call_tool(&url, oauth.clone(), "whoami").await;
    assert_eq!(me, "alice authorization-header=false");
    assert_eq!(
        call_tool(&url, oauth.clone(), "admin_echo").await,
        "admin ok"
    );
    assert_eq!(oauth.grants_run(), 2, "one login, one step-up");

    // Tokens minted by the provider, refused by us.
    let basic = ("cc-basic", "cc-basic-secret-0123456789");
    let good = token(&issuer, basic, &url, "mcp").await;
    assert_eq!(post(&url, Some(&good), &initialize()).await.0, 200);
    let other = token(&issuer, basic, "https://other.example/mcp", "mcp").await;
    let (status, challenge) = post(&url, Some(&other), &initialize()).await;
    assert_eq!(
        (status, challenge.contains("error=\"invalid_token\"")),
        (401, true)
    );
    let narrow = token(&issuer, basic, &url, "admin").await;
    let (status, challenge) = post(&url, Some(&narrow), &initialize()).await;
    assert_eq!(status, 403);
    assert!(
        challenge.contains("scope=\"admin mcp\", error=\"insufficient_scope\""),
        "{challenge}"
    );
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                      "params": {"name": "admin_echo"}});
    let (status, challenge) = post(&url, Some(&good), &call).await;
    assert_eq!(status, 403);
    assert!(
        challenge.contains("scope=\"mcp admin\", error=\"insufficient_scope\""),
        "{challenge}"
    );
    let short = token(
        &issuer,
        ("cc-short", "cc-short-secret-0123456789"),
        &url,
        "mcp",
    )
    .await;
    assert_eq!(post(&url, Some(&short), &initialize()).await.0, 200);
    tokio::time::sleep(Duration::from_millis(4100)).await;
    assert_eq!(
        post(&url, Some(&short), &initialize()).await.0,
        401,
        "expired"
    );
    for forgery in [
        forged(&good, "https://evil.example"),
        forged(&good, &issuer),
    ] {
        assert_eq!(post(&url, Some(&forgery), &initialize()).await.0, 401);
    }

    let _ = provider.child.kill().await;
    mcp.shutdown().await;
}
