//! Signed JWTs for `private_key_jwt` client authentication (RFC 7523 §2.2): ES256, ES384,
//! RS256, PS256 and EdDSA (Ed25519) keys from PKCS#8 PEM.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RsaKeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use super::error::OAuthError;
use super::pkce::random_b64;

enum Key {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair, &'static dyn signature::RsaEncoding),
    Ed25519(Ed25519KeyPair),
}

/// A private key that signs client assertions. `Debug` shows the algorithm only.
pub struct SigningKey {
    alg: String,
    key: Key,
    key_id: Option<String>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn signing(e: impl fmt::Display) -> OAuthError {
    OAuthError::Signing(e.to_string())
}

impl SigningKey {
    /// A key from PKCS#8 PEM (`BEGIN PRIVATE KEY`) for the JWS algorithm `alg`.
    pub fn from_pkcs8_pem(pem: &str, alg: &str) -> Result<Self, OAuthError> {
        let der = pem_body(pem).ok_or_else(|| signing("no `PRIVATE KEY` PEM block"))?;
        let key = match alg {
            "ES256" => Key::Ecdsa(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                    .map_err(|e| signing(format!("not a P-256 key: {e}")))?,
            ),
            "ES384" => Key::Ecdsa(
                EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P384_SHA384_FIXED_SIGNING, &der)
                    .map_err(|e| signing(format!("not a P-384 key: {e}")))?,
            ),
            "RS256" | "PS256" => {
                let pair = RsaKeyPair::from_pkcs8(&der)
                    .map_err(|e| signing(format!("not an RSA key: {e}")))?;
                let encoding: &'static dyn signature::RsaEncoding = if alg == "RS256" {
                    &signature::RSA_PKCS1_SHA256
                } else {
                    &signature::RSA_PSS_SHA256
                };
                Key::Rsa(pair, encoding)
            }
            "EdDSA" => Key::Ed25519(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
                    .map_err(|e| signing(format!("not an Ed25519 key: {e}")))?,
            ),
            other => return Err(signing(format!("unsupported algorithm `{other}`"))),
        };
        Ok(Self {
            alg: alg.to_owned(),
            key,
            key_id: None,
        })
    }

    /// Sets the `kid` header.
    #[must_use]
    pub fn with_key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// The JWS algorithm.
    pub fn alg(&self) -> &str {
        &self.alg
    }

    /// The public key bytes (for tests and JWKS publication).
    pub fn public_key(&self) -> Vec<u8> {
        match &self.key {
            Key::Ecdsa(k) => k.public_key().as_ref().to_vec(),
            Key::Rsa(k, _) => k.public_key().as_ref().to_vec(),
            Key::Ed25519(k) => k.public_key().as_ref().to_vec(),
        }
    }

    /// A client assertion: `iss` = `sub` = `client_id`, `aud` = `audience`, valid 5
    /// minutes, a fresh `jti`.
    pub fn client_assertion(&self, client_id: &str, audience: &str) -> Result<String, OAuthError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = json!({
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": now,
            "exp": now + 300,
            "jti": random_b64(16),
        });
        self.sign(&claims)
    }

    /// Signs `claims` as a compact JWS.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, OAuthError> {
        let mut header = json!({ "alg": self.alg, "typ": "JWT" });
        if let Some(kid) = &self.key_id {
            header["kid"] = json!(kid);
        }
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let rng = SystemRandom::new();
        let signature = match &self.key {
            Key::Ecdsa(k) => k
                .sign(&rng, input.as_bytes())
                .map_err(signing)?
                .as_ref()
                .to_vec(),
            Key::Rsa(k, encoding) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(*encoding, &rng, input.as_bytes(), &mut sig)
                    .map_err(signing)?;
                sig
            }
            Key::Ed25519(k) => k.sign(input.as_bytes()).as_ref().to_vec(),
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

/// The DER of the first `PRIVATE KEY` block.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let start = pem.find("-----BEGIN PRIVATE KEY-----")? + "-----BEGIN PRIVATE KEY-----".len();
    let end = pem[start..].find("-----END PRIVATE KEY-----")? + start;
    let body: String = pem[start..end].split_whitespace().collect();
    STANDARD.decode(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::UnparsedPublicKey;

    fn pem_of(der: &[u8]) -> String {
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(der)
        )
    }

    fn verify(jwt: &str, key: &SigningKey, alg: &'static dyn signature::VerificationAlgorithm) {
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        UnparsedPublicKey::new(alg, key.public_key())
            .verify(input.as_bytes(), &sig)
            .expect("the signature verifies");
    }

    #[test]
    fn es256_assertions_verify_and_carry_the_claims() {
        let rng = SystemRandom::new();
        let der = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
        let key = SigningKey::from_pkcs8_pem(&pem_of(der.as_ref()), "ES256").unwrap();
        let jwt = key
            .client_assertion("client-1", "https://as.example.com")
            .unwrap();
        verify(&jwt, &key, &signature::ECDSA_P256_SHA256_FIXED);
        let claims: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jwt.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["iss"], "client-1");
        assert_eq!(claims["sub"], "client-1");
        assert_eq!(claims["aud"], "https://as.example.com");
        assert!(claims["exp"].as_u64().unwrap() > claims["iat"].as_u64().unwrap());
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }

    #[test]
    fn eddsa_works_and_bad_keys_are_refused() {
        let rng = SystemRandom::new();
        let der = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let key = SigningKey::from_pkcs8_pem(&pem_of(der.as_ref()), "EdDSA").unwrap();
        verify(
            &key.sign(&json!({"a": 1})).unwrap(),
            &key,
            &signature::ED25519,
        );
        assert!(SigningKey::from_pkcs8_pem(&pem_of(der.as_ref()), "ES256").is_err());
        assert!(SigningKey::from_pkcs8_pem("junk", "ES256").is_err());
        assert!(SigningKey::from_pkcs8_pem(&pem_of(der.as_ref()), "HS256").is_err());
    }
}
