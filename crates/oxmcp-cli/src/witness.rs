//! Tells an authorization refusal from other failures: the HTTP transport reports a 401 as
//! the JSON-RPC error in its body (or a generic one), so the CLI watches the challenges
//! itself, through the transport's [`AuthProvider`] hook, around the real provider if any.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use oxmcp_http::client::{AccessToken, AuthError, AuthProvider, Challenge, ChallengeOutcome};
use oxmcp_http::event_store::BoxFuture;

/// Whether the server refused authorization at least once (and the refusal stood).
#[derive(Debug, Clone, Default)]
pub(crate) struct Refused(Arc<AtomicBool>);

impl Refused {
    pub(crate) fn happened(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Passes tokens and challenges to `inner` (when there is one) and notes refusals that
/// stand.
#[derive(Debug)]
pub(crate) struct Witness {
    pub(crate) inner: Option<Arc<dyn AuthProvider>>,
    pub(crate) refused: Refused,
}

impl AuthProvider for Witness {
    fn token(&self) -> BoxFuture<'_, Result<Option<AccessToken>, AuthError>> {
        Box::pin(async move {
            match &self.inner {
                Some(inner) => inner.token().await,
                None => Ok(None),
            }
        })
    }

    fn on_challenge<'a>(
        &'a self,
        challenge: &'a Challenge,
        rejected: Option<&'a AccessToken>,
    ) -> BoxFuture<'a, Result<ChallengeOutcome, AuthError>> {
        Box::pin(async move {
            let outcome = match &self.inner {
                Some(inner) => inner.on_challenge(challenge, rejected).await,
                None => Ok(ChallengeOutcome::GiveUp),
            };
            if !matches!(outcome, Ok(ChallengeOutcome::Retry)) {
                self.refused.0.store(true, Ordering::Relaxed);
            }
            outcome
        })
    }
}
