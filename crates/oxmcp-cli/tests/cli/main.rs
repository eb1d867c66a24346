//! The real `oxmcp` binary against the oxmcp everything server (`oxmcp serve demo`), over
//! stdio and over Streamable HTTP on 127.0.0.1: human and `--json` output, exit codes of
//! each failure class, host config files, live interaction.

mod bridge;
mod failures;
mod http;
mod interaction;
mod login;
mod stdio;
mod support;
mod terminal;
