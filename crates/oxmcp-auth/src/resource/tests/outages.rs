//! The issuer unreachable: a failed discovery or key fetch is tried again at most once per
//! [`failure_backoff`](crate::resource::JwtConfig::failure_backoff), not on every request;
//! and keys are parsed once per fetch, never per verification.

use std::sync::atomic::Ordering;
use std::time::Duration;

use url::Url;

use super::support::*;
use crate::resource::jwk::parses;
use crate::resource::{JwtConfig, JwtVerifier, TokenVerifier, VerifyError};

fn unavailable<T>(result: &Result<T, VerifyError>) -> bool {
    matches!(result, Err(VerifyError::Unavailable(_)))
}

#[tokio::test]
async fn a_failed_discovery_is_retried_once_per_backoff() {
    let signer = Signer::ec();
    let (server, base) = KeyServer::start(vec![signer.jwk("k1")]).await;
    server.metadata_status.store(503, Ordering::SeqCst);
    let mut config = JwtConfig::new(&base, RESOURCE);
    config.failure_backoff = Duration::from_millis(300);
    let verifier = JwtVerifier::new(config).unwrap();
    let mut claims = claims();
    claims["iss"] = serde_json::json!(base);
    let token = signer.token(&header("ES256", "k1"), &claims);
    let burst = (0..20).map(|_| verifier.verify(&token));
    for result in futures_util::future::join_all(burst).await {
        assert!(unavailable(&result));
    }
    for _ in 0..20 {
        assert!(unavailable(&verifier.verify(&token).await));
    }
    assert_eq!(verifier.fetches().await, 1, "one attempt for 40 requests");
    // One attempt asks each well-known URL once at most.
    let asked = server.discoveries.load(Ordering::SeqCst);
    assert!((1..=2).contains(&asked), "{asked} metadata requests");
    assert_eq!(server.fetches(), 0);

    server.metadata_status.store(0, Ordering::SeqCst);
    assert!(
        unavailable(&verifier.verify(&token).await),
        "within the backoff"
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(verifier.verify(&token).await.is_ok());
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(verifier.fetches().await, 2);
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn stale_keys_serve_while_the_issuer_is_down_and_refetch_once_per_backoff() {
    let signer = Signer::ec();
    let (server, base) = KeyServer::start(vec![signer.jwk("k1")]).await;
    let mut config = JwtConfig::new(ISSUER, RESOURCE);
    config.jwks_uri = Some(Url::parse(&format!("{base}/jwks")).unwrap());
    config.max_key_age = Duration::ZERO;
    config.failure_backoff = Duration::from_millis(300);
    let verifier = JwtVerifier::new(config).unwrap();
    let token = signer.token(&header("ES256", "k1"), &claims());
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.fetches(), 1);
    server.status.store(500, Ordering::SeqCst);
    for _ in 0..30 {
        assert!(verifier.verify(&token).await.is_ok(), "the old keys serve");
    }
    assert_eq!(server.fetches(), 2, "one failed refetch, then the backoff");
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(verifier.verify(&token).await.is_ok());
    assert_eq!(server.fetches(), 3);
}

#[tokio::test]
async fn keys_are_parsed_once_per_fetch() {
    let rsa = Signer::rsa();
    let ec = Signer::ec();
    let (server, base) = KeyServer::start(vec![rsa.jwk("r"), ec.jwk("e")]).await;
    let mut config = JwtConfig::new(ISSUER, RESOURCE);
    config.jwks_uri = Some(Url::parse(&format!("{base}/jwks")).unwrap());
    let verifier = JwtVerifier::new(config).unwrap();
    let before = parses();
    let tokens = [
        rsa.token(&header("RS256", "r"), &claims()),
        ec.token(&header("ES256", "e"), &claims()),
    ];
    for token in &tokens {
        assert!(verifier.verify(token).await.is_ok());
    }
    let per_fetch = parses() - before;
    // The RSA key once for each of the six RS and PS algorithms, the EC key once.
    assert_eq!(per_fetch, 7);
    for _ in 0..50 {
        for token in &tokens {
            assert!(verifier.verify(token).await.is_ok());
        }
    }
    assert_eq!(parses() - before, per_fetch, "no parse per verification");
    assert_eq!(server.fetches(), 1);
}
