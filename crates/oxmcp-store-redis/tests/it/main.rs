//! Integration tests of oxmcp-store-redis. They need `redis-server` (installed by
//! scripts/setup-interop) and run with the `redis-tests` feature only; each test starts its
//! own server on a free 127.0.0.1 port.
#![cfg(feature = "redis-tests")]

mod bounds;
mod bus;
mod changes;
#[cfg(feature = "cluster")]
mod cluster;
mod contract;
mod cost;
mod events;
mod faults;
mod http;
mod leases;
mod routing;
mod server;
mod sessions;
mod support;
