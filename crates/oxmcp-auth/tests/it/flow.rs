//! The authorization code flow end to end, and what stays secret.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use oxmcp_auth::client::{FileTokenStore, HeadlessRedirect, OAuthClient, OAuthConfig};
use oxmcp_core::{ClientConfig, NoHandler, connect};
use oxmcp_http::{HttpClientConfig, HttpClientTransport};
use oxmcp_types::Implementation;

use crate::mock;

pub(crate) fn oauth(mock: &mock::Mock, config: OAuthConfig) -> OAuthClient {
    OAuthClient::new(
        &mock.mcp_url(),
        config,
        Arc::new(HeadlessRedirect::new("http://127.0.0.1:1/callback")),
    )
    .unwrap()
}

pub(crate) async fn connect_with(
    mock: &mock::Mock,
    oauth: &OAuthClient,
) -> Result<oxmcp_core::RunningClient, oxmcp_core::InitializeError> {
    let mut http = HttpClientConfig::default();
    http.auth = Some(Arc::new(oauth.clone()));
    let transport = HttpClientTransport::with_config(&mock.mcp_url(), http).unwrap();
    connect(
        transport,
        ClientConfig::new(Implementation::new("auth-test", "1.0")),
        NoHandler,
    )
    .await
}

#[tokio::test]
async fn the_authorization_code_flow_logs_in_and_tokens_stay_secret() {
    let logs = Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || Capture(writer.clone()))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mock = mock::start().await;
    let oauth = oauth(&mock, OAuthConfig::new("auth-test"));
    let client = connect_with(&mock, &oauth).await.unwrap();
    client.peer().ping().await.unwrap();
    assert_eq!(oauth.grants_run(), 1);
    assert_eq!(mock.state.registrations.load(Ordering::SeqCst), 1);
    let requests = mock.state.token_requests.lock().unwrap().clone();
    let form = &requests[0];
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("grant_type").as_deref(), Some("authorization_code"));
    assert_eq!(get("resource"), Some(mock.mcp_url()));
    assert_eq!(get("client_id").as_deref(), Some("dyn-client"));
    assert!(get("code_verifier").is_some());
    client.close().await;

    let debug = format!("{oauth:?} {:?}", oauth.tokens());
    assert!(!debug.contains("issued-token"), "{debug}");
    assert!(!debug.contains("refresh-1"), "{debug}");
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(!logs.contains("issued-token"), "a token was logged");
    assert!(!logs.contains("refresh-1"), "a refresh token was logged");
}

#[derive(Clone)]
struct Capture(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_file_store_keeps_the_login_for_the_next_process() {
    let dir = std::env::temp_dir().join(format!("oxmcp-auth-it-{}", std::process::id()));
    let path = dir.join("tokens.json");
    let mock = mock::start().await;
    for round in 0..2 {
        let mut config = OAuthConfig::new("auth-test");
        config.store = Arc::new(FileTokenStore::new(&path));
        let oauth = oauth(&mock, config);
        let client = connect_with(&mock, &oauth).await.unwrap();
        client.peer().ping().await.unwrap();
        client.close().await;
        // The second client finds the token (and the registration) in the file.
        assert_eq!(oauth.grants_run(), 1 - round);
    }
    assert_eq!(mock.state.authorizations.load(Ordering::SeqCst), 1);
    assert_eq!(mock.state.registrations.load(Ordering::SeqCst), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_server_without_pkce_s256_is_refused() {
    let mock = mock::start().await;
    *mock.state.metadata_patch.lock().unwrap() = serde_json::json!({
        "_resource": mock.mcp_url(),
        "code_challenge_methods_supported": ["plain"],
    });
    let oauth = oauth(&mock, OAuthConfig::new("auth-test"));
    let error = connect_with(&mock, &oauth).await.expect_err("refused");
    assert!(error.to_string().contains("PKCE"), "{error}");
    assert_eq!(mock.state.authorizations.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn registrations_are_never_reused_at_another_authorization_server() {
    let store: Arc<dyn oxmcp_auth::client::TokenStore> =
        Arc::new(oxmcp_auth::client::MemoryTokenStore::new());
    let first = mock::start().await;
    let second = mock::start().await;
    for mock in [&first, &second] {
        let mut config = OAuthConfig::new("auth-test");
        config.store = store.clone();
        let oauth = oauth(mock, config);
        let client = connect_with(mock, &oauth).await.unwrap();
        client.peer().ping().await.unwrap();
        client.close().await;
    }
    // Each server saw its own registration and issued its own token.
    assert_eq!(first.state.registrations.load(Ordering::SeqCst), 1);
    assert_eq!(second.state.registrations.load(Ordering::SeqCst), 1);
    assert_eq!(second.state.authorizations.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn oauth_calls_time_out() {
    // A metadata server that accepts the connection and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mock = mock::start().await;
    let mut config = OAuthConfig::new("auth-test");
    let mut limits = oxmcp_auth::client::FetchLimits::default();
    limits.timeout = std::time::Duration::from_millis(300);
    config.limits = limits;
    let client = OAuthClient::new(
        &mock.mcp_url(),
        config,
        Arc::new(HeadlessRedirect::new("http://127.0.0.1:1/callback")),
    )
    .unwrap();
    let challenge = oxmcp_http::client::Challenge::new(
        http::StatusCode::UNAUTHORIZED,
        vec![format!(r#"Bearer resource_metadata="{silent}/prm""#)],
        mock.mcp_url(),
    );
    let started = std::time::Instant::now();
    let error = oxmcp_http::client::AuthProvider::on_challenge(&client, &challenge, None)
        .await
        .expect_err("timed out");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(error.to_string().contains("timed out"), "{error}");
}
