use oxmcp::prelude::*;

struct S;

#[tool_router]
impl S {
    #[tool]
    async fn two_contexts(&self, a: RequestContext<Server>, b: RequestContext<Server>) -> String {
        drop((a, b));
        String::new()
    }

    #[tool]
    async fn borrowed(&self, text: &str) -> String {
        text.to_owned()
    }

    #[tool]
    async fn pattern(&self, (a, b): (f64, f64)) -> String {
        format!("{a}{b}")
    }

    #[tool]
    async fn generic<T: Send>(&self, text: String) -> String {
        text
    }

    #[tool]
    async fn documented_context(
        &self,
        /// The context.
        cx: RequestContext<Server>,
    ) -> String {
        drop(cx);
        String::new()
    }

    #[tool]
    async unsafe fn dangerous(&self) -> String {
        String::new()
    }
}

fn main() {}
