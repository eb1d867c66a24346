//! [`JwtVerifier`]: JWT access tokens checked against the issuer's JWK Set, kept in a
//! cache that follows key rotation without letting a token make us fetch at will.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use oxmcp_http::Principal;
use oxmcp_http::event_store::BoxFuture;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::http::{Upstream, UpstreamLimits};
use super::jwk::{self, Algorithm, Jwk};
use super::jwt::{self, Expectations};
use super::metadata::issuer_metadata;
use super::verify::{Invalid, TokenVerifier, Verified, VerifyError};

/// The longest clock skew [`JwtConfig::leeway`] may allow.
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Settings of a [`JwtVerifier`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JwtConfig {
    /// The issuer tokens must name in `iss`, exactly.
    pub issuer: String,
    /// The canonical URI of this resource, which `aud` must contain exactly.
    pub audience: String,
    /// Where the keys are; `None` (the default) reads `jwks_uri` from the issuer's metadata
    /// (RFC 8414, then OpenID Connect discovery).
    pub jwks_uri: Option<Url>,
    /// The signature algorithms accepted (default: all of [`Algorithm::ALL`]).
    pub algorithms: Vec<Algorithm>,
    /// Whether the JOSE `typ` must be `at+jwt` (RFC 9068; default true).
    pub require_at_jwt_typ: bool,
    /// The clock skew allowed on `exp` and `nbf` (default 60 s, at most [`MAX_LEEWAY`]).
    pub leeway: Duration,
    /// The shortest time between two fetches of the key set caused by tokens naming an
    /// unknown key (default 60 s).
    pub min_refetch_interval: Duration,
    /// The age after which the key set is fetched again on use (default 1 h); the old
    /// keys stay in use while that fails.
    pub max_key_age: Duration,
    /// After a failed fetch with no keys at hand, the time during which requests get 503
    /// at once instead of fetching again (default 5 s).
    pub failure_backoff: Duration,
    /// Limits of the calls to the issuer.
    pub upstream: UpstreamLimits,
}

impl JwtConfig {
    /// Tokens of `issuer` for the resource `audience`, with the defaults.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            jwks_uri: None,
            algorithms: Algorithm::ALL.to_vec(),
            require_at_jwt_typ: true,
            leeway: Duration::from_secs(60),
            min_refetch_interval: Duration::from_secs(60),
            max_key_age: Duration::from_secs(3600),
            failure_backoff: Duration::from_secs(5),
            upstream: UpstreamLimits::default(),
        }
    }
}

/// The keys at hand.
#[derive(Default)]
struct KeySet {
    keys: Vec<Jwk>,
    fetched_at: Option<Instant>,
}

/// When the key set was last fetched or tried, and where it is.
#[derive(Default)]
struct Refresh {
    jwks_uri: Option<Url>,
    last_attempt: Option<Instant>,
    last_failed: bool,
    fetches: u64,
}

/// Verifies JWT access tokens (RFC 9068) with the issuer's keys: the algorithm from an
/// allow-list of asymmetric ones, `typ`, the signature, `iss`, `aud` containing this
/// resource, `exp` and `nbf` with bounded leeway, strict claim types, no unknown `crit`.
/// A token naming an unknown `kid` makes the set be fetched again at most once per
/// [`min_refetch_interval`](JwtConfig::min_refetch_interval).
pub struct JwtVerifier {
    expect: Expectations,
    config: JwtConfig,
    upstream: Upstream,
    keys: RwLock<Arc<KeySet>>,
    refresh: Mutex<Refresh>,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl JwtVerifier {
    /// A verifier that fetches the issuer's keys when first needed.
    pub fn new(config: JwtConfig) -> Result<Self, String> {
        let upstream = Upstream::new(config.upstream.clone())?;
        let expect = Expectations {
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            algorithms: config.algorithms.clone(),
            require_at_jwt_typ: config.require_at_jwt_typ,
            leeway: config.leeway.min(MAX_LEEWAY),
        };
        Ok(Self {
            refresh: Mutex::new(Refresh {
                jwks_uri: config.jwks_uri.clone(),
                ..Refresh::default()
            }),
            expect,
            config,
            upstream,
            keys: RwLock::new(Arc::default()),
        })
    }

    /// How many times the key set was fetched (or tried).
    pub async fn fetches(&self) -> u64 {
        self.refresh.lock().await.fetches
    }

    fn current(&self) -> Arc<KeySet> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Fetches the key set unless another caller did since `seen`, or the last attempt
    /// is more recent than `interval`.
    async fn refetch(&self, seen: &Arc<KeySet>, interval: Duration) -> Result<(), VerifyError> {
        let mut refresh = self.refresh.lock().await;
        if !Arc::ptr_eq(seen, &self.current()) {
            return Ok(());
        }
        let now = Instant::now();
        if let Some(last) = refresh.last_attempt {
            let wait = if refresh.last_failed {
                interval.max(self.config.failure_backoff)
            } else {
                interval
            };
            if now.duration_since(last) < wait {
                if refresh.last_failed && seen.fetched_at.is_none() {
                    return Err(VerifyError::Unavailable(
                        "the issuer's keys are unreachable".into(),
                    ));
                }
                return Ok(());
            }
        }
        refresh.last_attempt = Some(now);
        refresh.fetches += 1;
        let fetched = self.fetch(&mut refresh).await;
        refresh.last_failed = fetched.is_err();
        let keys = fetched.map_err(|e| {
            tracing::warn!(error = %e, "cannot fetch the issuer's JWK Set");
            VerifyError::Unavailable(e)
        })?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(KeySet {
            keys,
            fetched_at: Some(now),
        });
        Ok(())
    }

    async fn fetch(&self, refresh: &mut Refresh) -> Result<Vec<Jwk>, String> {
        let uri = match &refresh.jwks_uri {
            Some(uri) => uri.clone(),
            None => {
                let metadata = issuer_metadata(&self.upstream, &self.config.issuer).await?;
                let uri = metadata
                    .jwks_uri
                    .ok_or("the issuer's metadata has no jwks_uri")?;
                let uri = Url::parse(&uri).map_err(|e| format!("bad jwks_uri: {e}"))?;
                refresh.jwks_uri = Some(uri.clone());
                uri
            }
        };
        jwk::parse_set(&self.upstream.get(&uri).await?)
    }

    async fn check(&self, token: &str) -> Result<Verified, VerifyError> {
        let parsed = jwt::parse(token, &self.expect)?;
        let mut keys = self.current();
        let stale = keys
            .fetched_at
            .is_none_or(|at| at.elapsed() >= self.config.max_key_age);
        if stale {
            match self.refetch(&keys, Duration::ZERO).await {
                Err(e) if keys.fetched_at.is_none() => return Err(e),
                _ => keys = self.current(),
            }
        }
        if jwt::select(&parsed, &keys.keys).is_none() {
            // Perhaps a rotated key: fetch again, at most once per interval.
            self.refetch(&keys, self.config.min_refetch_interval)
                .await?;
            keys = self.current();
        }
        let key = jwt::select(&parsed, &keys.keys).ok_or(Invalid::UnknownKey)?;
        let claims = jwt::verify(&parsed, key, &self.expect, jwt::now())?;
        let principal = Principal::new(claims.subject)
            .with_issuer(claims.issuer)
            .with_scopes(claims.scopes)
            .with_claims(claims.all);
        Ok(Verified::new(principal, Some(claims.expires_at)))
    }
}

impl TokenVerifier for JwtVerifier {
    fn verify<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Verified, VerifyError>> {
        Box::pin(self.check(token))
    }
}
