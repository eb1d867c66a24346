//! Interop tests: the official TypeScript and Python SDKs against oxmcp, both ways, over stdio.
//!
//! The SDKs are installed by `scripts/setup-interop` into `~/.cache/oxmcp/interop`; these
//! tests fail (they do not skip) when it has not run.

mod interop;
mod stdio;
