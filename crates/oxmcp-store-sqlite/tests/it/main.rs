//! Integration tests of oxmcp-store-sqlite: one test binary, one module per concern.

mod contract;
mod durability;
mod engine;
mod errors;
mod support;
