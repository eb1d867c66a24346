//! JSON Web Keys (RFC 7517) as verification keys, and the JWS algorithms (RFC 7518, RFC
//! 8037) a resource server accepts. Only asymmetric algorithms exist here: `none` and the
//! HMAC family cannot be named, so a token can never choose them.

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// A JWS signature algorithm a resource server may accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
    /// EdDSA with Ed25519.
    EdDsa,
}

impl Algorithm {
    /// Every algorithm, the default allow-list.
    pub const ALL: [Self; 9] = [
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
        Self::Es256,
        Self::Es384,
        Self::EdDsa,
    ];

    /// The algorithm a JOSE header's `alg` names, if it is one of these (case-sensitive,
    /// as RFC 7515 says).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The JOSE name (`RS256`, `ES256`, `EdDSA`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::EdDsa => "EdDSA",
        }
    }

    fn rsa(self) -> Option<&'static signature::RsaParameters> {
        Some(match self {
            Self::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::Rs384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Self::Rs512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Self::Ps256 => &signature::RSA_PSS_2048_8192_SHA256,
            Self::Ps384 => &signature::RSA_PSS_2048_8192_SHA384,
            Self::Ps512 => &signature::RSA_PSS_2048_8192_SHA512,
            _ => return None,
        })
    }
}

/// One key of a JWK Set, as published (only the members this crate reads).
#[derive(Debug, Deserialize)]
pub(crate) struct RawJwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    key_ops: Option<Vec<String>>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

/// A verification key from a JWK Set.
pub(crate) struct Jwk {
    pub(crate) kid: Option<String>,
    /// The `alg` the key is restricted to, if it names one.
    alg: Option<Algorithm>,
    /// The key parsed once for each algorithm it may verify (RSA: the six RS and PS ones,
    /// or its `alg`; EC and Ed25519: the one of the curve), so that no verification parses
    /// it again.
    parsed: Vec<(Algorithm, ParsedPublicKey)>,
}

impl std::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwk")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
thread_local! {
    /// How many public keys this thread parsed (tests check that no verification does).
    static PARSES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many public keys this thread parsed so far.
#[cfg(test)]
pub(crate) fn parses() -> u64 {
    PARSES.with(std::cell::Cell::get)
}

/// Counts one parse (in tests), and passes `key` on.
fn counted<K>(key: K) -> K {
    #[cfg(test)]
    PARSES.with(|p| p.set(p.get() + 1));
    key
}

fn b64(field: Option<&String>) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(field?).ok()
}

impl Jwk {
    /// The key, or `None` for one this crate cannot use for signature verification
    /// (symmetric, encryption-only, unknown type or curve, malformed); such keys are
    /// skipped, never an error for the whole set.
    pub(crate) fn from_raw(raw: &RawJwk) -> Option<Self> {
        if raw.use_.as_deref().is_some_and(|u| u != "sig")
            || raw
                .key_ops
                .as_ref()
                .is_some_and(|ops| !ops.iter().any(|o| o == "verify"))
        {
            return None;
        }
        // A key naming an algorithm outside this list (HS256, RSA-OAEP...) is not ours.
        let alg = match &raw.alg {
            Some(name) => Some(Algorithm::from_name(name)?),
            None => None,
        };
        let parsed = match (raw.kty.as_str(), raw.crv.as_deref()) {
            ("RSA", _) => {
                let (n, e) = (b64(raw.n.as_ref())?, b64(raw.e.as_ref())?);
                let components = RsaPublicKeyComponents { n: &n, e: &e };
                Algorithm::ALL
                    .into_iter()
                    .filter(|a| alg.is_none_or(|own| own == *a))
                    .filter_map(|a| Some((a, a.rsa()?)))
                    .map(|(a, params)| {
                        Some((a, counted(components.to_parsed_public_key(params).ok()?)))
                    })
                    .collect::<Option<Vec<_>>>()?
            }
            ("EC", Some(crv @ ("P-256" | "P-384"))) => {
                let (x, y) = (b64(raw.x.as_ref())?, b64(raw.y.as_ref())?);
                let (len, alg, params) = if crv == "P-256" {
                    (32, Algorithm::Es256, &signature::ECDSA_P256_SHA256_FIXED)
                } else {
                    (48, Algorithm::Es384, &signature::ECDSA_P384_SHA384_FIXED)
                };
                if x.len() != len || y.len() != len {
                    return None;
                }
                let point = [&[4u8][..], &x, &y].concat();
                let key = UnparsedPublicKey::new(params, point).parse().ok()?;
                vec![(alg, counted(key))]
            }
            ("OKP", Some("Ed25519")) => {
                let x = b64(raw.x.as_ref()).filter(|x| x.len() == 32)?;
                let key = UnparsedPublicKey::new(&signature::ED25519, x)
                    .parse()
                    .ok()?;
                vec![(Algorithm::EdDsa, counted(key))]
            }
            _ => return None,
        };
        let key = Self {
            kid: raw.kid.clone(),
            alg,
            parsed,
        };
        // A key whose `alg` does not fit its type is unusable.
        key.alg.is_none_or(|a| key.fits(a)).then_some(key)
    }

    /// Whether this key may verify a signature made with `alg`.
    pub(crate) fn fits(&self, alg: Algorithm) -> bool {
        self.alg.is_none_or(|own| own == alg) && self.parsed.iter().any(|(a, _)| *a == alg)
    }

    /// Whether `signature` over `message` is valid for this key and `alg`.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        self.fits(alg)
            && self
                .parsed
                .iter()
                .any(|(a, key)| *a == alg && key.verify_sig(message, signature).is_ok())
    }
}

/// A JWK Set document (RFC 7517 §5): its usable keys.
pub(crate) fn parse_set(body: &[u8]) -> Result<Vec<Jwk>, String> {
    #[derive(Deserialize)]
    struct Set {
        keys: Vec<serde_json::Value>,
    }
    let set: Set = serde_json::from_slice(body).map_err(|e| format!("not a JWK Set: {e}"))?;
    Ok(set
        .keys
        .into_iter()
        .filter_map(|k| serde_json::from_value::<RawJwk>(k).ok())
        .filter_map(|k| Jwk::from_raw(&k))
        .collect())
}
