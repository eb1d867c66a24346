//! Tests of the conformance fixtures, and interop over Streamable HTTP with the official
//! SDKs. The interop tests are behind the `interop` feature (`scripts/test` turns it on
//! with `--all-features`): the SDKs are installed by scripts/setup-interop, and with the
//! feature on these tests fail, not skip, without them. Plain `cargo test` runs the others.

mod binaries;
#[cfg(feature = "interop")]
mod everything_http;
mod fixture;
#[cfg(feature = "interop")]
mod oidc_provider;
#[cfg(feature = "interop")]
mod oidc_resource;
#[cfg(feature = "interop")]
mod oidc_support;
#[cfg(feature = "interop")]
mod oidc_ts_client;
#[cfg(feature = "interop")]
mod peers;
#[cfg(feature = "interop")]
mod sdk_clients;
#[cfg(feature = "interop")]
mod sdk_server;
mod support;
