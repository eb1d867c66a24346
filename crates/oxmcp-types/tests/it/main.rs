//! Integration tests of oxmcp-types against the official JSON Schemas of every revision.

#![expect(
    unreachable_pub,
    reason = "a test binary: `pub` only shares items between its modules"
)]

mod adapt;
mod coverage;
mod examples;
mod fixtures;
mod modern;
mod roundtrip;
mod schema;
