use oxmcp::prelude::*;

/// The result of `add`.
#[schema(serialize)]
struct Sum {
    sum: f64,
}

struct S;

#[tool_router]
impl S {
    /// Adds, but returns the struct itself instead of `Json<Sum>`.
    #[tool]
    async fn add(&self, a: f64, b: f64) -> Sum {
        Sum { sum: a + b }
    }
}

fn main() {}
