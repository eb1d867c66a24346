//! What a verification costs: a measurement, run on demand with
//! `cargo test -p oxmcp-auth --release --lib verification_cost -- --ignored --nocapture`
//! (numbers are only meaningful in release mode on a quiet machine).

use std::time::Instant;

use url::Url;

use super::support::*;
use crate::resource::{JwtConfig, JwtVerifier, TokenVerifier};

async fn per_call(verifier: &JwtVerifier, token: &str, ok: bool) -> f64 {
    let n = 5_000;
    assert_eq!(verifier.verify(token).await.is_ok(), ok);
    let started = Instant::now();
    for _ in 0..n {
        assert_eq!(verifier.verify(token).await.is_ok(), ok);
    }
    started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

#[tokio::test]
#[ignore = "a measurement, not a check: run it in release mode"]
async fn verification_cost() {
    let signers = [
        ("ES256", Signer::ec()),
        ("RS256", Signer::rsa()),
        ("EdDSA", Signer::ed()),
    ];
    let keys = signers.iter().map(|(alg, s)| s.jwk(alg)).collect();
    let (_server, base) = KeyServer::start(keys).await;
    let mut config = JwtConfig::new(ISSUER, RESOURCE);
    config.jwks_uri = Some(Url::parse(&format!("{base}/jwks")).unwrap());
    let verifier = JwtVerifier::new(config).unwrap();
    for (alg, signer) in &signers {
        let token = signer.token(&header(alg, alg), &claims());
        let good = per_call(&verifier, &token, true).await;
        let mut forged = token.clone();
        forged.truncate(token.len() - 4);
        forged.push_str("AAAA");
        let bad = per_call(&verifier, &forged, false).await;
        println!("{alg}: {good:.1} µs per valid token, {bad:.1} µs per bad signature");
    }
    let (_, signer) = &signers[0];
    let unknown = signer.token(&header("ES256", "nope"), &claims());
    println!(
        "unknown kid: {:.1} µs",
        per_call(&verifier, &unknown, false).await
    );
    println!(
        "malformed: {:.1} µs",
        per_call(&verifier, "a.b", false).await
    );
}
