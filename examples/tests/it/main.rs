//! Interop tests: the official TypeScript and Python SDKs against oxmcp, both ways, over stdio;
//! and the everything server and client end to end.
//!
//! The SDKs are installed by `scripts/setup-interop` into `~/.cache/oxmcp/interop`; these
//! tests fail (they do not skip) when it has not run.

mod everything;
mod everything_interop;
mod interop;
mod stdio;
mod tasks_interop;
mod tasks_recovery;
