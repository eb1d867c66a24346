use oxmcp::tool_router;

struct S;

#[tool_router]
impl S {
    #[tool]
    async fn number(&self) -> i32 {
        1
    }
}

fn main() {}
