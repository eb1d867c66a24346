//! The JWT and introspection matrices, against key and introspection servers on 127.0.0.1.

mod cost;
mod engine_scopes;
mod introspection;
mod jwt_matrix;
mod outages;
mod server;
mod support;
