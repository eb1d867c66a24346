//! JWT access tokens (RFC 9068 profile of RFC 7519/7515): the checks of one compact JWS
//! against a key set, in an order that spends nothing on a token that fails a cheap check.
//!
//! Only the header members `alg`, `kid`, `typ` and `crit` are read. `jku`, `x5u`, `jwk`,
//! `x5c` and the rest are ignored: keys come from the configured issuer only.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value};

type JsonObject = Map<String, Value>;

use super::jwk::{Algorithm, Jwk};
use super::verify::Invalid;

/// The longest `kid` looked up; a longer one is refused before any lookup.
pub(crate) const MAX_KID_BYTES: usize = 256;

/// What the claims must say, besides a valid signature.
#[derive(Debug, Clone)]
pub(crate) struct Expectations {
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) require_at_jwt_typ: bool,
    pub(crate) leeway: Duration,
}

/// The JOSE header members this crate reads. Strict types: a `kid` that is not a string
/// (or any of these of the wrong type, or given twice) makes the token invalid.
#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    alg: String,
    #[serde(default)]
    pub(crate) kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    #[serde(default)]
    crit: Option<Value>,
}

/// A token split and its header checked, before any key is looked up.
#[derive(Debug)]
pub(crate) struct Parsed<'t> {
    pub(crate) header: Header,
    pub(crate) alg: Algorithm,
    signing_input: &'t str,
    payload: &'t str,
    signature: &'t str,
}

/// Splits a compact JWS into exactly three parts and checks its header.
pub(crate) fn parse<'t>(token: &'t str, expect: &Expectations) -> Result<Parsed<'t>, Invalid> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Invalid::Malformed("not a compact JWS of three parts"));
    };
    let raw = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| Invalid::Malformed("the header is not base64url"))?;
    let header: Header = serde_json::from_slice(&raw)
        .map_err(|_| Invalid::Malformed("the header is not a JOSE header"))?;
    if header.crit.is_some() {
        return Err(Invalid::Header(
            "a critical header extension is not understood",
        ));
    }
    let alg = Algorithm::from_name(&header.alg)
        .filter(|a| expect.algorithms.contains(a))
        .ok_or(Invalid::Header("the algorithm is not allowed"))?;
    if expect.require_at_jwt_typ
        && !header.typ.as_deref().is_some_and(|t| {
            t.eq_ignore_ascii_case("at+jwt") || t.eq_ignore_ascii_case("application/at+jwt")
        })
    {
        return Err(Invalid::Header("the type is not at+jwt"));
    }
    if header.kid.as_ref().is_some_and(|k| k.len() > MAX_KID_BYTES) {
        return Err(Invalid::Header("the key id is too long"));
    }
    let signing_input = &token[..token.len() - signature.len() - 1];
    Ok(Parsed {
        header,
        alg,
        signing_input,
        payload,
        signature,
    })
}

/// The key of `keys` the token names: by `kid`, or the only key fit for the algorithm
/// when it names none. `None` when there is no such key.
pub(crate) fn select<'k>(parsed: &Parsed<'_>, keys: &'k [Jwk]) -> Option<&'k Jwk> {
    match &parsed.header.kid {
        Some(kid) => keys
            .iter()
            .find(|k| k.kid.as_deref() == Some(kid.as_str()) && k.fits(parsed.alg)),
        None => {
            let mut fit = keys.iter().filter(|k| k.fits(parsed.alg));
            match (fit.next(), fit.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        }
    }
}

/// The claims this crate checks, with strict types.
#[derive(Debug, Deserialize)]
struct Registered {
    iss: String,
    sub: String,
    aud: Audience,
    exp: f64,
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

/// The checked claims of a valid token.
#[derive(Debug)]
pub(crate) struct Claims {
    pub(crate) issuer: String,
    pub(crate) subject: String,
    pub(crate) scopes: Vec<String>,
    /// Seconds since the epoch.
    pub(crate) expires_at: f64,
    pub(crate) all: JsonObject,
}

/// Seconds since the epoch.
pub(crate) fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Verifies the signature with `key`, then the claims.
pub(crate) fn verify(
    parsed: &Parsed<'_>,
    key: &Jwk,
    expect: &Expectations,
    now: f64,
) -> Result<Claims, Invalid> {
    let signature = URL_SAFE_NO_PAD
        .decode(parsed.signature)
        .map_err(|_| Invalid::Malformed("the signature is not base64url"))?;
    if !key.verify(parsed.alg, parsed.signing_input.as_bytes(), &signature) {
        return Err(Invalid::Signature);
    }
    claims(parsed, expect, now)
}

/// The claims of a token whose signature checked out: decoded with strict types, then
/// checked against `expect` at `now`.
pub(crate) fn claims(
    parsed: &Parsed<'_>,
    expect: &Expectations,
    now: f64,
) -> Result<Claims, Invalid> {
    let payload = URL_SAFE_NO_PAD
        .decode(parsed.payload)
        .map_err(|_| Invalid::Malformed("the payload is not base64url"))?;
    let all: JsonObject = serde_json::from_slice(&payload)
        .map_err(|_| Invalid::Malformed("the payload is not a JSON object"))?;
    let claims: Registered = serde_json::from_value(Value::Object(all.clone()))
        .map_err(|_| Invalid::Claims("a required claim is missing or of the wrong type"))?;
    check(&claims, expect, now)?;
    Ok(Claims {
        issuer: claims.iss,
        subject: claims.sub,
        scopes: claims
            .scope
            .as_deref()
            .map(|s| {
                s.split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        expires_at: claims.exp,
        all,
    })
}

fn check(claims: &Registered, expect: &Expectations, now: f64) -> Result<(), Invalid> {
    if claims.iss != expect.issuer {
        return Err(Invalid::Claims("the issuer is not the expected one"));
    }
    let ours = match &claims.aud {
        Audience::One(aud) => *aud == expect.audience,
        Audience::Many(auds) => auds.contains(&expect.audience),
    };
    if !ours {
        return Err(Invalid::Claims(
            "the token was not issued for this resource",
        ));
    }
    let leeway = expect.leeway.as_secs_f64();
    if !claims.exp.is_finite() || now >= claims.exp + leeway {
        return Err(Invalid::Expired);
    }
    if claims
        .nbf
        .is_some_and(|nbf| !nbf.is_finite() || now + leeway < nbf)
    {
        return Err(Invalid::Claims("the token is not valid yet"));
    }
    if claims.sub.is_empty() {
        return Err(Invalid::Claims("the subject is empty"));
    }
    Ok(())
}
