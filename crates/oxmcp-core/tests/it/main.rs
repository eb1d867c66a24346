//! Integration tests of oxmcp-core: one test binary, one module per concern.

mod client_api;
mod client_eras;
mod client_ext_tasks;
mod client_features;
mod client_listen;
mod client_support;
mod dual_era;
mod engine_capabilities;
mod engine_lifecycle;
mod engine_malformed;
mod engine_requests;
mod extension_points;
mod hardening;
mod modern_era;
mod mrtr;
mod mrtr_replay;
mod router_logging;
mod router_notifications;
mod router_prompts;
mod router_resources;
mod router_scopes;
mod router_support;
mod router_tools;
mod support;
mod validate;
