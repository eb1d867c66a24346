//! Runnable oxmcp examples, and the fixtures the interop tests run against the official SDKs.
//!
//! - [`everything_server`]: a server with every MCP feature (the `everything-server` binary).
//! - [`everything_client`]: a client that exercises every feature of a server (the
//!   `everything-client` binary).
//! - [`fixture_server`]: an oxmcp server implementing the interop fixture contract
//!   (`interop/README.md`): tools `echo`, `add`, `progress`, `log`, `slow`,
//!   `cancelled_count`, `ping_client`, `fail`, written against the raw engine API.
//! - [`fixture_client`]: an oxmcp client that checks any server against the same contract,
//!   printing one line per check.

pub mod everything_client;
pub mod everything_server;
pub mod fixture_client;
pub mod fixture_server;
