//! The bodies of oxmcp's fuzz targets. Each takes arbitrary bytes and must neither panic nor
//! hang; where an input has a meaning, it checks a property of the answer too. The
//! cargo-fuzz targets in `fuzz/` call these (run them with `scripts/fuzz`), and
//! `tests/corpus.rs` replays the checked-in corpus (`fuzz/corpus/<target>/`) on stable with
//! plain `cargo test`.

mod dispatch;
mod framing;
mod parsers;
mod probe;

pub use dispatch::server_dispatch;
pub use framing::line_framing;
pub use oxmcp_auth::resource::fuzzing::jwt as jwt_access_token;
pub use parsers::{elicitation_schema, jsonrpc_decode, sse_reader, uri_template, www_authenticate};
pub use probe::request_probe;

/// The body of one fuzz target.
pub type Target = fn(&[u8]);

/// Every target by name, as `fuzz/fuzz_targets/<name>.rs` and `fuzz/corpus/<name>/` call it.
pub const TARGETS: &[(&str, Target)] = &[
    ("jsonrpc_decode", jsonrpc_decode),
    ("server_dispatch", server_dispatch),
    ("line_framing", line_framing),
    ("sse_reader", sse_reader),
    ("uri_template", uri_template),
    ("elicitation_schema", elicitation_schema),
    ("www_authenticate", www_authenticate),
    ("jwt_access_token", jwt_access_token),
    ("request_probe", request_probe),
];
