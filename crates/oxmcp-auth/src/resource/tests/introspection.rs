//! Opaque tokens by introspection: the answers, the cache, and outages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use url::Url;

use super::support::*;
use crate::client::Secret;
use crate::resource::{
    IntrospectionConfig, IntrospectionVerifier, Invalid, TokenVerifier, VerifyError,
};

/// An introspection endpoint answering `answer` (or `status`, after `delay`).
#[derive(Clone)]
struct Endpoint {
    answer: Arc<Mutex<(u16, Value)>>,
    delay: Arc<Mutex<Duration>>,
    hits: Arc<AtomicUsize>,
}

async fn introspect(
    State(e): State<Endpoint>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    e.hits.fetch_add(1, Ordering::SeqCst);
    let delay = *e.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    // The resource server authenticates, and sends the token in the form.
    assert_eq!(headers["authorization"], "Basic cnM6cnMtc2VjcmV0");
    assert!(body.starts_with("token=opaque-"), "{body}");
    let (status, answer) = e.answer.lock().unwrap().clone();
    (StatusCode::from_u16(status).unwrap(), answer.to_string())
}

async fn start(answer: Value) -> (Endpoint, IntrospectionVerifier) {
    start_with(answer, Duration::ZERO).await
}

/// An endpoint answering `answer`, and a verifier calling it with this `failure_backoff`.
async fn start_with(answer: Value, backoff: Duration) -> (Endpoint, IntrospectionVerifier) {
    let endpoint = Endpoint {
        answer: Arc::new(Mutex::new((200, answer))),
        delay: Arc::default(),
        hits: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/introspect", post(introspect))
        .with_state(endpoint.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/introspect", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut config = IntrospectionConfig::new(ISSUER, RESOURCE, "rs", Secret::new("rs-secret"));
    config.endpoint = Some(Url::parse(&url).unwrap());
    config.upstream.timeout = Duration::from_millis(500);
    config.failure_backoff = backoff;
    (endpoint, IntrospectionVerifier::new(config).unwrap())
}

fn active() -> Value {
    json!({"active": true, "sub": "alice", "client_id": "app", "iss": ISSUER, "aud": RESOURCE,
           "scope": "mcp", "exp": now() + 300, "token_type": "Bearer"})
}

impl Endpoint {
    fn set(&self, status: u16, answer: Value) {
        *self.answer.lock().unwrap() = (status, answer);
    }
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

async fn invalid(verifier: &IntrospectionVerifier, token: &str) -> Invalid {
    match verifier.verify(token).await {
        Err(VerifyError::Invalid(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn active_tokens_are_accepted_and_cached() {
    let (endpoint, verifier) = start(active()).await;
    for _ in 0..3 {
        let verified = verifier.verify("opaque-1").await.unwrap();
        assert_eq!(verified.principal.subject, "alice");
        assert_eq!(verified.principal.scopes, ["mcp"]);
    }
    assert_eq!(endpoint.hits(), 1);
    // Another token is another question; the cache holds digests, not tokens.
    verifier.verify("opaque-2").await.unwrap();
    assert_eq!((endpoint.hits(), verifier.cached()), (2, 2));
}

#[tokio::test]
async fn the_cache_never_outlives_the_token() {
    // Seconds are whole: 3 s ahead is at least 2 s of life, room for a loaded machine.
    let exp = now() + 3;
    let (endpoint, verifier) =
        start(json!({"active": true, "sub": "alice", "aud": RESOURCE, "exp": exp})).await;
    verifier.verify("opaque-short").await.unwrap();
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(invalid(&verifier, "opaque-short").await, Invalid::Expired);
    assert_eq!(endpoint.hits(), 2, "the expired answer was not reused");
}

#[tokio::test]
async fn inactive_foreign_and_ill_typed_answers_are_refused() {
    let (endpoint, verifier) = start(json!({"active": false})).await;
    assert_eq!(invalid(&verifier, "opaque-a").await, Invalid::Inactive);
    let cases = [
        json!({"active": true, "sub": "alice", "aud": "https://other.example/mcp"}),
        json!({"active": true, "sub": "alice"}),
        json!({"active": true, "sub": "alice", "aud": RESOURCE, "iss": "https://evil.example"}),
        json!({"active": true, "sub": "alice", "aud": RESOURCE, "exp": "9999999999"}),
        json!({"active": "true", "sub": "alice", "aud": RESOURCE}),
        json!({"active": true, "aud": RESOURCE}),
    ];
    for (i, answer) in cases.into_iter().enumerate() {
        endpoint.set(200, answer.clone());
        let why = invalid(&verifier, &format!("opaque-case-{i}")).await;
        assert!(matches!(why, Invalid::Claims(_)), "{answer}: {why:?}");
    }
    endpoint.set(
        200,
        json!({"active": true, "sub": "a", "aud": RESOURCE, "exp": now() - 1}),
    );
    assert_eq!(invalid(&verifier, "opaque-expired").await, Invalid::Expired);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_unavailable_not_invalid() {
    let (endpoint, verifier) = start(active()).await;
    for status in [500, 503, 401] {
        endpoint.set(status, json!({}));
        let result = verifier.verify(&format!("opaque-{status}")).await;
        assert!(
            matches!(result, Err(VerifyError::Unavailable(_))),
            "{status}"
        );
    }
    endpoint.set(200, json!("not an object"));
    assert!(matches!(
        verifier.verify("opaque-x").await,
        Err(VerifyError::Unavailable(_))
    ));
    endpoint.set(200, active());
    *endpoint.delay.lock().unwrap() = Duration::from_secs(2);
    let result = verifier.verify("opaque-slow").await;
    assert!(
        matches!(result, Err(VerifyError::Unavailable(_))),
        "timeout"
    );
}

#[tokio::test]
async fn a_failing_endpoint_is_called_once_per_backoff() {
    let (endpoint, verifier) = start_with(active(), Duration::from_millis(300)).await;
    endpoint.set(503, json!({}));
    let unavailable = |r: Result<_, VerifyError>| matches!(r, Err(VerifyError::Unavailable(_)));
    // An outage: 30 requests with tokens nobody cached cost one call.
    for i in 0..30 {
        assert!(unavailable(verifier.verify(&format!("opaque-{i}")).await));
    }
    assert_eq!(verifier.calls(), 1);
    // After the backoff one call is tried again; once it is answered, every token is.
    endpoint.set(200, active());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(verifier.verify("opaque-after").await.is_ok());
    assert!(verifier.verify("opaque-next").await.is_ok());
    assert_eq!(verifier.calls(), 3);
    // A cached answer needs no call, even during a later outage.
    endpoint.set(500, json!({}));
    assert!(unavailable(verifier.verify("opaque-new").await));
    assert!(verifier.verify("opaque-after").await.is_ok());
    assert_eq!(verifier.calls(), 4);
}

/// An issuer whose metadata fails with `status` (0: answers), counting the requests for it.
#[derive(Clone, Default)]
struct Issuer {
    status: Arc<std::sync::atomic::AtomicU16>,
    metadata_hits: Arc<AtomicUsize>,
    base: Arc<Mutex<String>>,
}

async fn issuer_metadata(State(i): State<Issuer>) -> (StatusCode, String) {
    i.metadata_hits.fetch_add(1, Ordering::SeqCst);
    let status = i.status.load(Ordering::SeqCst);
    if status != 0 {
        return (StatusCode::from_u16(status).unwrap(), String::new());
    }
    let base = i.base.lock().unwrap().clone();
    let document = json!({"issuer": base, "introspection_endpoint": format!("{base}/introspect")});
    (StatusCode::OK, document.to_string())
}

async fn issuer_introspect(State(i): State<Issuer>) -> String {
    let base = i.base.lock().unwrap().clone();
    json!({"active": true, "sub": "alice", "iss": base, "aud": RESOURCE, "exp": now() + 300})
        .to_string()
}

#[tokio::test]
async fn a_failed_discovery_is_retried_once_per_backoff() {
    let issuer = Issuer::default();
    issuer.status.store(500, Ordering::SeqCst);
    let app = axum::Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            axum::routing::get(issuer_metadata),
        )
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get(issuer_metadata),
        )
        .route("/introspect", post(issuer_introspect))
        .with_state(issuer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    *issuer.base.lock().unwrap() = base.clone();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut config = IntrospectionConfig::new(&base, RESOURCE, "rs", Secret::new("rs-secret"));
    config.failure_backoff = Duration::from_millis(300);
    let verifier = IntrospectionVerifier::new(config).unwrap();

    // An outage: 50 requests, concurrent or not, cost one discovery.
    let unavailable = |r: Result<_, VerifyError>| matches!(r, Err(VerifyError::Unavailable(_)));
    let burst = (0..25).map(|i| {
        let verifier = &verifier;
        async move { verifier.verify(&format!("opaque-{i}")).await }
    });
    for result in futures_util::future::join_all(burst).await {
        assert!(unavailable(result));
    }
    for i in 0..25 {
        assert!(unavailable(verifier.verify(&format!("opaque-{i}")).await));
    }
    assert_eq!(verifier.discoveries().await, 1);
    let hits = issuer.metadata_hits.load(Ordering::SeqCst);
    assert!((1..=2).contains(&hits), "{hits} metadata requests");

    // After the backoff, one more try, which finds the endpoint, for good.
    issuer.status.store(0, Ordering::SeqCst);
    assert!(unavailable(verifier.verify("opaque-early").await));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(verifier.verify("opaque-late").await.is_ok());
    assert!(verifier.verify("opaque-later").await.is_ok());
    assert_eq!(verifier.discoveries().await, 2);
}
