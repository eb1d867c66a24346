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
