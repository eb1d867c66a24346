use oxmcp::tool_router;

struct NotDeserialize;

struct S;

#[tool_router]
impl S {
    #[tool]
    async fn argument(&self, value: NotDeserialize, other: String) -> String {
        drop(value);
        other
    }
}

fn main() {}
