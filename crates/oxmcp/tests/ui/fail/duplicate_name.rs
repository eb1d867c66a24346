use oxmcp::tool_router;

struct S;

#[tool_router]
impl S {
    #[tool]
    async fn echo(&self, text: String) -> String {
        text
    }

    #[tool(name = "echo")]
    async fn echo_again(&self, text: String) -> String {
        text
    }
}

fn main() {}
