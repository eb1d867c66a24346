use oxmcp::tool_router;

struct S;

#[tool_router]
impl S {
    #[tool(scopes = [])]
    async fn none(&self) -> String {
        String::new()
    }

    #[tool(scopes = ["files read"])]
    async fn spaced(&self) -> String {
        String::new()
    }

    #[tool(scopes = [SCOPE])]
    async fn not_literal(&self) -> String {
        String::new()
    }

    #[tool(scopes = ["a"], scopes = ["b"])]
    async fn twice(&self) -> String {
        String::new()
    }
}

fn main() {}
