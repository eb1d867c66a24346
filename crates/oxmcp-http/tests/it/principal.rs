//! Sessions bound to the principal the auth hook named: another caller with the session id
//! gets 404, on Streamable HTTP and legacy endpoints alike.

use http::request::Parts;
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{
    AuthHook, AuthRejection, HttpServerConfig, LegacySseConfig, Principal, Server, serve_with,
};
use serde_json::json;

use crate::support::*;

/// Accepts `Authorization: Bearer <name>` and names `<name>` as the principal.
struct Names;

fn name_of(parts: &Parts) -> Option<Principal> {
    let value = parts.headers.get("authorization")?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(Principal::new)
}

impl AuthHook for Names {
    fn authorize<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        let known = name_of(parts).is_some();
        Box::pin(async move {
            known
                .then_some(())
                .ok_or_else(|| AuthRejection::new(http::StatusCode::UNAUTHORIZED, None))
        })
    }

    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthRejection>> {
        let name = name_of(parts);
        Box::pin(async move {
            name.map(Some)
                .ok_or_else(|| AuthRejection::new(http::StatusCode::UNAUTHORIZED, None))
        })
    }

    /// Carol may not `sleep`.
    fn authorize_request(
        &self,
        principal: Option<&Principal>,
        request: &oxmcp_types::jsonrpc::Request,
    ) -> Result<(), AuthRejection> {
        let carol = principal.is_some_and(|p| p.subject == "carol");
        if carol && request.method == "sleep" {
            return Err(AuthRejection::new(http::StatusCode::FORBIDDEN, None));
        }
        Ok(())
    }

    fn document(&self, path: &str) -> Option<bytes::Bytes> {
        (path == "/.well-known/test").then(|| bytes::Bytes::from_static(b"{\"ok\":true}"))
    }
}

async fn started() -> Server {
    let config = HttpServerConfig::default().with_legacy_sse(Some(LegacySseConfig::default()));
    let (service, _) = service(config);
    serve_with(
        "127.0.0.1:0".parse().unwrap(),
        service.with_auth(Names),
        "/mcp",
    )
    .await
    .unwrap()
}

fn as_user(
    builder: reqwest::RequestBuilder,
    user: &str,
    session: Option<&str>,
) -> reqwest::RequestBuilder {
    let builder = builder
        .header("authorization", format!("Bearer {user}"))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json");
    match session {
        Some(id) => builder.header("mcp-session-id", id),
        None => builder,
    }
}

#[tokio::test]
async fn a_streamable_session_answers_only_its_principal() {
    let server = started().await;
    let url = server.url();
    let resp = as_user(http().post(&url), "alice", None)
        .body(init_body("2025-11-25"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let ping = request(1, "ping", json!({}));
    for (user, status) in [("bob", 404), ("alice", 200)] {
        let resp = as_user(http().post(&url), user, Some(&id))
            .body(ping.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "POST as {user}");
    }
    let resp = as_user(http().get(&url), "bob", Some(&id))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "GET as bob");
    let resp = as_user(http().delete(&url), "bob", Some(&id))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404, "DELETE as bob");
    assert_eq!(server.service().session_count(), 1);
    let resp = as_user(http().delete(&url), "alice", Some(&id))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "DELETE as alice");
    server.shutdown().await;
}

#[tokio::test]
async fn a_legacy_session_answers_only_its_principal() {
    let server = started().await;
    let base = format!("http://{}", server.local_addr());
    let resp = http()
        .get(format!("{base}/sse"))
        .header("authorization", "Bearer alice")
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut events = Events::new(resp);
    let endpoint = events.next().await.expect("the endpoint event");
    let messages = format!("{base}{}", endpoint.data.unwrap());
    for (user, status) in [("bob", 404), ("alice", 202)] {
        let resp = as_user(http().post(&messages), user, None)
            .body(init_body("2024-11-05"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "POST as {user}");
    }
    let answer = events.next().await.expect("the initialize result").json();
    assert_eq!(answer["result"]["protocolVersion"], "2024-11-05");
    server.shutdown().await;
}

#[tokio::test]
async fn the_per_client_session_cap_counts_each_principal_apart() {
    let config = HttpServerConfig::default()
        .with_legacy_sse(Some(LegacySseConfig::default()))
        .with_max_sessions_per_client(2);
    let (service, _) = service(config);
    let server = serve_with(
        "127.0.0.1:0".parse().unwrap(),
        service.with_auth(Names),
        "/mcp",
    )
    .await
    .unwrap();
    let url = server.url();
    let open = |user: &'static str| {
        as_user(http().post(&url), user, None)
            .body(init_body("2025-11-25"))
            .send()
    };
    assert_eq!(open("alice").await.unwrap().status(), 200);
    assert_eq!(open("alice").await.unwrap().status(), 200);
    let refused = open("alice").await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(refused.headers()["retry-after"], "5");
    // A legacy session counts against the same cap.
    let sse = url.replace("/mcp", "/sse");
    let legacy = as_user(http().get(&sse), "alice", None)
        .send()
        .await
        .unwrap();
    assert_eq!(legacy.status(), 429);
    // Bob, from the same address, has his own bucket.
    assert_eq!(open("bob").await.unwrap().status(), 200);
    assert_eq!(server.service().session_count(), 3);
    server.shutdown().await;
}

/// Opens a Streamable HTTP session for `user` at `version`; returns its id.
async fn open(url: &str, user: &str, version: &str) -> String {
    let resp = as_user(http().post(url), user, None)
        .body(init_body(version))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let resp = as_user(http().post(url), user, Some(&id))
        .body(initialized.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    id
}

#[tokio::test]
async fn the_hook_refuses_requests_one_by_one_and_hides_the_token() {
    let server = started().await;
    let url = server.url();
    let id = open(&url, "carol", "2025-03-26").await;
    let sleep = request(1, "sleep", json!({ "ms": 0 }));
    let resp = as_user(http().post(&url), "carol", Some(&id))
        .body(sleep.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "a refused request");
    // A batch holding one refused request is refused as a whole.
    let batch = format!(
        "[{},{}]",
        request(2, "ping", json!({})),
        request(3, "sleep", json!({}))
    );
    let resp = as_user(http().post(&url), "carol", Some(&id))
        .body(batch)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403, "a batch with a refused request");
    // Others may; and no handler sees the Authorization header of an authenticated call.
    let alice = open(&url, "alice", "2025-11-25").await;
    let resp = as_user(http().post(&url), "alice", Some(&alice))
        .body(request(4, "headers", json!({})))
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = resp.json().await.unwrap();
    let headers = answer["result"]["headers"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"));
    assert!(headers.iter().any(|h| h == "mcp-session-id"), "{headers:?}");
    assert!(!headers.iter().any(|h| h == "authorization"), "{headers:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_legacy_post_is_refused_by_the_request_hook_too() {
    let server = started().await;
    let base = format!("http://{}", server.local_addr());
    let resp = as_user(http().get(format!("{base}/sse")), "carol", None)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    let mut events = Events::new(resp);
    let messages = format!("{base}{}", events.next().await.unwrap().data.unwrap());
    let resp = as_user(http().post(&messages), "carol", None)
        .body(request(1, "sleep", json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    server.shutdown().await;
}

#[tokio::test]
async fn the_hook_documents_are_served_beside_the_endpoint() {
    let server = started().await;
    let base = format!("http://{}", server.local_addr());
    let resp = http()
        .get(format!("{base}/.well-known/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    assert_eq!(resp.headers()["content-type"], "application/json");
    assert_eq!(resp.text().await.unwrap(), r#"{"ok":true}"#);
    let resp = http()
        .post(format!("{base}/.well-known/test"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = http()
        .get(format!("{base}/.well-known/other"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    server.shutdown().await;
}
