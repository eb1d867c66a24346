//! Interop tests: the official TypeScript and Python SDKs against oxmcp, both ways, over stdio;
//! and the everything server and client end to end.
//!
//! The tests that run the official SDKs are behind the `interop` feature (`scripts/test`
//! turns it on with `--all-features`): the SDKs are installed by `scripts/setup-interop`
//! into `~/.cache/oxmcp/interop`, and with the feature on these tests fail (they do not
//! skip) when it has not run. Plain `cargo test` runs the others, which need nothing.

#[cfg(feature = "interop")]
mod eras_interop;
mod everything;
#[cfg(feature = "interop")]
mod everything_interop;
#[cfg(feature = "interop")]
mod interop;
mod protected;
mod request_state_keys;
#[cfg(feature = "redis-tests")]
mod scale;
#[cfg(feature = "interop")]
mod sdk_v2_servers;
mod stdio;
mod stdio_eras;
#[cfg(feature = "interop")]
mod tasks_interop;
mod tasks_modern;
mod tasks_recovery;
