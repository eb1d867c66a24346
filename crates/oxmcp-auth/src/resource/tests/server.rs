//! [`ResourceServer`] as an [`AuthHook`]: challenges, statuses, scopes, metadata.

use http::request::Parts;
use http::{Request, StatusCode};
use oxmcp_http::{AuthHook, AuthRejection, Principal};
use oxmcp_types::jsonrpc::Request as RpcRequest;
use oxmcp_types::{Message, RequestId};
use serde_json::{Value, json};
use url::Url;

use super::support::*;
use crate::resource::{
    JwtConfig, JwtVerifier, ResourceConfig, ResourceError, ResourceServer, ScopePolicy,
};

async fn setup(required: &[&str]) -> (ResourceServer, Signer, KeyServer) {
    let signer = Signer::ec();
    let (keys, base) = KeyServer::start(vec![signer.jwk("k1")]).await;
    let mut jwt = JwtConfig::new(ISSUER, RESOURCE);
    jwt.jwks_uri = Some(Url::parse(&format!("{base}/jwks")).unwrap());
    let mut config = ResourceConfig::new(RESOURCE, [ISSUER]);
    config.scopes_supported = vec!["mcp".into()];
    config.required_scopes = required.iter().map(|s| (*s).to_owned()).collect();
    config.scopes = ScopePolicy::default()
        .tool("delete", ["files:write"])
        .prompt("secret", ["admin"])
        .resource("file:///secret", ["admin"]);
    let server = ResourceServer::new(config, JwtVerifier::new(jwt).unwrap()).unwrap();
    (server, signer, keys)
}

fn parts(authorization: &[&str]) -> Parts {
    let mut request = Request::post("/mcp");
    for value in authorization {
        request = request.header("authorization", *value);
    }
    request.body(()).unwrap().into_parts().0
}

fn challenge(rejection: &AuthRejection) -> String {
    rejection
        .www_authenticate
        .as_ref()
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn refusal(server: &ResourceServer, authorization: &[&str]) -> AuthRejection {
    server
        .authenticate(&parts(authorization))
        .await
        .unwrap_err()
}

const METADATA: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";

#[tokio::test]
async fn refusals_carry_the_right_status_and_challenge() {
    let (server, signer, _keys) = setup(&["mcp"]).await;
    let r = refusal(&server, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenge(&r),
        format!("Bearer resource_metadata=\"{METADATA}\", scope=\"mcp\"")
    );
    let r = refusal(&server, &["Bearer not-a-jwt"]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        challenge(&r).contains("error=\"invalid_token\""),
        "{}",
        challenge(&r)
    );
    for malformed in ["Basic YTpi", "Bearer a b", "Bearer"] {
        let r = refusal(&server, &[malformed]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{malformed}");
        assert!(challenge(&r).contains("error=\"invalid_request\""));
    }
    let r = refusal(&server, &["Bearer a", "Bearer b"]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let huge = format!("Bearer {}", "a".repeat(8 << 10));
    assert_eq!(
        refusal(&server, &[&huge]).await.status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );
    // A valid token without the required scope: 403 naming it, the granted ones kept.
    let mut c = claims();
    c["scope"] = json!("files:read");
    let token = signer.token(&header("ES256", "k1"), &c);
    let r = refusal(&server, &[&format!("Bearer {token}")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(challenge(&r).contains("scope=\"files:read mcp\", error=\"insufficient_scope\""));
    // And with it: the principal.
    let token = signer.token(&header("ES256", "k1"), &claims());
    let principal = server
        .authenticate(&parts(&[&format!("Bearer {token}")]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(principal.subject, "alice");
}

#[tokio::test]
async fn an_unreachable_issuer_gives_503() {
    let (server, signer, keys) = setup(&[]).await;
    keys.status.store(502, std::sync::atomic::Ordering::SeqCst);
    let token = signer.token(&header("ES256", "k1"), &claims());
    let r = refusal(&server, &[&format!("Bearer {token}")]).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

pub(super) fn call(method: &str, params: &Value) -> RpcRequest {
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    match Message::from_slice(message.to_string().as_bytes()).unwrap() {
        Message::Request(r) => {
            assert_eq!(r.id, RequestId::Number(1));
            r
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn operations_need_their_scopes() {
    let (server, _signer, _keys) = setup(&[]).await;
    let reader = Principal::new("alice").with_scopes(["mcp", "files:read"]);
    let writer = Principal::new("bob").with_scopes(["files:write"]);
    let delete = call("tools/call", &json!({"name": "delete", "arguments": {}}));
    let r = server
        .authorize_request(Some(&reader), &delete)
        .unwrap_err();
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        challenge(&r).contains("scope=\"mcp files:read files:write\""),
        "{}",
        challenge(&r)
    );
    assert!(server.authorize_request(Some(&writer), &delete).is_ok());
    // The name spelled with an escape is the same tool.
    let escaped = call("tools/call", &json!({"name": "del\u{65}te"}));
    let raw = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"del\u0065te"}}"#;
    let Message::Request(escaped_raw) = Message::from_slice(raw.as_bytes()).unwrap() else {
        panic!()
    };
    for request in [escaped, escaped_raw] {
        assert!(server.authorize_request(Some(&reader), &request).is_err());
    }
    // Params that do not name the tool are refused (400), not let through.
    let nameless = call("tools/call", &json!({"name": 5}));
    let r = server
        .authorize_request(Some(&reader), &nameless)
        .unwrap_err();
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Other tools, prompts and resources.
    let other = call("tools/call", &json!({"name": "echo"}));
    assert!(server.authorize_request(Some(&reader), &other).is_ok());
    for request in [
        call("prompts/get", &json!({"name": "secret"})),
        call("resources/read", &json!({"uri": "file:///secret"})),
        call("resources/subscribe", &json!({"uri": "file:///secret"})),
    ] {
        assert!(server.authorize_request(Some(&reader), &request).is_err());
    }
    let list = call("tools/list", &json!({}));
    assert!(server.authorize_request(Some(&reader), &list).is_ok());
}

#[tokio::test]
async fn metadata_is_served_at_both_well_knowns() {
    let (server, _signer, _keys) = setup(&[]).await;
    assert_eq!(server.metadata_url(), METADATA);
    for path in [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource",
    ] {
        let doc: Value = serde_json::from_slice(&server.document(path).unwrap()).unwrap();
        assert_eq!(
            doc,
            json!({"resource": RESOURCE, "authorization_servers": [ISSUER],
                   "scopes_supported": ["mcp"], "bearer_methods_supported": ["header"]})
        );
    }
    assert!(
        server
            .document("/.well-known/oauth-protected-resource/other")
            .is_none()
    );
    assert!(server.document("/mcp").is_none());
}

#[tokio::test]
async fn the_resource_must_be_canonical() {
    let (_s, _signer, keys) = setup(&[]).await;
    let _ = keys;
    let verifier = || JwtVerifier::new(JwtConfig::new(ISSUER, RESOURCE)).unwrap();
    for bad in [
        "mcp.example.com",
        "https://MCP.example.com/mcp",
        "https://mcp.example.com/mcp/",
        "https://mcp.example.com/mcp#x",
        "https://mcp.example.com/mcp?x=1",
        "https://user@mcp.example.com/mcp",
        "https://mcp.example.com:443/mcp",
        "ftp://mcp.example.com/mcp",
    ] {
        let result = ResourceServer::new(ResourceConfig::new(bad, [ISSUER]), verifier());
        assert!(
            matches!(result, Err(ResourceError::NotCanonical { .. })),
            "{bad}"
        );
    }
    for good in [
        "https://mcp.example.com",
        "https://mcp.example.com/",
        "http://127.0.0.1:8080/mcp",
    ] {
        assert!(
            ResourceServer::new(ResourceConfig::new(good, [ISSUER]), verifier()).is_ok(),
            "{good}"
        );
    }
    let none: [&str; 0] = [];
    let result = ResourceServer::new(ResourceConfig::new(RESOURCE, none), verifier());
    assert_eq!(result.unwrap_err(), ResourceError::NoAuthorizationServer);
}
