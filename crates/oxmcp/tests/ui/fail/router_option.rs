use oxmcp::tool_router;

struct S;

#[tool_router(visibility = pub)]
impl S {
    #[tool]
    async fn echo(&self, text: String) -> String {
        text
    }
}

fn main() {}
