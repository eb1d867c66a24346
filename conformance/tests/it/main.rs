//! Tests of the conformance fixtures, and interop over Streamable HTTP with the official
//! SDKs (installed by scripts/setup-interop; these tests fail, not skip, without them).

mod binaries;
mod everything_http;
mod fixture;
mod oidc_provider;
mod oidc_resource;
mod oidc_support;
mod sdk_clients;
mod sdk_server;
mod support;
