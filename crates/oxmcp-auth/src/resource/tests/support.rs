//! Signing keys, token minting and a local JWK Set server that counts its fetches.

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

pub(super) const ISSUER: &str = "https://issuer.example";
pub(super) const RESOURCE: &str = "https://mcp.example.com/mcp";

pub(super) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A signing key and its public JWK.
pub(super) enum Signer {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
    Ed(Ed25519KeyPair),
}

impl Signer {
    pub(super) fn ec() -> Self {
        let rng = SystemRandom::new();
        let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        Self::Ec(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref()).unwrap())
    }

    pub(super) fn rsa() -> Self {
        Self::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap())
    }

    pub(super) fn ed() -> Self {
        let der = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Self::Ed(Ed25519KeyPair::from_pkcs8(der.as_ref()).unwrap())
    }

    pub(super) fn jwk(&self, kid: &str) -> Value {
        match self {
            Self::Ec(pair) => {
                let point = pair.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "kid": kid,
                       "x": b64(&point[1..33]), "y": b64(&point[33..65])})
            }
            Self::Rsa(pair) => {
                let (n, e) = rsa_components(pair.public_key().as_ref());
                json!({"kty": "RSA", "kid": kid, "n": b64(n), "e": b64(e)})
            }
            Self::Ed(pair) => {
                json!({"kty": "OKP", "crv": "Ed25519", "kid": kid,
                       "x": b64(pair.public_key().as_ref())})
            }
        }
    }

    /// The RSA public key's modulus (for the HS256 confusion test).
    pub(super) fn public_bytes(&self) -> Vec<u8> {
        match self {
            Self::Ec(pair) => pair.public_key().as_ref().to_vec(),
            Self::Rsa(pair) => pair.public_key().as_ref().to_vec(),
            Self::Ed(pair) => pair.public_key().as_ref().to_vec(),
        }
    }

    pub(super) fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Self::Ec(pair) => pair.sign(&rng, input).unwrap().as_ref().to_vec(),
            Self::Ed(pair) => pair.sign(input).as_ref().to_vec(),
            Self::Rsa(pair) => {
                let encoding: &'static dyn signature::RsaEncoding = match alg {
                    "PS256" => &signature::RSA_PSS_SHA256,
                    "RS384" => &signature::RSA_PKCS1_SHA384,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut out = vec![0; pair.public_modulus_len()];
                pair.sign(encoding, &rng, input, &mut out).unwrap();
                out
            }
        }
    }

    /// A compact JWS of `header` and `claims`.
    pub(super) fn token(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let alg = header["alg"].as_str().unwrap_or("ES256");
        let sig = self.sign(alg, input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }
}

/// One DER element: its content and the rest.
fn der(input: &[u8]) -> (&[u8], &[u8]) {
    let (len, header) = match input[1] {
        l if l < 0x80 => (usize::from(l), 2),
        0x81 => (usize::from(input[2]), 3),
        0x82 => (usize::from(input[2]) << 8 | usize::from(input[3]), 4),
        _ => panic!("unexpected DER length"),
    };
    (&input[header..header + len], &input[header + len..])
}

/// `n` and `e` of a PKCS#1 `RSAPublicKey`, without leading zeros.
fn rsa_components(der_key: &[u8]) -> (&[u8], &[u8]) {
    let (sequence, _) = der(der_key);
    let (n, rest) = der(sequence);
    let (e, _) = der(rest);
    let trim = |x: &[u8]| -> usize { x.iter().take_while(|b| **b == 0).count() };
    (&n[trim(n)..], &e[trim(e)..])
}

pub(super) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The claims of a valid token.
pub(super) fn claims() -> Value {
    json!({"iss": ISSUER, "sub": "alice", "aud": RESOURCE, "exp": now() + 300,
           "iat": now(), "scope": "mcp files:read", "client_id": "app"})
}

pub(super) fn header(alg: &str, kid: &str) -> Value {
    json!({"alg": alg, "typ": "at+jwt", "kid": kid})
}

/// A JWK Set at `/jwks` (and the issuer's metadata at the RFC 8414 well-known) whose
/// keys and status can change, counting its fetches.
#[derive(Clone, Default)]
pub(super) struct KeyServer {
    pub(super) keys: Arc<Mutex<Vec<Value>>>,
    pub(super) fetches: Arc<AtomicUsize>,
    pub(super) status: Arc<AtomicU16>,
    pub(super) base: Arc<Mutex<String>>,
    /// The status of the issuer's metadata (0: answers), and how many times it was asked.
    pub(super) metadata_status: Arc<AtomicU16>,
    pub(super) discoveries: Arc<AtomicUsize>,
}

async fn jwks(State(server): State<KeyServer>) -> (StatusCode, String) {
    server.fetches.fetch_add(1, Ordering::SeqCst);
    let status = server.status.load(Ordering::SeqCst);
    if status != 0 {
        return (StatusCode::from_u16(status).unwrap(), String::new());
    }
    let keys = server.keys.lock().unwrap().clone();
    (StatusCode::OK, json!({ "keys": keys }).to_string())
}

async fn metadata(State(server): State<KeyServer>) -> (StatusCode, String) {
    server.discoveries.fetch_add(1, Ordering::SeqCst);
    let status = server.metadata_status.load(Ordering::SeqCst);
    if status != 0 {
        return (StatusCode::from_u16(status).unwrap(), String::new());
    }
    let base = server.base.lock().unwrap().clone();
    let document = json!({"issuer": base, "jwks_uri": format!("{base}/jwks")});
    (StatusCode::OK, document.to_string())
}

impl KeyServer {
    /// Starts the server; returns it and its base URL.
    pub(super) async fn start(keys: Vec<Value>) -> (Self, String) {
        let server = Self::default();
        *server.keys.lock().unwrap() = keys;
        let app = axum::Router::new()
            .route("/jwks", get(jwks))
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .with_state(server.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        *server.base.lock().unwrap() = base.clone();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (server, base)
    }

    pub(super) fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}
