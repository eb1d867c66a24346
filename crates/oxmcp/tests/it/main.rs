//! Integration tests of the facade.

mod macro_plain;
mod macro_prompts;
mod macro_resources;
mod macro_support;
mod macro_tools;
mod macros_ui;
