//! oxmcp-auth against an authorization server nobody here wrote: the certified OpenID
//! provider `oidc-provider` (npm, from the interop cache; interop/ts/oidc-provider.mjs),
//! with dynamic registration, PKCE, resource indicators, client credentials and
//! `private_key_jwt`. A protected oxmcp MCP server (the conformance fixture behind an
//! `AuthHook`) accepts only active tokens issued for it, checked by the provider's token
//! introspection. The oxmcp client logs in with each grant and calls a tool.

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::request::Parts;
use oxmcp_auth::client::{
    AuthMethod, AuthorizationHandler, ClientIdentity, Grant, OAuthClient, OAuthConfig, OAuthError,
    Secret, SigningKey, Url, UserAgent,
};
use oxmcp_core::client::ClientHandler;
use oxmcp_core::{ClientConfig, McpClient};
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{
    AuthHook, AuthRejection, HttpClientConfig, HttpClientTransport, HttpServerConfig,
};
use oxmcp_types::{CallToolRequestParams, Implementation};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::*;

/// The provider as the test sees it.
#[derive(Debug, Default, Clone)]
struct Provider {
    issuer: String,
    introspector: (String, String),
}

/// Accepts a request whose bearer token the provider says is active and for `resource`.
struct Introspect {
    provider: Arc<Mutex<Provider>>,
    resource: Arc<Mutex<String>>,
    http: reqwest::Client,
}

impl Introspect {
    async fn check(&self, token: Option<String>) -> bool {
        let Some(token) = token else { return false };
        let provider = self.provider.lock().unwrap().clone();
        let resource = self.resource.lock().unwrap().clone();
        let (id, secret) = &provider.introspector;
        let body = format!("token={}", url_encode(&token));
        let answer = self
            .http
            .post(format!("{}/token/introspection", provider.issuer))
            .basic_auth(id, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await;
        let Ok(answer) = answer else { return false };
        let Ok(bytes) = answer.bytes().await else {
            return false;
        };
        let Ok(json) = serde_json::from_slice::<Value>(&bytes) else {
            return false;
        };
        let audience_ok = match &json["aud"] {
            Value::String(aud) => *aud == resource,
            Value::Array(auds) => auds.iter().any(|a| *a == resource),
            _ => false,
        };
        json["active"] == true && audience_ok
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl AuthHook for Introspect {
    fn authorize<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        Box::pin(async move {
            if self.check(token).await {
                return Ok(());
            }
            let issuer = self.provider.lock().unwrap().issuer.clone();
            let challenge = format!(r#"Bearer resource_metadata="{issuer}/prm", scope="mcp""#);
            Err(AuthRejection::new(
                http::StatusCode::UNAUTHORIZED,
                Some(http::HeaderValue::from_str(&challenge).unwrap()),
            ))
        })
    }
}

/// A user at a browser: follows the provider's redirects with its cookies (the provider's
/// interaction completes at once) until it is sent to the redirect URI.
#[derive(Debug)]
struct Browser {
    redirect_uri: String,
    http: reqwest::Client,
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

/// An ES256 key pair: the PKCS#8 PEM and the public JWK.
fn es256_key() -> (String, Value) {
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

fn plain_http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Calls `test_simple_text` through `oauth`.
async fn call_tool(url: &str, oauth: OAuthClient) {
    let mut http = HttpClientConfig::default();
    http.auth = Some(Arc::new(oauth));
    let transport = HttpClientTransport::with_config(url, http).unwrap();
    let config = ClientConfig::new(Implementation::new("oidc-e2e", "1.0"));
    let client = McpClient::connect(transport, config, ClientHandler::new())
        .await
        .expect("connect with a token from oidc-provider");
    let result = client
        .peer()
        .call_tool(CallToolRequestParams::new("test_simple_text"))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true));
    client.close().await;
}

#[tokio::test]
async fn oidc_provider_issues_tokens_for_every_grant() {
    let script = repo().join("interop/ts/oidc-provider.mjs");
    assert!(
        interop_node_modules()
            .join("oidc-provider/package.json")
            .exists(),
        "oidc-provider is missing: run scripts/setup-interop"
    );
    let provider = Arc::new(Mutex::new(Provider::default()));
    let resource = Arc::new(Mutex::new(String::new()));
    let streams = oxmcp_conformance::server::StreamRegistry::default();
    let server = oxmcp_conformance::server::build(streams.clone()).unwrap();
    let service = oxmcp_conformance::server::service(server, streams, HttpServerConfig::default())
        .with_auth(Introspect {
            provider: provider.clone(),
            resource: resource.clone(),
            http: plain_http(),
        });
    let mcp = oxmcp_http::serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = mcp.url();
    *resource.lock().unwrap() = url.clone();

    let (pem, jwk) = es256_key();
    let mut child = tokio::process::Command::new(node())
        .arg(&script)
        .arg(&url)
        .arg(jwk.to_string())
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
    let issuer = ready["issuer"].as_str().unwrap().to_owned();
    *provider.lock().unwrap() = Provider {
        issuer: issuer.clone(),
        introspector: (
            ready["introspector"]["client_id"]
                .as_str()
                .unwrap()
                .to_owned(),
            ready["introspector"]["client_secret"]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
    };

    // Authorization code with PKCE, dynamic registration and the resource indicator.
    let browser = Browser {
        redirect_uri: "http://127.0.0.1:9/callback".to_owned(),
        http: plain_http(),
    };
    let oauth =
        OAuthClient::new(&url, OAuthConfig::new("oxmcp-oidc-e2e"), Arc::new(browser)).unwrap();
    call_tool(&url, oauth.clone()).await;
    assert_eq!(oauth.grants_run(), 1);
    assert_eq!(oauth.discovered().unwrap().issuer, issuer);

    // Client credentials with client_secret_basic.
    let mut config = OAuthConfig::new("oxmcp-oidc-e2e");
    config.grant = Grant::ClientCredentials(ClientIdentity::with_secret(
        "cc-basic",
        Secret::new("cc-basic-secret-0123456789"),
        AuthMethod::ClientSecretBasic,
    ));
    call_tool(&url, OAuthClient::without_user(&url, config).unwrap()).await;

    // Client credentials with private_key_jwt (RFC 7523).
    let key = SigningKey::from_pkcs8_pem(&pem, "ES256").unwrap();
    let mut config = OAuthConfig::new("oxmcp-oidc-e2e");
    config.grant = Grant::ClientCredentials(ClientIdentity::with_key("cc-jwt", Arc::new(key)));
    call_tool(&url, OAuthClient::without_user(&url, config).unwrap()).await;

    // A wrong secret is refused by the provider, with its error.
    let mut config = OAuthConfig::new("oxmcp-oidc-e2e");
    config.grant = Grant::ClientCredentials(ClientIdentity::with_secret(
        "cc-basic",
        Secret::new("wrong"),
        AuthMethod::ClientSecretBasic,
    ));
    let transport = {
        let mut http = HttpClientConfig::default();
        http.auth = Some(Arc::new(OAuthClient::without_user(&url, config).unwrap()));
        HttpClientTransport::with_config(&url, http).unwrap()
    };
    let error = McpClient::connect(
        transport,
        ClientConfig::new(Implementation::new("oidc-e2e", "1.0")),
        ClientHandler::new(),
    )
    .await
    .expect_err("a wrong secret");
    assert!(error.to_string().contains("invalid_client"), "{error}");

    let _ = child.kill().await;
    mcp.shutdown().await;
}
