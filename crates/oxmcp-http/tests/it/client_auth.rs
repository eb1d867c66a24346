//! The transport's `AuthProvider` hook: the token goes on every request, a 401 or a 403
//! `insufficient_scope` is handed to the provider and the request sent again, at most
//! `max_auth_rounds` times; a provider error fails the request with its message.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http::request::Parts;
use oxmcp_core::{NoHandler, connect};
use oxmcp_http::client::{
    AccessToken, AuthError, AuthProvider, Challenge, ChallengeOutcome, StaticToken,
};
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{
    AuthHook, AuthRejection, HttpClientConfig, HttpClientTransport, HttpServerConfig,
};

use crate::client_e2e::client_config;
use crate::support::service;

/// Accepts `Bearer good`; answers `Bearer weak` with 403 `insufficient_scope`, anything
/// else with 401. Records every Authorization header it saw.
#[derive(Default)]
struct Guard {
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl AuthHook for Guard {
    fn authorize<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        let auth = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.seen.lock().unwrap().push(auth.clone());
        Box::pin(async move {
            match auth.as_deref() {
                Some("Bearer good") => Ok(()),
                Some("Bearer weak") => Err(AuthRejection::new(
                    http::StatusCode::FORBIDDEN,
                    Some(http::HeaderValue::from_static(
                        r#"Bearer error="insufficient_scope", scope="more""#,
                    )),
                )),
                _ => Err(AuthRejection::new(
                    http::StatusCode::UNAUTHORIZED,
                    Some(http::HeaderValue::from_static(r#"Bearer scope="basic""#)),
                )),
            }
        })
    }
}

/// Hands out the tokens of `script` in turn, one per challenge.
#[derive(Debug)]
struct Scripted {
    script: Vec<&'static str>,
    current: Mutex<Option<AccessToken>>,
    challenges: AtomicUsize,
    last: Mutex<Option<Challenge>>,
}

impl Scripted {
    fn new(script: Vec<&'static str>) -> Arc<Self> {
        Arc::new(Self {
            script,
            current: Mutex::new(None),
            challenges: AtomicUsize::new(0),
            last: Mutex::new(None),
        })
    }
}

impl AuthProvider for Scripted {
    fn token(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>> {
        Box::pin(async move { Ok(self.current.lock().unwrap().clone()) })
    }

    fn on_challenge<'a>(
        &'a self,
        challenge: &'a Challenge,
        _rejected: Option<&'a AccessToken>,
    ) -> BoxFuture<'a, Result<ChallengeOutcome, AuthError>> {
        Box::pin(async move {
            let n = self.challenges.fetch_add(1, Ordering::SeqCst);
            *self.last.lock().unwrap() = Some(challenge.clone());
            match self.script.get(n) {
                Some(&"error") => Err(AuthError::new("the user cancelled the login")),
                Some(token) => {
                    *self.current.lock().unwrap() = Some(AccessToken::new(*token));
                    Ok(ChallengeOutcome::Retry)
                }
                None => Ok(ChallengeOutcome::GiveUp),
            }
        })
    }
}

async fn guarded() -> (oxmcp_http::Server, Arc<Mutex<Vec<Option<String>>>>) {
    let (service, _) = service(HttpServerConfig::default());
    let guard = Guard::default();
    let seen = guard.seen.clone();
    let server = oxmcp_http::serve_with(
        "127.0.0.1:0".parse().unwrap(),
        service.with_auth(guard),
        "/mcp",
    )
    .await
    .unwrap();
    (server, seen)
}

fn with_provider(provider: Arc<dyn AuthProvider>) -> HttpClientConfig {
    let mut config = HttpClientConfig::default();
    config.auth = Some(provider);
    config
}

#[tokio::test]
async fn a_401_and_a_403_step_up_are_cured_by_the_provider() {
    let (server, seen) = guarded().await;
    let provider = Scripted::new(vec!["weak", "good"]);
    let transport =
        HttpClientTransport::with_config(&server.url(), with_provider(provider.clone())).unwrap();
    let client = connect(transport, client_config(), NoHandler)
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    assert_eq!(provider.challenges.load(Ordering::SeqCst), 2);
    let last = provider.last.lock().unwrap().clone().unwrap();
    assert_eq!(last.status, http::StatusCode::FORBIDDEN);
    assert!(last.www_authenticate[0].contains("insufficient_scope"));
    assert!(last.url.ends_with("/mcp"));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], None, "the first request goes without a token");
    assert_eq!(seen[1].as_deref(), Some("Bearer weak"));
    assert!(
        seen[2..]
            .iter()
            .all(|a| a.as_deref() == Some("Bearer good"))
    );
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn rounds_are_bounded_and_give_up_stands() {
    let (server, _) = guarded().await;
    let provider = Scripted::new(vec!["bad1", "bad2", "bad3", "good"]);
    let transport =
        HttpClientTransport::with_config(&server.url(), with_provider(provider.clone())).unwrap();
    let error = connect(transport, client_config(), NoHandler)
        .await
        .expect_err("three bad tokens exhaust the rounds");
    assert_eq!(provider.challenges.load(Ordering::SeqCst), 3);
    assert!(error.to_string().contains("unauthorized"), "{error}");

    let provider = Scripted::new(vec![]);
    let transport =
        HttpClientTransport::with_config(&server.url(), with_provider(provider.clone())).unwrap();
    assert!(
        connect(transport, client_config(), NoHandler)
            .await
            .is_err()
    );
    assert_eq!(provider.challenges.load(Ordering::SeqCst), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_provider_error_fails_the_request_with_its_message() {
    let (server, _) = guarded().await;
    let provider = Scripted::new(vec!["error"]);
    let transport =
        HttpClientTransport::with_config(&server.url(), with_provider(provider)).unwrap();
    let error = connect(transport, client_config(), NoHandler)
        .await
        .expect_err("failed");
    assert!(
        error.to_string().contains("the user cancelled the login"),
        "{error}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_static_token_goes_on_every_request() {
    let (server, seen) = guarded().await;
    let provider = Arc::new(StaticToken(AccessToken::new("good")));
    let transport =
        HttpClientTransport::with_config(&server.url(), with_provider(provider)).unwrap();
    let client = connect(transport, client_config(), NoHandler)
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    client.close().await;
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 3, "{seen:?}");
    assert!(seen.iter().all(|a| a.as_deref() == Some("Bearer good")));
    server.shutdown().await;
}

#[tokio::test]
async fn max_auth_rounds_is_a_setting() {
    let (server, _) = guarded().await;
    let provider = Scripted::new(vec!["bad1", "bad2", "good"]);
    let mut config = with_provider(provider.clone());
    config.max_auth_rounds = 1;
    let transport = HttpClientTransport::with_config(&server.url(), config).unwrap();
    assert!(
        connect(transport, client_config(), NoHandler)
            .await
            .is_err()
    );
    assert_eq!(provider.challenges.load(Ordering::SeqCst), 1);
    server.shutdown().await;
}
