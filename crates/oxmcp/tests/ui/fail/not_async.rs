use oxmcp::tool_router;

struct S;

#[tool_router]
impl S {
    /// Not async.
    #[tool]
    fn echo(&self, text: String) -> String {
        text
    }
}

fn main() {}
