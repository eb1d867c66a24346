//! The client starts a new session by itself when the server answers 404 for its session
//! (deleted or reaped), without the engine seeing it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use oxmcp_core::RunningClient;
use oxmcp_http::{HttpClientConfig, HttpServerConfig, McpService, SessionIdHandle};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::client_e2e::{TestClient, call, connect_to};
use crate::support::*;

/// One POST as the server received it.
#[derive(Debug, Clone)]
struct Posted {
    session: Option<String>,
    body: Value,
}

#[derive(Clone, Default)]
struct Recorder {
    posts: Arc<Mutex<Vec<Posted>>>,
    /// Makes a renewal's `initialize` ask for 2025-06-18 (the server then disagrees).
    downgrade_renewal: bool,
    /// Answers a renewal's `initialize` with the server's headers (its new session id) and
    /// an SSE stream that never sends anything.
    stall_renewal: bool,
    /// Answers 500 to `notifications/initialized` after a renewal.
    refuse_renewed_initialized: bool,
    /// Holds `notifications/initialized` after a renewal until another POST arrives, and
    /// counts the POSTs that use its session meanwhile.
    hold_renewed_initialized: bool,
    held: Arc<Mutex<Option<String>>>,
    held_signal: Arc<Notify>,
    other_post: Arc<Notify>,
    early: Arc<AtomicUsize>,
}

impl Recorder {
    fn renewals(&self) -> usize {
        self.posts
            .lock()
            .unwrap()
            .iter()
            .filter(|p| is_renewal(&p.body))
            .count()
    }
}

fn is_renewal(body: &Value) -> bool {
    body["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("oxmcp-reinitialize-"))
}

/// What the recorder does with a POST instead of passing it on, if anything.
async fn intercept(
    recorder: &Recorder,
    session: Option<&String>,
    body: &Value,
) -> Option<Response> {
    let initialized = body["method"] == "notifications/initialized";
    if !initialized {
        if recorder
            .held
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|h| Some(h) == session)
        {
            recorder.early.fetch_add(1, Ordering::SeqCst);
        }
        recorder.other_post.notify_waiters();
        return None;
    }
    if recorder.renewals() == 0 {
        return None;
    }
    if recorder.refuse_renewed_initialized {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        return Some(response);
    }
    if recorder.hold_renewed_initialized {
        let other = recorder.other_post.notified();
        tokio::pin!(other);
        other.as_mut().enable();
        *recorder.held.lock().unwrap() = session.cloned();
        recorder.held_signal.notify_one();
        other.await;
        *recorder.held.lock().unwrap() = None;
    }
    None
}

async fn record(State(recorder): State<Recorder>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let mut bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap()
        .to_vec();
    if parts.method == http::Method::POST {
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        let session = parts
            .headers
            .get("mcp-session-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let renewal = is_renewal(&body);
        if recorder.downgrade_renewal && renewal {
            let text = String::from_utf8(bytes).unwrap();
            bytes = text.replace("2025-11-25", "2025-06-18").into_bytes();
        }
        let intercepted = intercept(&recorder, session.as_ref(), &body).await;
        recorder
            .posts
            .lock()
            .unwrap()
            .push(Posted { session, body });
        if let Some(response) = intercepted {
            return response;
        }
        if recorder.stall_renewal && renewal {
            let answer = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            let (mut head, _) = answer.into_parts();
            head.headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("text/event-stream"),
            );
            head.headers.remove(http::header::CONTENT_LENGTH);
            let silent = futures_util::stream::pending::<Result<bytes::Bytes, std::io::Error>>();
            return Response::from_parts(head, Body::from_stream(silent));
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The test service behind the recorder, on 127.0.0.1.
async fn recorded(
    config: HttpServerConfig,
    recorder: Recorder,
) -> (McpService, Arc<Seen>, String, tokio::task::JoinHandle<()>) {
    let (service, seen) = service(config);
    let app = axum::Router::new()
        .route_service("/mcp", service.clone())
        .layer(middleware::from_fn_with_state(recorder, record));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (service, seen, url, task)
}

fn without_get_stream() -> HttpClientConfig {
    let mut config = HttpClientConfig::default();
    config.standalone_stream = false;
    config
}

/// Ends the client's session on the server with a DELETE of its own.
async fn delete_session(url: &str, session: &SessionIdHandle) -> String {
    let old = session.get().unwrap();
    let resp = http()
        .delete(url)
        .header("mcp-session-id", &old)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    old
}

#[tokio::test]
async fn a_deleted_session_is_replaced_and_the_request_retried() {
    let recorder = Recorder::default();
    let (service, seen, url, task) = recorded(HttpServerConfig::default(), recorder.clone()).await;
    let (client, _, session) = connect_to(&url, without_get_stream()).await;
    assert_eq!(
        call(&client, "echo", json!({"n": 1})).await.unwrap(),
        json!({"n": 1})
    );
    let first_init = recorder.posts.lock().unwrap()[0].body.clone();
    let old = delete_session(&url, &session).await;
    let before = recorder.posts.lock().unwrap().len();
    assert_eq!(
        call(&client, "echo", json!({"n": 2})).await.unwrap(),
        json!({"n": 2})
    );
    let new = session.get().unwrap();
    assert_ne!(new, old);
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 2);
    assert_eq!(service.session_count(), 1);
    let posts: Vec<Posted> = recorder.posts.lock().unwrap()[before..].to_vec();
    assert_eq!(posts.len(), 4, "{posts:?}");
    // The request on the ended session, refused with 404.
    assert_eq!(posts[0].session.as_deref(), Some(old.as_str()));
    assert_eq!(posts[0].body["params"]["n"], 2);
    // The initialize sent first, again, with a fresh id and no session id.
    assert_eq!(posts[1].session, None);
    assert_eq!(posts[1].body["id"], "oxmcp-reinitialize-1");
    assert_eq!(posts[1].body["method"], "initialize");
    assert_eq!(posts[1].body["params"], first_init["params"]);
    assert_ne!(posts[1].body["id"], first_init["id"]);
    // Then initialized and the retried request, on the new session.
    assert_eq!(posts[2].session.as_deref(), Some(new.as_str()));
    assert_eq!(posts[2].body["method"], "notifications/initialized");
    assert_eq!(posts[3].session.as_deref(), Some(new.as_str()));
    assert_eq!(posts[3].body, posts[0].body);
    // The engine saw none of it: same peer, and its own ids go on.
    assert_eq!(client.session().peer_info.name, "http-test-server");
    client.peer().ping().await.unwrap();
    client.close().await;
    task.abort();
}

#[tokio::test]
async fn a_reaped_session_is_replaced_for_notifications_too() {
    let config = HttpServerConfig::default().with_idle_timeout(Duration::from_millis(100));
    let recorder = Recorder::default();
    let (service, seen, url, task) = recorded(config, recorder.clone()).await;
    let (client, _, session) = connect_to(&url, without_get_stream()).await;
    let old = session.get().unwrap();
    eventually(|| service.session_count() == 0).await;
    // A notification meets the 404 first: a new session, and the notification sent again.
    client
        .peer()
        .notify_raw("notifications/x", None)
        .await
        .unwrap();
    eventually(|| seen.sessions_started.load(Ordering::SeqCst) == 2).await;
    let resent = || {
        let posts = recorder.posts.lock().unwrap();
        let renewal = posts.iter().position(|p| is_renewal(&p.body));
        renewal.is_some_and(|at| {
            posts[at..].iter().any(|p| {
                p.body["method"] == "notifications/x"
                    && p.session.is_some()
                    && p.session.as_deref() != Some(old.as_str())
            })
        })
    };
    eventually(resent).await;
    // (The new session may be reaped in turn on a slow machine: the call then starts a third.)
    assert_eq!(
        call(&client, "echo", json!({"n": 3})).await.unwrap(),
        json!({"n": 3})
    );
    assert_ne!(session.get().unwrap(), old);
    client.close().await;
    task.abort();
}

#[tokio::test]
async fn the_get_stream_comes_back_on_the_new_session() {
    let (server, seen) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let mut config = HttpClientConfig::default();
    config.default_retry = Duration::from_millis(20);
    let (client, handler, session) = connect_to(&url, config).await;
    delete_session(&url, &session).await;
    // The GET stream ends with the session; its resumption gets 404, which starts a new one.
    eventually(|| seen.sessions_started.load(Ordering::SeqCst) == 2).await;
    let answer = call(&client, "notify_unrelated", json!({"count": 2}))
        .await
        .unwrap();
    assert_eq!(answer, json!({"sent": 2}));
    let notes = handler.clone();
    eventually(move || unrelated_count(&notes) == 2).await;
    assert_eq!(server.service().session_count(), 1);
    client.close().await;
    server.shutdown().await;
}

fn unrelated_count(handler: &TestClient) -> usize {
    handler
        .notifications
        .lock()
        .unwrap()
        .iter()
        .filter(|(method, _)| method == "notifications/unrelated")
        .count()
}

async fn ended(client: &RunningClient) {
    tokio::time::timeout(Duration::from_secs(10), client.handle().wait())
        .await
        .expect("the client session ends");
}

#[tokio::test]
async fn renewal_can_be_turned_off() {
    let (server, seen) = start(HttpServerConfig::default()).await;
    let url = server.url();
    let mut config = without_get_stream();
    config.reinitialize = false;
    let (client, _, session) = connect_to(&url, config).await;
    delete_session(&url, &session).await;
    assert!(call(&client, "echo", json!({})).await.is_err());
    ended(&client).await;
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_server_that_changed_its_version_ends_the_session() {
    let recorder = Recorder {
        downgrade_renewal: true,
        ..Recorder::default()
    };
    let (service, seen, url, task) = recorded(HttpServerConfig::default(), recorder).await;
    let (client, _, session) = connect_to(&url, without_get_stream()).await;
    delete_session(&url, &session).await;
    assert!(call(&client, "echo", json!({})).await.is_err());
    ended(&client).await;
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 2);
    // The session made for nothing was ended again.
    eventually(|| service.session_count() == 0).await;
    task.abort();
}

/// Finding 5: a server that answers the renewal's `initialize` with a silent stream does not
/// hang the client: past `reinitialize_timeout` the new session is ended (DELETE) and the
/// transport fails.
#[tokio::test]
async fn a_silent_renewal_times_out_and_its_session_is_deleted() {
    let recorder = Recorder {
        stall_renewal: true,
        ..Recorder::default()
    };
    let (service, seen, url, task) = recorded(HttpServerConfig::default(), recorder).await;
    let mut config = without_get_stream();
    config.reinitialize_timeout = Duration::from_millis(300);
    let (client, _, session) = connect_to(&url, config).await;
    delete_session(&url, &session).await;
    let answer = tokio::time::timeout(Duration::from_secs(20), call(&client, "echo", json!({})))
        .await
        .expect("the renewal has a deadline");
    assert!(answer.is_err());
    ended(&client).await;
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 2);
    eventually(|| service.session_count() == 0).await;
    task.abort();
}

/// Finding 6: when `notifications/initialized` to the new session fails, the new session is
/// ended (DELETE), not left behind.
#[tokio::test]
async fn a_refused_initialized_discards_the_new_session() {
    let recorder = Recorder {
        refuse_renewed_initialized: true,
        ..Recorder::default()
    };
    let (service, seen, url, task) = recorded(HttpServerConfig::default(), recorder).await;
    let (client, _, session) = connect_to(&url, without_get_stream()).await;
    delete_session(&url, &session).await;
    assert!(call(&client, "echo", json!({})).await.is_err());
    ended(&client).await;
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 2);
    eventually(|| service.session_count() == 0).await;
    task.abort();
}

/// Findings 6 and 10: two requests meet the 404; one new session is started, and nothing
/// uses it before its `notifications/initialized` went through; both requests are retried
/// on it, after the notification.
#[tokio::test]
async fn requests_meeting_the_404_together_wait_for_the_initialized_session() {
    let recorder = Recorder {
        hold_renewed_initialized: true,
        ..Recorder::default()
    };
    let (_service, seen, url, task) = recorded(HttpServerConfig::default(), recorder.clone()).await;
    let (client, _, session) = connect_to(&url, without_get_stream()).await;
    delete_session(&url, &session).await;
    let first = call(&client, "echo", json!({"n": 1}));
    let second = async {
        // The renewal's initialized is held: the second request starts now.
        tokio::time::timeout(Duration::from_secs(20), recorder.held_signal.notified())
            .await
            .expect("the renewal reaches notifications/initialized");
        call(&client, "echo", json!({"n": 2})).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.unwrap(), json!({"n": 1}));
    assert_eq!(second.unwrap(), json!({"n": 2}));
    assert_eq!(recorder.early.load(Ordering::SeqCst), 0);
    assert_eq!(recorder.renewals(), 1);
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 2);
    let new = session.get().unwrap();
    let posts = recorder.posts.lock().unwrap().clone();
    let initialized = posts
        .iter()
        .position(|p| {
            p.body["method"] == "notifications/initialized"
                && p.session.as_deref() == Some(new.as_str())
        })
        .expect("initialized on the new session");
    assert!(
        posts[..initialized]
            .iter()
            .all(|p| p.session.as_deref() != Some(new.as_str())),
        "{posts:?}"
    );
    client.close().await;
    task.abort();
}
