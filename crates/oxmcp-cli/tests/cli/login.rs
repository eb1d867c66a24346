//! `login` (client credentials, and the browser flow with the loopback redirect), tokens
//! kept and reused by later commands, `auth status`, `logout`; against a mock
//! authorization server and an MCP server that accepts only its tokens (127.0.0.1).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use oxmcp_core::{NoHandler, ServerConfig, serve_server};
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{AuthHook, AuthRejection, HttpServerConfig, McpService, serve_with};
use oxmcp_types::Implementation;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::support::{OXMCP, Run, oxmcp_in};

#[derive(Debug, Default)]
struct Issuer {
    base: Mutex<String>,
    resource: Mutex<String>,
    issued: Mutex<Vec<String>>,
    token_requests: AtomicUsize,
}

async fn metadata(State(s): State<Arc<Issuer>>) -> Json<Value> {
    let base = s.base.lock().unwrap().clone();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "registration_endpoint": format!("{base}/register"),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
    }))
}

async fn resource_metadata(State(s): State<Arc<Issuer>>) -> Json<Value> {
    Json(json!({
        "resource": s.resource.lock().unwrap().clone(),
        "authorization_servers": [s.base.lock().unwrap().clone()],
    }))
}

async fn register(Json(body): Json<Value>) -> Response {
    let answer = json!({"client_id": "registered", "redirect_uris": body["redirect_uris"]});
    (http::StatusCode::CREATED, Json(answer)).into_response()
}

async fn authorize(Query(q): Query<HashMap<String, String>>) -> Response {
    let back = format!("{}?code=the-code&state={}", q["redirect_uri"], q["state"]);
    Redirect::to(&back).into_response()
}

async fn token(
    State(s): State<Arc<Issuer>>,
    Form(_form): Form<Vec<(String, String)>>,
) -> Json<Value> {
    let n = s.token_requests.fetch_add(1, Ordering::SeqCst);
    let access = format!("secret-access-token-{n}");
    s.issued.lock().unwrap().push(access.clone());
    Json(
        json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600, "refresh_token": "secret-refresh"}),
    )
}

/// Lets through the tokens the issuer issued.
struct Guard(Arc<Issuer>);

impl AuthHook for Guard {
    fn authorize<'a>(
        &'a self,
        parts: &'a http::request::Parts,
    ) -> BoxFuture<'a, Result<(), AuthRejection>> {
        let bearer = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = bearer.is_some_and(|t| self.0.issued.lock().unwrap().iter().any(|i| i == t));
        let challenge = format!(
            r#"Bearer resource_metadata="{}/prm""#,
            self.0.base.lock().unwrap()
        );
        Box::pin(async move {
            if ok {
                return Ok(());
            }
            Err(AuthRejection::new(
                http::StatusCode::UNAUTHORIZED,
                Some(http::HeaderValue::from_str(&challenge).unwrap()),
            ))
        })
    }
}

/// The issuer and the protected server's URL.
async fn protected_server() -> (Arc<Issuer>, String) {
    let issuer = Arc::new(Issuer::default());
    let app = Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/prm", get(resource_metadata))
        .route("/register", post(register))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(issuer.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    *issuer.base.lock().unwrap() = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let config = ServerConfig::new(Implementation::new("protected", "1.0"));
    let service = McpService::new(
        move |t| serve_server(t, config.clone(), NoHandler),
        HttpServerConfig::default(),
    )
    .with_auth(Guard(issuer.clone()));
    let server = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = server.url();
    *issuer.resource.lock().unwrap() = url.clone();
    // The server runs as long as the test.
    std::mem::forget(server);
    (issuer, url)
}

async fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        oxmcp_in(&args, &env)
    })
    .await
    .unwrap()
}

fn assert_no_secret(run: &Run) {
    for secret in [
        "secret-access-token",
        "secret-refresh",
        "client-secret-value",
    ] {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret} printed: {run:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_credentials_are_kept_reused_and_forgotten() {
    let (issuer, url) = protected_server().await;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().to_str().unwrap();
    let env = [
        ("OXMCP_CONFIG_DIR", dir),
        ("OXMCP_CLIENT_SECRET", "client-secret-value"),
    ];

    let before = run(&["ping", &url], &env).await;
    assert_eq!(before.code, 4, "not logged in yet: {before:?}");

    let login = run(
        &[
            "login",
            &url,
            "--client-credentials",
            "--client-id",
            "bot",
            "--json",
        ],
        &env,
    )
    .await;
    assert_eq!(login.code, 0, "{login:?}");
    assert_eq!(login.json()["loggedIn"], true);
    assert_eq!(login.json()["issuer"], *issuer.base.lock().unwrap());
    assert_no_secret(&login);
    assert_eq!(issuer.token_requests.load(Ordering::SeqCst), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(home.path().join("tokens.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let ping = run(&["ping", &url], &env).await;
    assert_eq!(ping.code, 0, "{ping:?}");
    assert_eq!(
        issuer.token_requests.load(Ordering::SeqCst),
        1,
        "the kept token was reused"
    );

    let status = run(&["auth", "status", "--json"], &env).await;
    assert_eq!(status.json()["logins"][0]["resource"], url, "{status:?}");
    assert_eq!(status.json()["logins"][0]["expired"], false);
    assert_no_secret(&status);

    let logout = run(&["logout", &url, "--json"], &env).await;
    assert_eq!(
        logout.json()["removed"].as_array().unwrap().len(),
        1,
        "{logout:?}"
    );
    let after = run(&["ping", &url], &env).await;
    assert_eq!(after.code, 4, "{after:?}");
    assert_no_secret(&after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_flow_comes_back_to_the_loopback_redirect() {
    let (_issuer, url) = protected_server().await;
    let home = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(OXMCP)
        .args(["login", &url, "--no-browser"])
        .env("OXMCP_CONFIG_DIR", home.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let authorization_url = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the login URL is printed");
        if let Some(at) = line.find("http://127.0.0.1") {
            break line[at..].trim().to_owned();
        }
    };
    assert!(
        authorization_url.contains("/authorize?"),
        "{authorization_url}"
    );
    assert!(
        authorization_url.contains("code_challenge_method=S256"),
        "{authorization_url}"
    );
    // The person's browser: follows the redirect back to the CLI's loopback listener.
    let page = reqwest::get(&authorization_url).await.unwrap();
    assert!(page.status().is_success(), "{:?}", page.status());
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let ping = run(
        &["ping", &url],
        &[("OXMCP_CONFIG_DIR", home.path().to_str().unwrap())],
    )
    .await;
    assert_eq!(ping.code, 0, "{ping:?}");
}
