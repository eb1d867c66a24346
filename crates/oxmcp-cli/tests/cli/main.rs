//! The real `oxmcp` binary against the oxmcp everything server (`oxmcp serve demo`), over
//! stdio and over Streamable HTTP on 127.0.0.1: human and `--json` output, exit codes of
//! each failure class, host config files, live interaction. With the `interop` feature, also
//! against the official TypeScript everything server and SDK clients (`peers`).

mod bridge;
mod failures;
mod http;
mod interaction;
mod login;
#[cfg(feature = "interop")]
mod peers;
mod stdio;
mod support;
mod terminal;
