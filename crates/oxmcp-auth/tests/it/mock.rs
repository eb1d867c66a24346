//! A mock authorization server (axum, 127.0.0.1) and an oxmcp MCP server that accepts only
//! the tokens it issued.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use http::request::Parts;
use oxmcp_core::{NoHandler, ServerConfig, serve_server};
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{AuthHook, AuthRejection, HttpServerConfig, McpService, Server, serve_with};
use oxmcp_types::Implementation;
use serde_json::{Value, json};

/// What the mock does, and what it saw.
#[derive(Debug, Default)]
pub(crate) struct AsState {
    pub(crate) base: Mutex<String>,
    /// Overrides of the metadata (merged into the default document).
    pub(crate) metadata_patch: Mutex<Value>,
    /// The `expires_in` of tokens from the authorization code grant.
    pub(crate) code_expires_in: Mutex<u64>,
    /// The `expires_in` of refreshed tokens.
    pub(crate) refresh_expires_in: Mutex<u64>,
    pub(crate) issued: Mutex<HashSet<String>>,
    pub(crate) token_requests: Mutex<Vec<Vec<(String, String)>>>,
    pub(crate) refreshes: AtomicUsize,
    pub(crate) authorizations: AtomicUsize,
    pub(crate) registrations: AtomicUsize,
    /// A body size for the metadata (to test the cap); 0 = normal.
    pub(crate) metadata_padding: AtomicUsize,
}

pub(crate) struct Mock {
    pub(crate) state: Arc<AsState>,
    pub(crate) mcp: Server,
}

impl Mock {
    pub(crate) fn mcp_url(&self) -> String {
        self.mcp.url()
    }
}

async fn metadata(State(s): State<Arc<AsState>>) -> Response {
    let base = s.base.lock().unwrap().clone();
    let mut doc = json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "registration_endpoint": format!("{base}/register"),
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
        "scopes_supported": ["mcp"],
    });
    if let Value::Object(patch) = s.metadata_patch.lock().unwrap().clone() {
        for (k, v) in patch {
            doc[k] = v;
        }
    }
    let padding = s.metadata_padding.load(Ordering::SeqCst);
    if padding > 0 {
        doc["padding"] = json!("x".repeat(padding));
    }
    Json(doc).into_response()
}

async fn prm(State(s): State<Arc<AsState>>) -> Json<Value> {
    let base = s.base.lock().unwrap().clone();
    let resource = s.metadata_patch.lock().unwrap()["_resource"].clone();
    Json(json!({
        "resource": resource,
        "authorization_servers": [base],
        "scopes_supported": ["mcp"],
    }))
}

async fn register(State(s): State<Arc<AsState>>, Json(body): Json<Value>) -> Response {
    s.registrations.fetch_add(1, Ordering::SeqCst);
    (
        http::StatusCode::CREATED,
        Json(json!({ "client_id": "dyn-client", "redirect_uris": body["redirect_uris"] })),
    )
        .into_response()
}

async fn authorize(
    State(s): State<Arc<AsState>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    s.authorizations.fetch_add(1, Ordering::SeqCst);
    let redirect = format!(
        "{}?code=code-{}&state={}",
        q.get("redirect_uri").cloned().unwrap_or_default(),
        q.get("code_challenge").cloned().unwrap_or_default(),
        q.get("state").cloned().unwrap_or_default()
    );
    Redirect::to(&redirect).into_response()
}

async fn token(State(s): State<Arc<AsState>>, Form(form): Form<Vec<(String, String)>>) -> Response {
    s.token_requests.lock().unwrap().push(form.clone());
    let grant = form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let n = s.token_requests.lock().unwrap().len();
    let access = format!("issued-token-{n}");
    s.issued.lock().unwrap().insert(access.clone());
    let expires_in = if grant == "refresh_token" {
        s.refreshes.fetch_add(1, Ordering::SeqCst);
        *s.refresh_expires_in.lock().unwrap()
    } else {
        *s.code_expires_in.lock().unwrap()
    };
    Json(json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": format!("refresh-{n}"),
    }))
    .into_response()
}

/// Accepts only tokens the mock issued.
struct Guard {
    state: Arc<AsState>,
}

impl AuthHook for Guard {
    fn authorize<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let ok = token.is_some_and(|t| self.state.issued.lock().unwrap().contains(&t));
        let base = self.state.base.lock().unwrap().clone();
        Box::pin(async move {
            if ok {
                return Ok(());
            }
            let challenge = format!(r#"Bearer resource_metadata="{base}/prm", scope="mcp""#);
            Err(AuthRejection::new(
                http::StatusCode::UNAUTHORIZED,
                Some(http::HeaderValue::from_str(&challenge).unwrap()),
            ))
        })
    }
}

/// Starts the mock authorization server and a protected MCP server.
pub(crate) async fn start() -> Mock {
    let state = Arc::new(AsState::default());
    *state.code_expires_in.lock().unwrap() = 3600;
    *state.refresh_expires_in.lock().unwrap() = 3600;
    let app = Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/prm", get(prm))
        .route("/register", post(register))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    *state.base.lock().unwrap() = base.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let config = ServerConfig::new(Implementation::new("protected", "1.0"));
    let service = McpService::new(
        move |t| serve_server(t, config.clone(), NoHandler),
        HttpServerConfig::default(),
    )
    .with_auth(Guard {
        state: state.clone(),
    });
    let mcp = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    state.metadata_patch.lock().unwrap()["_resource"] = json!(mcp.url());
    Mock { state, mcp }
}

/// A plain listener that records whether anything connected to it.
pub(crate) async fn witness() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let app = Router::new().fallback(move || {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            Json(json!({}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, hits)
}
