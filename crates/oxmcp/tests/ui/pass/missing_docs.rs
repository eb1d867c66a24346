//! The code `#[tool_router]` generates is documented: it compiles under
//! `deny(missing_docs)` in a public module.
#![deny(missing_docs)]

/// Tools in a public module.
pub mod tools {
    use oxmcp::prelude::*;

    /// A public server type.
    #[derive(Debug, Default)]
    pub struct Public;

    #[tool_router]
    impl Public {
        /// Echoes.
        #[tool]
        pub async fn echo(&self, text: String, cx: RequestContext<Server>) -> String {
            drop(cx);
            text
        }

        /// Adds.
        #[tool]
        pub async fn add(a: f64, b: f64) -> String {
            (a + b).to_string()
        }

        /// No arguments.
        #[tool]
        pub async fn ping(&self) {}
    }

    #[prompt_router]
    impl Public {
        /// Greets.
        #[prompt]
        pub async fn greet(&self, name: String) -> String {
            name
        }
    }
}

fn main() {
    let public = std::sync::Arc::new(tools::Public);
    assert_eq!(public.tool_routes().len(), 3);
    assert_eq!(public.prompt_routes().len(), 1);
}
