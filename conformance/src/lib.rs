//! The fixtures of the official MCP conformance suite (`@modelcontextprotocol/conformance`,
//! pinned by `conformance/package-lock.json`), run by `scripts/conformance`:
//!
//! - [`server`]: the tools, resources, prompts and completions the suite's server scenarios
//!   call by name, served by oxmcp over Streamable HTTP on 127.0.0.1 (binary
//!   `conformance-server --port P`).
//! - [`client`]: the suite's client scenarios, one per process (binary
//!   `conformance-client URL`, scenario in `MCP_CONFORMANCE_SCENARIO`).

pub mod client;
pub mod server;
