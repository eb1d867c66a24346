//! The shared parts of the tests against `oidc-provider` (interop/ts/oidc-provider.mjs): the
//! provider process, a headless browser for its login, and an auth hook that is given its
//! resource server once the provider (which needs the MCP URL) is up.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::request::Parts;
use oxmcp_auth::client::{AuthorizationHandler, OAuthError, Url, UserAgent};
use oxmcp_auth::resource::ResourceServer;
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{AuthHook, AuthRejection, Principal};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::*;

/// A running provider: its issuer and the introspection client's credentials.
pub(crate) struct Provider {
    pub(crate) issuer: String,
    pub(crate) introspector: (String, String),
    pub(crate) child: tokio::process::Child,
    /// Its stdout, kept open: the provider dies of EPIPE when it is closed.
    _stdout: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

/// Starts the provider for the MCP server at `mcp_url`, issuing `format` (`opaque` or `jwt`)
/// access tokens, with `jwk` the public key of the `cc-jwt` client.
pub(crate) async fn start_provider(mcp_url: &str, jwk: &Value, format: &str) -> Provider {
    let script = repo().join("interop/ts/oidc-provider.mjs");
    assert!(
        interop_node_modules()
            .join("oidc-provider/package.json")
            .exists(),
        "oidc-provider is missing: run scripts/setup-interop"
    );
    let mut child = tokio::process::Command::new(node())
        .arg(&script)
        .arg(mcp_url)
        .arg(jwk.to_string())
        .arg(format)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn oidc-provider");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("{\"issuer\"") {
                return serde_json::from_str::<Value>(&line).unwrap();
            }
        }
        panic!("oidc-provider exited before it was ready");
    })
    .await
    .expect("oidc-provider starts");
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    Provider {
        issuer: text(&ready["issuer"]),
        introspector: (
            text(&ready["introspector"]["client_id"]),
            text(&ready["introspector"]["client_secret"]),
        ),
        child,
        _stdout: lines,
    }
}

/// The resource server, set once the provider runs; until then every request gets 503.
#[derive(Clone, Default)]
pub(crate) struct Late(pub(crate) Arc<OnceLock<ResourceServer>>);

impl AuthHook for Late {
    fn authorize<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        Box::pin(async move { self.authenticate(parts).await.map(|_| ()) })
    }

    fn authenticate<'a>(
        &'a self,
        parts: &'a Parts,
    ) -> BoxFuture<'a, Result<Option<Principal>, AuthRejection>> {
        Box::pin(async move {
            match self.0.get() {
                Some(server) => server.authenticate(parts).await,
                None => Err(AuthRejection::new(
                    http::StatusCode::SERVICE_UNAVAILABLE,
                    None,
                )),
            }
        })
    }

    fn authorize_request(
        &self,
        principal: Option<&Principal>,
        request: &oxmcp_types::jsonrpc::Request,
    ) -> Result<(), AuthRejection> {
        match self.0.get() {
            Some(server) => server.authorize_request(principal, request),
            None => Ok(()),
        }
    }

    fn document(&self, path: &str) -> Option<bytes::Bytes> {
        self.0.get()?.document(path)
    }
}

/// A user at a browser: follows the provider's redirects with its cookies (the provider's
/// interaction completes at once) until it is sent to the redirect URI.
#[derive(Debug)]
pub(crate) struct Browser {
    pub(crate) redirect_uri: String,
    pub(crate) http: reqwest::Client,
}

impl AuthorizationHandler for Browser {
    fn redirect_uri(&self) -> String {
        self.redirect_uri.clone()
    }

    fn authorize<'a>(
        &'a self,
        url: &'a Url,
        _agent: UserAgent<'a>,
    ) -> BoxFuture<'a, Result<Url, OAuthError>> {
        Box::pin(async move {
            let mut cookies: HashMap<String, String> = HashMap::new();
            let mut at = url.clone();
            for _ in 0..10 {
                let jar: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let response = self
                    .http
                    .get(at.clone())
                    .header("cookie", jar.join("; "))
                    .send()
                    .await
                    .map_err(|e| OAuthError::Interaction(e.to_string()))?;
                for set in response.headers().get_all("set-cookie") {
                    let pair = set.to_str().unwrap_or("").split(';').next().unwrap_or("");
                    if let Some((k, v)) = pair.split_once('=') {
                        cookies.insert(k.trim().to_owned(), v.trim().to_owned());
                    }
                }
                let status = response.status();
                let location = response
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let Some(location) = location.filter(|_| status.is_redirection()) else {
                    let body = response.text().await.unwrap_or_default();
                    return Err(OAuthError::Interaction(format!(
                        "the provider answered {status}: {}",
                        body.chars().take(300).collect::<String>()
                    )));
                };
                at = at
                    .join(&location)
                    .map_err(|e| OAuthError::Interaction(e.to_string()))?;
                if at.as_str().starts_with(&self.redirect_uri) {
                    return Ok(at);
                }
            }
            Err(OAuthError::Interaction("too many redirects".into()))
        })
    }
}

/// A browser for the provider's login.
pub(crate) fn browser() -> Browser {
    Browser {
        redirect_uri: "http://127.0.0.1:9/callback".to_owned(),
        http: plain_http(),
    }
}

/// An ES256 key pair: the PKCS#8 PEM and the public JWK.
pub(crate) fn es256_key() -> (String, Value) {
    let rng = SystemRandom::new();
    let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref()).unwrap();
    let point = pair.public_key().as_ref().to_vec();
    let jwk = serde_json::json!({
        "kty": "EC",
        "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
    });
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(der.as_ref())
    );
    (pem, jwk)
}

pub(crate) fn plain_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
