use oxmcp::tool_router;

struct S;

#[tool_router]
impl S {
    #[tool]
    async fn consume(self) -> String {
        String::new()
    }

    #[tool]
    async fn mutate(&mut self) -> String {
        String::new()
    }

    #[tool]
    async fn boxed(self: Box<Self>) -> String {
        String::new()
    }
}

fn main() {}
