//! Every way a JWT access token can be wrong, each refused with its reason.

use std::time::Duration;

use aws_lc_rs::hmac;
use serde_json::{Value, json};
use url::Url;

use super::support::*;
use crate::resource::{Algorithm, Invalid, JwtConfig, JwtVerifier, TokenVerifier, VerifyError};

fn config(base: &str) -> JwtConfig {
    let mut config = JwtConfig::new(ISSUER, RESOURCE);
    config.jwks_uri = Some(Url::parse(&format!("{base}/jwks")).unwrap());
    config
}

/// A verifier of tokens signed by an EC key `k1`, and that key.
async fn setup() -> (JwtVerifier, Signer, KeyServer) {
    let signer = Signer::ec();
    let (server, base) = KeyServer::start(vec![signer.jwk("k1")]).await;
    (JwtVerifier::new(config(&base)).unwrap(), signer, server)
}

async fn refused(verifier: &JwtVerifier, token: &str) -> Invalid {
    match verifier.verify(token).await {
        Err(VerifyError::Invalid(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn with(claims: &Value, key: &str, value: Value) -> Value {
    let mut claims = claims.clone();
    claims[key] = value;
    claims
}

fn without(claims: &Value, key: &str) -> Value {
    let mut claims = claims.clone();
    claims.as_object_mut().unwrap().remove(key);
    claims
}

#[tokio::test]
async fn a_valid_token_names_its_principal() {
    let (verifier, signer, _server) = setup().await;
    let verified = verifier
        .verify(&signer.token(&header("ES256", "k1"), &claims()))
        .await
        .unwrap();
    let p = verified.principal;
    assert_eq!(
        (p.subject.as_str(), p.issuer.as_deref()),
        ("alice", Some(ISSUER))
    );
    assert_eq!(p.scopes, ["mcp", "files:read"]);
    assert_eq!(p.claims["client_id"], "app");
}

#[tokio::test]
async fn rsa_pss_and_eddsa_keys_verify() {
    let rsa = Signer::rsa();
    let ed = Signer::ed();
    let (_server, base) = KeyServer::start(vec![rsa.jwk("r"), ed.jwk("e")]).await;
    let verifier = JwtVerifier::new(config(&base)).unwrap();
    for (signer, alg, kid) in [
        (&rsa, "RS256", "r"),
        (&rsa, "PS256", "r"),
        (&ed, "EdDSA", "e"),
    ] {
        let token = signer.token(&header(alg, kid), &claims());
        assert!(verifier.verify(&token).await.is_ok(), "{alg}");
    }
    // An RSA key cannot verify an ES256 header, whatever the signature.
    let token = rsa.token(&header("ES256", "r"), &claims());
    assert_eq!(refused(&verifier, &token).await, Invalid::UnknownKey);
}

#[tokio::test]
async fn tampered_signatures_and_forged_algorithms_are_refused() {
    let (verifier, signer, _server) = setup().await;
    let token = signer.token(&header("ES256", "k1"), &claims());
    // Another payload under the same signature.
    let parts: Vec<&str> = token.split('.').collect();
    let forged = with(&claims(), "sub", json!("mallory"));
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged.to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(refused(&verifier, &tampered).await, Invalid::Signature);
    // alg none, with and without a signature.
    let none = json!({"alg": "none", "typ": "at+jwt", "kid": "k1"});
    let unsigned = format!(
        "{}.{}.",
        b64(none.to_string().as_bytes()),
        b64(claims().to_string().as_bytes())
    );
    assert!(matches!(
        refused(&verifier, &unsigned).await,
        Invalid::Header(_)
    ));
    // HS256 with the public key as the HMAC secret (algorithm confusion).
    let rsa = Signer::rsa();
    let (_s, base) = KeyServer::start(vec![rsa.jwk("r")]).await;
    let rsa_verifier = JwtVerifier::new(config(&base)).unwrap();
    let hs = json!({"alg": "HS256", "typ": "at+jwt", "kid": "r"});
    let input = format!(
        "{}.{}",
        b64(hs.to_string().as_bytes()),
        b64(claims().to_string().as_bytes())
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, &rsa.public_bytes());
    let confused = format!(
        "{input}.{}",
        b64(hmac::sign(&key, input.as_bytes()).as_ref())
    );
    assert!(matches!(
        refused(&rsa_verifier, &confused).await,
        Invalid::Header(_)
    ));
    // An algorithm outside the configured allow-list.
    let mut only_es = config(&base);
    only_es.algorithms = vec![Algorithm::Es256];
    let only_es = JwtVerifier::new(only_es).unwrap();
    let rs = rsa.token(&header("RS256", "r"), &claims());
    assert!(matches!(refused(&only_es, &rs).await, Invalid::Header(_)));
}

#[tokio::test]
async fn malformed_tokens_are_refused() {
    let (verifier, signer, _server) = setup().await;
    let token = signer.token(&header("ES256", "k1"), &claims());
    let (head, _) = token.rsplit_once('.').unwrap();
    for bad in [
        head.to_owned(),
        format!("{token}.x"),
        "a.b".into(),
        "..".into(),
        "x".into(),
    ] {
        assert!(
            matches!(refused(&verifier, &bad).await, Invalid::Malformed(_)),
            "{bad}"
        );
    }
    // A header that is not an object, or with a kid that is not a string.
    for header in [
        json!("ES256"),
        json!({"alg": "ES256", "typ": "at+jwt", "kid": 1}),
    ] {
        let token = signer.token(&header, &claims());
        assert!(matches!(
            refused(&verifier, &token).await,
            Invalid::Malformed(_)
        ));
    }
}

#[tokio::test]
async fn header_checks_typ_crit_and_kid() {
    let (verifier, signer, server) = setup().await;
    for typ in [json!("JWT"), json!(null), json!("at+jwt+x")] {
        let mut h = header("ES256", "k1");
        h["typ"] = typ.clone();
        let token = signer.token(&h, &claims());
        assert!(
            matches!(refused(&verifier, &token).await, Invalid::Header(_)),
            "{typ}"
        );
    }
    let mut h = header("ES256", "k1");
    h["typ"] = json!("application/AT+JWT");
    assert!(verifier.verify(&signer.token(&h, &claims())).await.is_ok());
    let mut h = header("ES256", "k1");
    h["crit"] = json!(["exp"]);
    let token = signer.token(&h, &claims());
    assert!(matches!(
        refused(&verifier, &token).await,
        Invalid::Header(_)
    ));
    // A 10 KB kid is refused before any lookup; a path-like kid is just unknown.
    let before = server.fetches();
    let token = signer.token(&header("ES256", &"k".repeat(10_000)), &claims());
    assert!(matches!(
        refused(&verifier, &token).await,
        Invalid::Header(_)
    ));
    assert_eq!(server.fetches(), before);
    let token = signer.token(&header("ES256", "../../etc/passwd"), &claims());
    assert_eq!(refused(&verifier, &token).await, Invalid::UnknownKey);
    // The RFC 9068 profile off: any typ.
    let mut loose = JwtConfig::new(ISSUER, RESOURCE);
    loose.jwks_uri = Some(Url::parse(&format!("{}/jwks", server.base.lock().unwrap())).unwrap());
    loose.require_at_jwt_typ = false;
    let loose = JwtVerifier::new(loose).unwrap();
    let mut h = header("ES256", "k1");
    h["typ"] = json!("JWT");
    assert!(loose.verify(&signer.token(&h, &claims())).await.is_ok());
}

#[tokio::test]
async fn embedded_keys_and_key_urls_are_ignored() {
    let (verifier, _signer, server) = setup().await;
    let attacker = Signer::ec();
    let (evil, evil_base) = KeyServer::start(vec![attacker.jwk("k1")]).await;
    let mut h = header("ES256", "k1");
    h["jku"] = json!(format!("{evil_base}/jwks"));
    h["x5u"] = json!(format!("{evil_base}/jwks"));
    h["jwk"] = attacker.jwk("k1");
    let token = attacker.token(&h, &claims());
    assert_eq!(refused(&verifier, &token).await, Invalid::Signature);
    assert_eq!(evil.fetches(), 0, "a URL in the token was fetched");
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn key_selection_without_kid() {
    let one = Signer::ec();
    let two = Signer::ec();
    let (server, base) = KeyServer::start(vec![one.jwk("a")]).await;
    let verifier = JwtVerifier::new(config(&base)).unwrap();
    let no_kid = json!({"alg": "ES256", "typ": "at+jwt"});
    assert!(
        verifier
            .verify(&one.token(&no_kid, &claims()))
            .await
            .is_ok()
    );
    // With several keys, a token without kid names none of them.
    *server.keys.lock().unwrap() = vec![one.jwk("a"), two.jwk("b")];
    let mut cfg = config(&base);
    cfg.min_refetch_interval = Duration::ZERO;
    let verifier = JwtVerifier::new(cfg).unwrap();
    assert_eq!(
        refused(&verifier, &one.token(&no_kid, &claims())).await,
        Invalid::UnknownKey
    );
}

#[tokio::test]
async fn claims_are_checked_strictly() {
    let (verifier, signer, _server) = setup().await;
    let c = claims();
    let cases = [
        without(&c, "aud"),
        with(&c, "aud", json!("https://other.example/mcp")),
        with(&c, "aud", json!("https://MCP.example.com/mcp")),
        with(&c, "aud", json!("https://mcp.example.com/mcp/")),
        with(
            &c,
            "aud",
            json!(["https://other.example", "https://mcp.example.com"]),
        ),
        with(&c, "aud", json!(7)),
        with(&c, "iss", json!("https://evil.example")),
        without(&c, "iss"),
        without(&c, "exp"),
        with(&c, "exp", json!((now() + 300).to_string())),
        with(&c, "nbf", json!(now().to_string())),
        with(&c, "nbf", json!(now() + 3600)),
        without(&c, "sub"),
        with(&c, "sub", json!(42)),
        with(&c, "scope", json!(["mcp"])),
    ];
    for claims in cases {
        let token = signer.token(&header("ES256", "k1"), &claims);
        assert!(
            matches!(refused(&verifier, &token).await, Invalid::Claims(_)),
            "{claims}"
        );
    }
    let expired = with(&c, "exp", json!(now() - 120));
    let token = signer.token(&header("ES256", "k1"), &expired);
    assert_eq!(refused(&verifier, &token).await, Invalid::Expired);
    // Within the leeway (60 s by default): accepted; an audience list with ours: accepted.
    for ok in [
        with(&c, "exp", json!(now() - 10)),
        with(&c, "nbf", json!(now() + 10)),
        with(&c, "aud", json!(["https://other.example", RESOURCE])),
    ] {
        assert!(
            verifier
                .verify(&signer.token(&header("ES256", "k1"), &ok))
                .await
                .is_ok()
        );
    }
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval() {
    let (verifier, signer, server) = setup().await;
    assert!(
        verifier
            .verify(&signer.token(&header("ES256", "k1"), &claims()))
            .await
            .is_ok()
    );
    assert_eq!(server.fetches(), 1);
    let mut kid = [0u8; 8];
    for _ in 0..10_000 {
        getrandom::fill(&mut kid).unwrap();
        let token = signer.token(&header("ES256", &b64(&kid)), &claims());
        assert_eq!(refused(&verifier, &token).await, Invalid::UnknownKey);
    }
    // The set was fetched less than a minute ago: no refetch at all.
    assert_eq!(
        server.fetches(),
        1,
        "10,000 unknown kids, no extra fetch within the minute"
    );
}

#[tokio::test]
async fn rotated_keys_are_found_and_outages_give_503() {
    let old = Signer::ec();
    let new = Signer::ec();
    let (server, base) = KeyServer::start(vec![old.jwk("old")]).await;
    let mut cfg = config(&base);
    cfg.min_refetch_interval = Duration::from_millis(100);
    let verifier = JwtVerifier::new(cfg).unwrap();
    assert!(
        verifier
            .verify(&old.token(&header("ES256", "old"), &claims()))
            .await
            .is_ok()
    );
    *server.keys.lock().unwrap() = vec![old.jwk("old"), new.jwk("new")];
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(
        verifier
            .verify(&new.token(&header("ES256", "new"), &claims()))
            .await
            .is_ok()
    );
    assert_eq!(server.fetches(), 2);

    // The issuer's keys unreachable before any were fetched: 503, not 401.
    let (down, base) = KeyServer::start(vec![old.jwk("old")]).await;
    down.status.store(500, std::sync::atomic::Ordering::SeqCst);
    let verifier = JwtVerifier::new(config(&base)).unwrap();
    let token = old.token(&header("ES256", "old"), &claims());
    assert!(matches!(
        verifier.verify(&token).await,
        Err(VerifyError::Unavailable(_))
    ));
    // ... and not fetched again on every request (failure backoff).
    assert!(matches!(
        verifier.verify(&token).await,
        Err(VerifyError::Unavailable(_))
    ));
    assert_eq!(down.fetches(), 1);
}

#[tokio::test]
async fn keys_are_found_through_the_issuer_metadata() {
    let signer = Signer::ec();
    let (server, base) = KeyServer::start(vec![signer.jwk("k1")]).await;
    let verifier = JwtVerifier::new(JwtConfig::new(&base, RESOURCE)).unwrap();
    let c = with(&claims(), "iss", json!(base));
    assert!(
        verifier
            .verify(&signer.token(&header("ES256", "k1"), &c))
            .await
            .is_ok()
    );
    assert_eq!(server.fetches(), 1);
}
