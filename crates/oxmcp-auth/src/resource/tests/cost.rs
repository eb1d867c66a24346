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

/// The microseconds one RS256 verification takes with the key parsed each time (the way
/// before keys were parsed once per fetch) and with the key parsed once, measured in
/// alternation so that the load of the machine weighs on both alike.
#[test]
#[ignore = "a measurement, not a check: run it in release mode"]
fn verification_cost_rsa_parse() {
    use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let signer = Signer::rsa();
    let jwk = signer.jwk("r");
    let decode = |member: &str| {
        URL_SAFE_NO_PAD
            .decode(jwk[member].as_str().unwrap())
            .unwrap()
    };
    let (n, e) = (decode("n"), decode("e"));
    let token = signer.token(&header("RS256", "r"), &claims());
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let components = RsaPublicKeyComponents { n: &n, e: &e };
    let parsed = components
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .unwrap();
    let time = |f: &dyn Fn() -> bool| {
        let n = 500;
        let started = Instant::now();
        for _ in 0..n {
            assert!(f());
        }
        started.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    };
    let (mut each, mut once) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        each.push(time(&|| {
            components
                .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &signature)
                .is_ok()
        }));
        once.push(time(&|| {
            parsed.verify_sig(input.as_bytes(), &signature).is_ok()
        }));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "RS256 (2048-bit): {:.1} µs parsing the key each time, {:.1} µs with the key parsed once",
        median(&mut each),
        median(&mut once)
    );
}
