//! Entry points for the fuzz targets (feature `fuzzing`, used by `crates/oxmcp-fuzz`): what
//! the resource server reads from clients and authorization servers, without the network.
//! Not a public API.

use std::time::Duration;

use super::jwk::{self, Algorithm};
use super::jwt::{self, Expectations};

/// A bearer token (the first line of `data`) checked as [`JwtVerifier`](super::JwtVerifier)
/// checks one, against the JWK Set document in the rest of `data`: the header, a key
/// lookup, the signature, and the claims on their own (a fuzzer cannot forge a signature,
/// so the claims are also checked as if it had held). Must never panic.
pub fn jwt(data: &[u8]) {
    let (token, jwks) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(token) = std::str::from_utf8(token) else {
        return;
    };
    let keys = jwk::parse_set(jwks).unwrap_or_default();
    let expect = Expectations {
        issuer: "https://issuer.example".to_owned(),
        audience: "https://mcp.example.com/mcp".to_owned(),
        algorithms: vec![
            Algorithm::Rs256,
            Algorithm::Ps256,
            Algorithm::Es256,
            Algorithm::Es384,
            Algorithm::EdDsa,
        ],
        require_at_jwt_typ: true,
        leeway: Duration::from_secs(60),
    };
    let Ok(parsed) = jwt::parse(token, &expect) else {
        return;
    };
    let now = jwt::now();
    if let Some(key) = jwt::select(&parsed, &keys) {
        let _ = jwt::verify(&parsed, key, &expect, now);
    }
    if let Ok(claims) = jwt::claims(&parsed, &expect, now) {
        assert_eq!(
            claims.issuer, expect.issuer,
            "accepted claims name the issuer"
        );
    }
}
