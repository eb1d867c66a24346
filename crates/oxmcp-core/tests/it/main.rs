//! Integration tests of oxmcp-core: one test binary, one module per concern.

mod client_api;
mod client_features;
mod client_support;
mod client_tasks;
mod client_tasks_server;
mod client_tasks_support;
mod engine_capabilities;
mod engine_lifecycle;
mod engine_malformed;
mod engine_requests;
mod router_logging;
mod router_notifications;
mod router_prompts;
mod router_resources;
mod router_support;
mod router_tools;
mod support;
mod tasks_cancel;
mod tasks_flows;
mod tasks_input;
mod tasks_isolation;
mod tasks_recovery;
mod tasks_store;
mod tasks_support;
mod validate;
