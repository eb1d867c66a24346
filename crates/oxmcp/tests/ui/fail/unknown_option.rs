use oxmcp::tool_router;

struct S;

#[tool_router]
impl S {
    #[tool(nmae = "echo")]
    async fn echo(&self, text: String) -> String {
        text
    }

    #[tool(annotations(read_only, readonly = true))]
    async fn read(&self) -> String {
        String::new()
    }

    #[tool(task_support = "sometimes")]
    async fn task(&self) -> String {
        String::new()
    }

    #[tool(title = "One", title = "Two")]
    async fn titled(&self) -> String {
        String::new()
    }

    #[tool(name = echo)]
    async fn unquoted(&self) -> String {
        String::new()
    }
}

fn main() {}
