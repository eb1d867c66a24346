//! The safety rules, each with a test: dangerous authorization URLs, internal addresses,
//! issuer mix-up, redirects on OAuth calls, oversized responses, a foreign resource.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use oxmcp_auth::client::{
    HeadlessRedirect, InternalAddresses, OAuthClient, OAuthConfig, UrlPolicy,
};
use oxmcp_http::client::{AuthProvider, Challenge};
use serde_json::json;

use crate::flow::{connect_with, oauth};
use crate::mock;

fn patch(mock: &mock::Mock, patch: serde_json::Value) {
    let mut value = patch;
    value["_resource"] = json!(mock.mcp_url());
    *mock.state.metadata_patch.lock().unwrap() = value;
}

#[tokio::test]
async fn javascript_and_file_authorization_urls_are_never_opened() {
    for bad in [
        "javascript:alert(document.cookie)",
        "file:///etc/passwd",
        "data:text/html,x",
    ] {
        let mock = mock::start().await;
        patch(&mock, json!({ "authorization_endpoint": bad }));
        let oauth = oauth(&mock, OAuthConfig::new("t"));
        let error = connect_with(&mock, &oauth).await.expect_err(bad);
        assert!(
            error.to_string().contains("is not allowed"),
            "{bad}: {error}"
        );
        assert_eq!(mock.state.authorizations.load(Ordering::SeqCst), 0);
    }
}

#[tokio::test]
async fn an_issuer_mix_up_is_refused() {
    let mock = mock::start().await;
    patch(&mock, json!({ "issuer": "https://evil.example.com" }));
    let oauth = oauth(&mock, OAuthConfig::new("t"));
    let error = connect_with(&mock, &oauth).await.expect_err("mix-up");
    assert!(error.to_string().contains("issuer mismatch"), "{error}");
    assert_eq!(mock.state.authorizations.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_foreign_resource_stops_before_authorization() {
    let mock = mock::start().await;
    *mock.state.metadata_patch.lock().unwrap() =
        json!({ "_resource": "https://evil.example.com/mcp" });
    let oauth = oauth(&mock, OAuthConfig::new("t"));
    let error = connect_with(&mock, &oauth).await.expect_err("mismatch");
    assert!(
        error.to_string().contains("not for the MCP server"),
        "{error}"
    );
    assert_eq!(mock.state.authorizations.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_carries_nothing() {
    let mock = mock::start().await;
    let (elsewhere, hits) = mock::witness().await;
    // The token endpoint redirects (307 keeps the method, the body and, in a naive client,
    // the Authorization header with the client secret) to another origin.
    let redirector = axum::Router::new().fallback(move || {
        let to = format!("{elsewhere}/steal");
        async move { (http::StatusCode::TEMPORARY_REDIRECT, [("location", to)]) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirecting = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        let _ = axum::serve(listener, redirector).await;
    });
    patch(
        &mock,
        json!({ "token_endpoint": format!("{redirecting}/token") }),
    );
    let oauth = oauth(&mock, OAuthConfig::new("t"));
    let error = connect_with(&mock, &oauth).await.expect_err("redirect");
    assert!(
        error.to_string().contains("redirects are not followed"),
        "{error}"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the other origin"
    );
}

#[tokio::test]
async fn an_oversized_metadata_response_is_refused() {
    let mock = mock::start().await;
    mock.state.metadata_padding.store(2 << 20, Ordering::SeqCst);
    let oauth = oauth(&mock, OAuthConfig::new("t"));
    let error = connect_with(&mock, &oauth).await.expect_err("too large");
    assert!(
        error.to_string().contains("larger than 1048576 bytes"),
        "{error}"
    );
}

fn challenge(resource_metadata: &str) -> Challenge {
    Challenge::new(
        http::StatusCode::UNAUTHORIZED,
        vec![format!(r#"Bearer resource_metadata="{resource_metadata}""#)],
        "https://93.184.216.34/mcp",
    )
}

#[tokio::test]
async fn metadata_at_internal_addresses_is_refused_for_a_public_server() {
    // The MCP server is on a public address: no OAuth URL may point inside the network.
    // Nothing is connected to: literal addresses are refused before, names when resolved.
    let public_server = "https://93.184.216.34/mcp";
    let client = OAuthClient::new(
        public_server,
        OAuthConfig::new("t"),
        Arc::new(HeadlessRedirect::new("http://127.0.0.1:1/cb")),
    )
    .unwrap();
    for inside in [
        "https://10.0.0.1/.well-known/oauth-protected-resource",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/prm",
        "https://localhost:1/prm",
    ] {
        let error = client
            .on_challenge(&challenge(inside), None)
            .await
            .expect_err(inside);
        let text = error.to_string();
        assert!(text.contains("internal address"), "{inside}: {text}");
    }
    // An http: URL off loopback is refused too.
    let error = client
        .on_challenge(&challenge("http://93.184.216.35/prm"), None)
        .await
        .expect_err("http");
    assert!(
        error
            .to_string()
            .contains("http: is allowed only for loopback")
    );
}

#[tokio::test]
async fn internal_addresses_can_be_denied_outright() {
    let mock = mock::start().await;
    let mut config = OAuthConfig::new("t");
    let mut policy = UrlPolicy::default();
    policy.internal_addresses = InternalAddresses::Deny;
    config.url_policy = policy;
    let oauth = oauth(&mock, config);
    let error = connect_with(&mock, &oauth).await.expect_err("denied");
    assert!(error.to_string().contains("internal address"), "{error}");
}
