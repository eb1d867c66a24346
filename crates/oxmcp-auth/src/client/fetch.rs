//! The HTTP calls of the OAuth client: every URL checked first ([`safety`](super::safety)),
//! addresses filtered by the resolver, no redirects followed, bodies capped and calls timed
//! out.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use http::{HeaderMap, StatusCode, header};
use oxmcp_http::client::TlsConfig;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use tokio::sync::OnceCell;
use url::{Host, Url};

use super::error::OAuthError;
use super::safety::{self, InternalAddresses, UrlPolicy};

/// Limits of the OAuth client's HTTP calls.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FetchLimits {
    /// The largest response body accepted (default 1 MiB).
    pub max_response_bytes: usize,
    /// The time one call may take, connection to last byte (default 30 s).
    pub timeout: Duration,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            max_response_bytes: 1 << 20,
            timeout: Duration::from_secs(30),
        }
    }
}

/// A received response, its body read within the limit.
#[derive(Debug)]
pub(crate) struct Fetched {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Fetched {
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self, url: &Url) -> Result<T, OAuthError> {
        serde_json::from_slice(&self.body).map_err(|e| OAuthError::Metadata {
            url: url.to_string(),
            reason: format!("not the expected JSON: {e}"),
        })
    }
}

/// Resolves names and drops the addresses the policy does not allow.
#[derive(Debug)]
struct FilteringResolver {
    internal_ok: Arc<AtomicBool>,
}

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let internal_ok = self.internal_ok.load(Ordering::Acquire);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| internal_ok || !safety::is_internal(a.ip()))
                .collect();
            if allowed.is_empty() {
                let why = if found.is_empty() {
                    format!("`{host}` did not resolve")
                } else {
                    format!(
                        "`{host}` resolves only to internal addresses and the MCP server is not on one"
                    )
                };
                return Err(why.into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The OAuth client's HTTP client.
#[derive(Debug)]
pub(crate) struct Fetcher {
    http: reqwest::Client,
    policy: UrlPolicy,
    limits: FetchLimits,
    server: Url,
    internal_ok: Arc<AtomicBool>,
    decided: OnceCell<bool>,
}

impl Fetcher {
    pub(crate) fn new(
        server: Url,
        tls: &TlsConfig,
        policy: UrlPolicy,
        limits: FetchLimits,
    ) -> Result<Self, OAuthError> {
        let internal_ok = Arc::new(AtomicBool::new(false));
        let builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
            .dns_resolver(Arc::new(FilteringResolver {
                internal_ok: internal_ok.clone(),
            }));
        let http = tls
            .apply(builder)
            .map_err(|e| OAuthError::Config(e.to_string()))?
            .build()
            .map_err(|e| OAuthError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            policy,
            limits,
            server,
            internal_ok,
            decided: OnceCell::new(),
        })
    }

    pub(crate) fn policy(&self) -> &UrlPolicy {
        &self.policy
    }

    /// Whether internal addresses may be fetched: by policy, or because the MCP server's
    /// host is (or resolves to) one.
    async fn internal_ok(&self) -> bool {
        *self
            .decided
            .get_or_init(|| async {
                let ok = match self.policy.internal_addresses {
                    InternalAddresses::Allow => true,
                    InternalAddresses::Deny => false,
                    InternalAddresses::SameAsServer => server_is_internal(&self.server).await,
                };
                self.internal_ok.store(ok, Ordering::Release);
                ok
            })
            .await
    }

    /// Checks `url` against the policy.
    pub(crate) async fn check(&self, url: &Url) -> Result<(), OAuthError> {
        let internal_ok = self.internal_ok().await;
        safety::check_fetch(url, &self.policy, internal_ok)
    }

    /// GETs `url` (with `Accept: application/json`).
    pub(crate) async fn get(&self, url: &Url) -> Result<Fetched, OAuthError> {
        self.check(url).await?;
        let request = self
            .http
            .get(url.clone())
            .header(header::ACCEPT, "application/json");
        self.send(url, request, false).await
    }

    /// GETs `url` and returns a redirect as it is (for reading an authorization response
    /// from `Location` without following it).
    pub(crate) async fn get_redirect(&self, url: &Url) -> Result<Fetched, OAuthError> {
        self.check(url).await?;
        self.send(url, self.http.get(url.clone()), true).await
    }

    /// POSTs a form, with HTTP Basic credentials when given.
    pub(crate) async fn post_form(
        &self,
        url: &Url,
        form: &[(String, String)],
        basic: Option<String>,
    ) -> Result<Fetched, OAuthError> {
        self.check(url).await?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish();
        let mut request = self
            .http
            .post(url.clone())
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if let Some(basic) = basic {
            let mut value = http::HeaderValue::from_str(&format!("Basic {basic}"))
                .map_err(|_| OAuthError::Config("unusable client credentials".into()))?;
            value.set_sensitive(true);
            request = request.header(header::AUTHORIZATION, value);
        }
        self.send(url, request, false).await
    }

    /// POSTs a JSON document.
    pub(crate) async fn post_json(
        &self,
        url: &Url,
        json: &serde_json::Value,
    ) -> Result<Fetched, OAuthError> {
        self.check(url).await?;
        let request = self
            .http
            .post(url.clone())
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/json")
            .body(json.to_string());
        self.send(url, request, false).await
    }

    async fn send(
        &self,
        url: &Url,
        request: reqwest::RequestBuilder,
        redirects_ok: bool,
    ) -> Result<Fetched, OAuthError> {
        let http_error = |reason: String| OAuthError::Http {
            url: url.to_string(),
            reason,
        };
        let response = request.send().await.map_err(|e| http_error(describe(&e)))?;
        let status = response.status();
        if status.is_redirection() && !redirects_ok {
            return Err(http_error(format!(
                "answered {status} (a redirect); redirects are not followed for OAuth calls"
            )));
        }
        let headers = response.headers().clone();
        let limit = self.limits.max_response_bytes;
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Err(http_error(format!("response larger than {limit} bytes")));
        }
        let mut body = Vec::new();
        let mut chunks = response.bytes_stream();
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| http_error(describe(&e)))?;
            if body.len() + chunk.len() > limit {
                return Err(http_error(format!("response larger than {limit} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            status,
            headers,
            body,
        })
    }
}

/// Whether the MCP server is on an internal address (loopback, private network).
async fn server_is_internal(server: &Url) -> bool {
    match server.host() {
        Some(Host::Ipv4(ip)) => safety::is_internal(ip.into()),
        Some(Host::Ipv6(ip)) => safety::is_internal(ip.into()),
        Some(Host::Domain(_)) if safety::is_loopback_host(server) => true,
        Some(Host::Domain(d)) => tokio::net::lookup_host((d, 0))
            .await
            .map(|mut addrs| addrs.any(|a| safety::is_internal(a.ip())))
            .unwrap_or(false),
        None => false,
    }
}

/// An error with its causes.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}
