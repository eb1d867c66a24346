//! [`IntrospectionVerifier`]: opaque tokens checked with the authorization server's token
//! introspection (RFC 7662), answers cached (by the token's SHA-256, never the token) for
//! no longer than the token lives.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use oxmcp_http::Principal;
use oxmcp_http::event_store::BoxFuture;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use tokio::time::Instant;
use url::Url;

use super::http::{Upstream, UpstreamLimits};
use super::jwt::now;
use super::metadata::issuer_metadata;
use super::verify::{Invalid, TokenVerifier, Verified, VerifyError};
use crate::client::Secret;

/// Settings of an [`IntrospectionVerifier`].
#[derive(Clone)]
#[non_exhaustive]
pub struct IntrospectionConfig {
    /// The issuer; an `iss` in the answer must equal it.
    pub issuer: String,
    /// The canonical URI of this resource, which the answer's `aud` must contain.
    pub audience: String,
    /// The introspection endpoint; `None` (the default) reads `introspection_endpoint`
    /// from the issuer's metadata.
    pub endpoint: Option<Url>,
    /// This resource server's client id at the authorization server (HTTP Basic).
    pub client_id: String,
    /// Its secret.
    pub client_secret: Secret,
    /// Whether an answer without `aud` is refused (default true: the spec forbids
    /// accepting a token not shown to be for this resource).
    pub require_audience: bool,
    /// The longest time an active answer is reused (default 60 s; never past the token's
    /// `exp`).
    pub cache_ttl: Duration,
    /// How long an inactive answer is reused (default 5 s).
    pub negative_ttl: Duration,
    /// The most answers cached (default 10,000); when full, expired entries are dropped,
    /// then the whole cache if that was not enough.
    pub max_cache_entries: usize,
    /// After a failed discovery of the introspection endpoint (the issuer's metadata
    /// unreachable, or without one), or a failed introspection call (unreachable, timed out,
    /// an error status, not a JSON object), the time during which requests whose token is
    /// not cached get 503 at once instead of calling again (default 5 s): an outage of the
    /// issuer costs one call per interval, not one per request. Zero turns it off.
    pub failure_backoff: Duration,
    /// Limits of the calls to the authorization server.
    pub upstream: UpstreamLimits,
}

impl fmt::Debug for IntrospectionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntrospectionConfig")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("cache_ttl", &self.cache_ttl)
            .field("failure_backoff", &self.failure_backoff)
            .finish_non_exhaustive()
    }
}

impl IntrospectionConfig {
    /// Introspection at `issuer` for the resource `audience`, authenticating as
    /// `client_id`/`client_secret`, with the defaults.
    pub fn new(
        issuer: impl Into<String>,
        audience: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Secret,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            endpoint: None,
            client_id: client_id.into(),
            client_secret,
            require_audience: true,
            cache_ttl: Duration::from_secs(60),
            negative_ttl: Duration::from_secs(5),
            max_cache_entries: 10_000,
            failure_backoff: Duration::from_secs(5),
            upstream: UpstreamLimits::default(),
        }
    }
}

/// An introspection answer (RFC 7662 §2.2), strictly typed.
#[derive(Debug, Deserialize)]
struct Answer {
    active: bool,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    exp: Option<f64>,
    #[serde(default)]
    nbf: Option<f64>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

struct Entry {
    verified: Option<Verified>,
    until: Instant,
}

/// Verifies opaque access tokens with RFC 7662 introspection: active, `iss` (when given)
/// the issuer, `aud` containing this resource, within `exp`/`nbf`. An unreachable or
/// failing endpoint gives [`VerifyError::Unavailable`] (503), never 401.
pub struct IntrospectionVerifier {
    config: IntrospectionConfig,
    upstream: Upstream,
    endpoint: OnceCell<Url>,
    discovery: tokio::sync::Mutex<Discovery>,
    cache: Mutex<HashMap<[u8; 32], Entry>>,
    /// When the last introspection call failed, and why (cleared by the next answer).
    outage: Mutex<Option<(Instant, String)>>,
    /// Introspection calls made (or tried).
    calls: std::sync::atomic::AtomicU64,
}

/// The discovery of the introspection endpoint: how many times it was tried, and when it
/// last failed.
#[derive(Default)]
struct Discovery {
    attempts: u64,
    failed_at: Option<(Instant, String)>,
}

impl fmt::Debug for IntrospectionVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntrospectionVerifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl IntrospectionVerifier {
    /// A verifier with these settings.
    pub fn new(config: IntrospectionConfig) -> Result<Self, String> {
        Ok(Self {
            upstream: Upstream::new(config.upstream.clone())?,
            endpoint: OnceCell::new(),
            discovery: tokio::sync::Mutex::default(),
            cache: Mutex::new(HashMap::new()),
            outage: Mutex::new(None),
            calls: std::sync::atomic::AtomicU64::new(0),
            config,
        })
    }

    /// How many introspection calls were made (or tried): answers from the cache and
    /// refusals during a [`failure_backoff`](IntrospectionConfig::failure_backoff) make none.
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn outage(&self) -> std::sync::MutexGuard<'_, Option<(Instant, String)>> {
        self.outage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The refusal to give while the last failure is younger than the backoff.
    fn in_backoff(&self) -> Option<VerifyError> {
        let outage = self.outage();
        let (at, why) = outage.as_ref()?;
        (at.elapsed() < self.config.failure_backoff).then(|| {
            VerifyError::Unavailable(format!(
                "token introspection failed (retried after the backoff): {why}"
            ))
        })
    }

    fn failed(&self, why: String) -> VerifyError {
        *self.outage() = Some((Instant::now(), why.clone()));
        VerifyError::Unavailable(why)
    }

    /// How many answers are cached.
    pub fn cached(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Entry>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many times the issuer's metadata was fetched (or tried) to find the endpoint.
    pub async fn discoveries(&self) -> u64 {
        self.discovery.lock().await.attempts
    }

    /// The introspection endpoint: configured, or discovered once. Discovery runs one at a
    /// time, and not again within [`failure_backoff`](IntrospectionConfig::failure_backoff)
    /// of a failure.
    async fn endpoint(&self) -> Result<&Url, VerifyError> {
        if let Some(url) = self.endpoint.get() {
            return Ok(url);
        }
        let mut discovery = self.discovery.lock().await;
        if let Some(url) = self.endpoint.get() {
            return Ok(url);
        }
        if let Some((at, why)) = &discovery.failed_at
            && at.elapsed() < self.config.failure_backoff
        {
            return Err(VerifyError::Unavailable(format!(
                "the introspection endpoint is unknown (retried after the backoff): {why}"
            )));
        }
        discovery.attempts += 1;
        match self.discover().await {
            Ok(url) => {
                discovery.failed_at = None;
                Ok(self.endpoint.get_or_init(|| async { url }).await)
            }
            Err(why) => {
                tracing::warn!(error = %why, "cannot discover the introspection endpoint");
                discovery.failed_at = Some((Instant::now(), why.clone()));
                Err(VerifyError::Unavailable(why))
            }
        }
    }

    async fn discover(&self) -> Result<Url, String> {
        if let Some(url) = &self.config.endpoint {
            return Ok(url.clone());
        }
        let metadata = issuer_metadata(&self.upstream, &self.config.issuer).await?;
        let url = metadata
            .introspection_endpoint
            .ok_or("the issuer's metadata has no introspection_endpoint")?;
        Url::parse(&url).map_err(|e| format!("bad introspection_endpoint: {e}"))
    }

    async fn check(&self, token: &str) -> Result<Verified, VerifyError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some(cached) = self.cached_answer(&key) {
            return cached;
        }
        let endpoint = self.endpoint().await?;
        if let Some(refusal) = self.in_backoff() {
            return Err(refusal);
        }
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (id, secret) = (&self.config.client_id, self.config.client_secret.expose());
        let body = self
            .upstream
            .post_form(
                endpoint,
                (id, secret),
                &[("token", token), ("token_type_hint", "access_token")],
            )
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "token introspection failed");
                self.failed(e)
            })?;
        let object: Map<String, Value> = serde_json::from_slice(&body)
            .map_err(|_| self.failed("the introspection answer is not a JSON object".into()))?;
        *self.outage() = None;
        let result = self.judge(object);
        self.remember(key, &result);
        result.map_err(VerifyError::Invalid)
    }

    fn cached_answer(&self, key: &[u8; 32]) -> Option<Result<Verified, VerifyError>> {
        let cache = self.lock();
        let entry = cache.get(key).filter(|e| Instant::now() < e.until)?;
        Some(match &entry.verified {
            Some(v) if v.expires_at.is_none_or(|exp| now() < exp) => Ok(v.clone()),
            Some(_) => Err(Invalid::Expired.into()),
            None => Err(Invalid::Inactive.into()),
        })
    }

    fn remember(&self, key: [u8; 32], result: &Result<Verified, Invalid>) {
        let (verified, ttl) = match result {
            Ok(v) => {
                let left = v.expires_at.map_or(self.config.cache_ttl, |exp| {
                    Duration::from_secs_f64((exp - now()).max(0.0))
                });
                (Some(v.clone()), self.config.cache_ttl.min(left))
            }
            Err(_) => (None, self.config.negative_ttl),
        };
        if ttl.is_zero() || self.config.max_cache_entries == 0 {
            return;
        }
        let now = Instant::now();
        let mut cache = self.lock();
        if cache.len() >= self.config.max_cache_entries {
            cache.retain(|_, e| now < e.until);
            if cache.len() >= self.config.max_cache_entries {
                cache.clear();
            }
        }
        cache.insert(
            key,
            Entry {
                verified,
                until: now + ttl,
            },
        );
    }

    /// The principal of an introspection answer, if it shows an active token for us.
    fn judge(&self, object: Map<String, Value>) -> Result<Verified, Invalid> {
        let answer: Answer =
            serde_json::from_value(Value::Object(object.clone())).map_err(|_| {
                Invalid::Claims("the introspection answer has a member of the wrong type")
            })?;
        if !answer.active {
            return Err(Invalid::Inactive);
        }
        if answer
            .iss
            .as_ref()
            .is_some_and(|iss| *iss != self.config.issuer)
        {
            return Err(Invalid::Claims("the issuer is not the expected one"));
        }
        let ours = match &answer.aud {
            Some(Audience::One(aud)) => *aud == self.config.audience,
            Some(Audience::Many(auds)) => auds.contains(&self.config.audience),
            None => !self.config.require_audience,
        };
        if !ours {
            return Err(Invalid::Claims(
                "the token was not issued for this resource",
            ));
        }
        let now = now();
        if answer.exp.is_some_and(|exp| !exp.is_finite() || now >= exp) {
            return Err(Invalid::Expired);
        }
        if answer.nbf.is_some_and(|nbf| !nbf.is_finite() || now < nbf) {
            return Err(Invalid::Claims("the token is not valid yet"));
        }
        let subject = answer
            .sub
            .or(answer.client_id)
            .filter(|s| !s.is_empty())
            .ok_or(Invalid::Claims("the answer names no subject"))?;
        let scopes = answer.scope.as_deref().unwrap_or("").split(' ');
        let principal = Principal::new(subject)
            .with_issuer(self.config.issuer.clone())
            .with_scopes(scopes.filter(|s| !s.is_empty()))
            .with_claims(object);
        Ok(Verified::new(principal, answer.exp))
    }
}

impl TokenVerifier for IntrospectionVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Verified, VerifyError>> {
        Box::pin(self.check(token))
    }
}
