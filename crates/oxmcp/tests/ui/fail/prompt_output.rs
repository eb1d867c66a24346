use oxmcp::prompt_router;

struct S;

#[prompt_router]
impl S {
    #[prompt]
    async fn number(&self, name: String) -> i32 {
        name.len() as i32
    }
}

fn main() {}
