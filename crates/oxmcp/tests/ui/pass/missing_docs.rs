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
}

fn main() {
    let routes = std::sync::Arc::new(tools::Public).tool_routes();
    assert_eq!(routes.len(), 3);
}
