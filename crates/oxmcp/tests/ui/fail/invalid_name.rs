use oxmcp::tool_router;

struct S;

#[tool_router]
impl S {
    #[tool(name = "get user")]
    async fn get_user(&self) -> String {
        String::new()
    }

    #[tool(name = "")]
    async fn empty(&self) -> String {
        String::new()
    }

    #[tool(name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    async fn long(&self) -> String {
        String::new()
    }

    #[tool]
    async fn café(&self) -> String {
        String::new()
    }
}

fn main() {}
