//! TLS settings of the HTTP client: which root certificates are trusted and which client
//! certificate (if any) is presented.
//!
//! The backend is chosen by cargo features of `oxmcp-http`:
//!
//! - `rustls` (default): rustls with the platform's verifier and roots (the operating system's
//!   certificate store), so `https://` works out of the box;
//! - `webpki-roots`: makes `TlsConfig::webpki_roots` available, the Mozilla root
//!   certificates compiled into the program (for containers without a certificate store);
//! - `native-tls`: the platform's TLS library (OpenSSL, Secure Transport, SChannel), chosen
//!   with [`TlsConfig::native_tls`] (it is the backend when `rustls` is off).
//!
//! Without any of them the client speaks plain `http:` only and refuses `https:` URLs with
//! a clear error.

use std::fmt;

/// Why a TLS setting could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// No TLS backend is compiled in (the `rustls` and `native-tls` features are off).
    #[error("TLS is not available: enable the `rustls` or `native-tls` feature of oxmcp-http")]
    NoBackend,
    /// A PEM or DER input holds no usable certificate.
    #[error("no certificate could be read from the given {0} input")]
    NoCertificate(&'static str),
    /// The certificate or key could not be read.
    #[error("invalid {what}: {source}")]
    Invalid {
        /// What was being read.
        what: &'static str,
        /// The TLS library's reason.
        #[source]
        source: reqwest::Error,
    },
}

/// The TLS settings of the client. The backend is chosen by cargo features of oxmcp-http:
/// `rustls` (the default, with the platform's roots), `native-tls`, and `webpki-roots` (for
/// `webpki_roots`, which is there only with that feature).
///
/// ```
/// use oxmcp_http::client::TlsConfig;
///
/// let mut tls = TlsConfig::default();
/// assert!(tls.add_root_certificates_pem(b"not a certificate").is_err());
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct TlsConfig {
    /// DER certificates trusted in addition to (or, with `only_custom_roots`, instead of)
    /// the backend's roots.
    roots: Vec<Vec<u8>>,
    only_custom_roots: bool,
    /// PEM of the client certificate chain and of its private key (PKCS#8).
    identity: Option<(Vec<u8>, Vec<u8>)>,
    use_native: bool,
    webpki: bool,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private key of the identity is never printed.
        f.debug_struct("TlsConfig")
            .field("custom_roots", &self.roots.len())
            .field("only_custom_roots", &self.only_custom_roots)
            .field("client_identity", &self.identity.is_some())
            .field("native_tls", &self.use_native)
            .field("webpki_roots", &self.webpki)
            .finish()
    }
}

impl TlsConfig {
    /// Trusts every certificate in a PEM bundle (one or more `BEGIN CERTIFICATE` blocks).
    pub fn add_root_certificates_pem(&mut self, pem: &[u8]) -> Result<&mut Self, TlsError> {
        let ders = pem_blocks(pem, "CERTIFICATE");
        if ders.is_empty() {
            return Err(TlsError::NoCertificate("PEM"));
        }
        self.roots.extend(ders);
        Ok(self)
    }

    /// Trusts one DER-encoded certificate.
    pub fn add_root_certificate_der(&mut self, der: &[u8]) -> Result<&mut Self, TlsError> {
        if der.is_empty() {
            return Err(TlsError::NoCertificate("DER"));
        }
        self.roots.push(der.to_vec());
        Ok(self)
    }

    /// Trusts only the certificates added here, not the backend's (platform) roots.
    pub fn only_custom_roots(&mut self, only: bool) -> &mut Self {
        self.only_custom_roots = only;
        self
    }

    /// Presents a client certificate: `cert_chain_pem` holds the certificate (then its
    /// intermediates), `key_pem` its private key in PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub fn client_identity_pem(
        &mut self,
        cert_chain_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<&mut Self, TlsError> {
        if pem_blocks(cert_chain_pem, "CERTIFICATE").is_empty() {
            return Err(TlsError::NoCertificate("client certificate PEM"));
        }
        if !String::from_utf8_lossy(key_pem).contains("PRIVATE KEY-----") {
            return Err(TlsError::NoCertificate("private key PEM"));
        }
        self.identity = Some((cert_chain_pem.to_vec(), key_pem.to_vec()));
        Ok(self)
    }

    /// Trusts the Mozilla root certificates compiled into the program, instead of the
    /// platform's (custom roots added here are trusted too).
    #[cfg(feature = "webpki-roots")]
    pub fn webpki_roots(&mut self) -> &mut Self {
        self.webpki = true;
        self
    }

    /// Uses the platform's TLS library instead of rustls.
    #[cfg(feature = "native-tls")]
    pub fn native_tls(&mut self) -> &mut Self {
        self.use_native = true;
        self
    }

    /// Applies these settings to a reqwest client builder.
    #[cfg(any(feature = "rustls", feature = "native-tls"))]
    pub fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, TlsError> {
        let native = self.use_native || cfg!(not(feature = "rustls"));
        // Explicit either way: with both features reqwest would pick native-tls by itself.
        if native {
            #[cfg(feature = "native-tls")]
            {
                builder = builder.tls_backend_native();
            }
        } else {
            #[cfg(feature = "rustls")]
            {
                builder = builder.tls_backend_rustls();
            }
        }
        let mut roots = Vec::with_capacity(self.roots.len());
        for der in &self.roots {
            let cert = reqwest::Certificate::from_der(der).map_err(|source| TlsError::Invalid {
                what: "root certificate",
                source,
            })?;
            roots.push(cert);
        }
        #[cfg(feature = "webpki-roots")]
        if self.webpki {
            for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
                if let Ok(cert) = reqwest::Certificate::from_der(der) {
                    roots.push(cert);
                }
            }
        }
        builder = if self.only_custom_roots || self.webpki {
            builder.tls_certs_only(roots)
        } else {
            builder.tls_certs_merge(roots)
        };
        if let Some((chain, key)) = &self.identity {
            builder = builder.identity(identity(native, chain, key)?);
        }
        Ok(builder)
    }

    /// Without a TLS backend nothing can be applied; the builder is returned unchanged
    /// unless a setting needs TLS.
    #[cfg(not(any(feature = "rustls", feature = "native-tls")))]
    pub fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, TlsError> {
        if self.roots.is_empty() && self.identity.is_none() {
            Ok(builder)
        } else {
            Err(TlsError::NoBackend)
        }
    }
}

#[cfg(any(feature = "rustls", feature = "native-tls"))]
fn identity(native: bool, chain: &[u8], key: &[u8]) -> Result<reqwest::Identity, TlsError> {
    let invalid = |source| TlsError::Invalid {
        what: "client identity",
        source,
    };
    if native {
        #[cfg(feature = "native-tls")]
        return reqwest::Identity::from_pkcs8_pem(chain, key).map_err(invalid);
    }
    #[cfg(feature = "rustls")]
    {
        let mut both = key.to_vec();
        both.push(b'\n');
        both.extend_from_slice(chain);
        reqwest::Identity::from_pem(&both).map_err(invalid)
    }
    #[cfg(not(feature = "rustls"))]
    {
        let _ = (chain, key, invalid);
        Err(TlsError::NoBackend)
    }
}

/// Whether a TLS backend is compiled in.
pub(crate) const HAS_TLS: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// The DER contents of every `-----BEGIN <label>-----` block of a PEM text.
fn pem_blocks(pem: &[u8], label: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(pem);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(&begin) {
        let after = &rest[start + begin.len()..];
        let Some(stop) = after.find(&end) else { break };
        let body: String = after[..stop].split_whitespace().collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(body)
            && !der.is_empty()
        {
            out.push(der);
        }
        rest = &after[stop + end.len()..];
    }
    out
}

/// The message of an error with its causes, so that a TLS failure says why (an unknown
/// issuer, an expired certificate, a wrong name) rather than only "error sending request".
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_reads_every_certificate_and_skips_other_blocks() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n\
                   -----BEGIN PRIVATE KEY-----\nBAUG\n-----END PRIVATE KEY-----\n\
                   -----BEGIN CERTIFICATE-----\nBwgJ\n-----END CERTIFICATE-----\n";
        let blocks = pem_blocks(pem.as_bytes(), "CERTIFICATE");
        assert_eq!(blocks, vec![vec![1, 2, 3], vec![7, 8, 9]]);
        assert!(pem_blocks(b"-----BEGIN CERTIFICATE-----\n!!!", "CERTIFICATE").is_empty());
    }

    #[test]
    fn bad_inputs_are_refused_and_debug_hides_the_key() {
        let mut tls = TlsConfig::default();
        assert!(matches!(
            tls.add_root_certificates_pem(b"nothing"),
            Err(TlsError::NoCertificate(_))
        ));
        assert!(tls.add_root_certificate_der(b"").is_err());
        let cert = b"-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\n";
        assert!(tls.client_identity_pem(cert, b"no key").is_err());
        let key = b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleQ==\n-----END PRIVATE KEY-----\n";
        tls.client_identity_pem(cert, key).unwrap();
        let debug = format!("{tls:?}");
        assert!(!debug.contains("c2VjcmV0"), "{debug}");
        assert!(debug.contains("client_identity: true"), "{debug}");
    }

    #[test]
    fn describe_includes_the_causes() {
        let inner = std::io::Error::other("invalid peer certificate: UnknownIssuer");
        let outer = std::io::Error::other(Wrapper(inner));
        let text = describe(&outer);
        assert!(text.contains("UnknownIssuer"), "{text}");
    }

    #[derive(Debug)]
    struct Wrapper(std::io::Error);
    impl fmt::Display for Wrapper {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("error sending request")
        }
    }
    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
