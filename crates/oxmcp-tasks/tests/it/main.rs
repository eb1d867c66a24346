//! Integration tests of oxmcp-tasks: one test binary, one module per concern.

mod client_tasks;
mod client_tasks_engine;
mod client_tasks_modern;
mod client_tasks_receiver;
mod client_tasks_server;
mod client_tasks_support;
mod router_support;
mod support;
mod tasks_async_store;
mod tasks_cancel;
mod tasks_doubles;
mod tasks_flows;
mod tasks_input;
mod tasks_isolation;
mod tasks_limits;
mod tasks_modern;
mod tasks_modern_input_first;
mod tasks_nested;
mod tasks_polling;
mod tasks_recovery;
mod tasks_sessions;
mod tasks_store;
mod tasks_support;
