//! The client over HTTPS: a local MCP server whose certificate comes from a CA the test
//! makes (rcgen); the client trusts that CA through `TlsConfig`, refuses the server without
//! it (with an error that says why), and presents a client certificate when asked.

#![cfg(feature = "rustls")]

use std::convert::Infallible;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use oxmcp_core::{NoHandler, connect};
use oxmcp_http::{HttpClientConfig, HttpClientTransport, HttpServerConfig};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig, crypto};

use crate::client_e2e::client_config;
use crate::support::service;

/// A CA and a leaf certificate it signed.
struct Pki {
    ca_pem: String,
    leaf: (CertificateDer<'static>, PrivateKeyDer<'static>),
    client_pem: (String, String),
}

fn make_pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let client_key = KeyPair::generate().unwrap();
    let client = CertificateParams::new(vec!["client.test".to_owned()])
        .unwrap()
        .signed_by(&client_key, &issuer)
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        leaf: (
            leaf.der().clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        ),
        client_pem: (client.pem(), client_key.serialize_pem()),
    }
}

/// Serves the test MCP server over TLS on 127.0.0.1; `client_ca` requires client
/// certificates from that CA.
async fn serve_tls(pki: &Pki, client_ca: bool) -> String {
    let provider = Arc::new(crypto::aws_lc_rs::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if client_ca {
        let mut roots = RootCertStore::empty();
        let ca = CertificateDer::from_pem_slice(pki.ca_pem.as_bytes()).unwrap();
        roots.add(ca).unwrap();
        let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(vec![pki.leaf.0.clone()], pki.leaf.1.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (mcp, _) = service(HttpServerConfig::default());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let mcp = mcp.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let handler =
                    hyper::service::service_fn(move |request: http::Request<Incoming>| {
                        let mcp = mcp.clone();
                        async move { Ok::<_, Infallible>(mcp.handle(request).await) }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), handler)
                    .await;
            });
        }
    });
    format!("https://localhost:{port}/mcp")
}

use tokio_rustls::rustls::pki_types::pem::PemObject;

#[tokio::test]
async fn https_with_a_custom_root_works() {
    let pki = make_pki();
    let url = serve_tls(&pki, false).await;
    let mut config = HttpClientConfig::default();
    config
        .tls
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .unwrap();
    let transport = HttpClientTransport::with_config(&url, config).unwrap();
    let client = connect(transport, client_config(), NoHandler)
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    client.close().await;
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_with_a_clear_error() {
    let pki = make_pki();
    let url = serve_tls(&pki, false).await;
    let transport = HttpClientTransport::new(&url).unwrap();
    let error = connect(transport, client_config(), NoHandler)
        .await
        .expect_err("a certificate from an unknown CA must be refused");
    let text = error.to_string().to_lowercase();
    assert!(text.contains("certificate"), "{text}");
}

#[tokio::test]
async fn only_custom_roots_trusts_nothing_else() {
    // The CA of another PKI is the only root: the server's own CA is not trusted.
    let pki = make_pki();
    let other = make_pki();
    let url = serve_tls(&pki, false).await;
    let mut config = HttpClientConfig::default();
    config
        .tls
        .add_root_certificates_pem(other.ca_pem.as_bytes())
        .unwrap()
        .only_custom_roots(true);
    let transport = HttpClientTransport::with_config(&url, config).unwrap();
    let error = connect(transport, client_config(), NoHandler)
        .await
        .expect_err("refused");
    assert!(error.to_string().to_lowercase().contains("certificate"));
}

#[tokio::test]
async fn a_client_certificate_is_presented_when_set() {
    let pki = make_pki();
    let url = serve_tls(&pki, true).await;
    let mut without = HttpClientConfig::default();
    without
        .tls
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .unwrap();
    let mut with = without.clone();
    let transport = HttpClientTransport::with_config(&url, without).unwrap();
    assert!(
        connect(transport, client_config(), NoHandler)
            .await
            .is_err(),
        "a server that requires a client certificate refuses a client without one"
    );
    let (chain, key) = &pki.client_pem;
    with.tls
        .client_identity_pem(chain.as_bytes(), key.as_bytes())
        .unwrap();
    let transport = HttpClientTransport::with_config(&url, with).unwrap();
    let client = connect(transport, client_config(), NoHandler)
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    client.close().await;
}

#[cfg(feature = "webpki-roots")]
#[tokio::test]
async fn webpki_roots_keep_custom_roots_and_drop_the_platform_store() {
    let pki = make_pki();
    let url = serve_tls(&pki, false).await;
    let mut config = HttpClientConfig::default();
    config.tls.webpki_roots();
    let transport = HttpClientTransport::with_config(&url, config.clone()).unwrap();
    assert!(
        connect(transport, client_config(), NoHandler)
            .await
            .is_err()
    );
    config
        .tls
        .add_root_certificates_pem(pki.ca_pem.as_bytes())
        .unwrap();
    let transport = HttpClientTransport::with_config(&url, config).unwrap();
    let client = connect(transport, client_config(), NoHandler)
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    client.close().await;
}

#[cfg(feature = "native-tls")]
#[tokio::test]
async fn native_tls_refuses_an_untrusted_certificate_too() {
    let pki = make_pki();
    let url = serve_tls(&pki, false).await;
    let mut config = HttpClientConfig::default();
    config.tls.native_tls();
    let transport = HttpClientTransport::with_config(&url, config).unwrap();
    let error = connect(transport, client_config(), NoHandler)
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("certificate"), "{error}");
}
