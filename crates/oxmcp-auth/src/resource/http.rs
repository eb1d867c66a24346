//! The resource server's calls to its authorization server: no redirects, a timeout,
//! bodies capped. The URLs come from the operator's configuration (the issuer), never from
//! a request.

use std::time::Duration;

use futures_util::StreamExt;
use http::StatusCode;
use url::Url;

/// Limits of the resource server's calls to the authorization server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UpstreamLimits {
    /// The time one call may take, connection to last byte (default 5 s).
    pub timeout: Duration,
    /// The largest response body accepted (default 256 KiB).
    pub max_response_bytes: usize,
}

impl Default for UpstreamLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_response_bytes: 256 << 10,
        }
    }
}

/// An HTTP client for the authorization server.
#[derive(Debug, Clone)]
pub(crate) struct Upstream {
    http: reqwest::Client,
    limits: UpstreamLimits,
}

impl Upstream {
    pub(crate) fn new(limits: UpstreamLimits) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self { http, limits })
    }

    /// GETs `url` and returns a 200 body as JSON bytes.
    pub(crate) async fn get(&self, url: &Url) -> Result<Vec<u8>, String> {
        let request = self
            .http
            .get(url.clone())
            .header(http::header::ACCEPT, "application/json");
        self.send(request, url).await
    }

    /// POSTs a form to `url` with HTTP Basic client authentication.
    pub(crate) async fn post_form(
        &self,
        url: &Url,
        basic: (&str, &str),
        form: &[(&str, &str)],
    ) -> Result<Vec<u8>, String> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .http
            .post(url.clone())
            .basic_auth(form_encode(basic.0), Some(form_encode(basic.1)))
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body);
        self.send(request, url).await
    }

    async fn send(&self, request: reqwest::RequestBuilder, url: &Url) -> Result<Vec<u8>, String> {
        let response = request
            .send()
            .await
            .map_err(|e| format!("{url}: {}", chain(&e)))?;
        if response.status() != StatusCode::OK {
            return Err(format!("{url} answered {}", response.status()));
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| format!("{url}: {e}"))?;
            if body.len() + chunk.len() > self.limits.max_response_bytes {
                return Err(format!(
                    "{url}: the response is over {} bytes",
                    self.limits.max_response_bytes
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// RFC 6749 §2.3.1: client id and secret are form-encoded before HTTP Basic.
fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// An error with its sources, `a: b: c`.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
