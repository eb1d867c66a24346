//! Integration tests of oxmcp-http: real sockets on 127.0.0.1, one binary, one module per
//! concern.

mod batches;
mod budgets;
mod client_auth;
mod client_e2e;
mod client_eras;
mod client_fallback;
mod client_foreign;
mod client_listen;
mod client_reinitialize;
mod client_tls;
mod connections;
mod context;
mod descriptors;
mod edge;
mod fairness;
mod http2;
mod idle_sessions;
#[cfg(feature = "interop")]
mod interop_legacy;
#[cfg(feature = "interop")]
mod interop_v2;
mod isolation;
mod legacy_server;
mod listen;
mod missing_capability;
mod modern;
mod modern_inline;
mod modern_layout;
mod modern_pool;
mod mrtr;
mod param_headers;
mod principal;
mod principal_stateless;
mod proxy;
mod refusals;
mod resumption;
mod server_checks;
mod server_streams;
mod shared_sessions;
mod stateless;
mod stream_close;
mod support;
mod tasks_modern;
mod versions;
