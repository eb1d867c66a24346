use oxmcp::{tool, tool_router};

struct S;

#[tool]
async fn free_function() -> String {
    String::new()
}

trait Tools {
    fn echo(&self) -> String;
}

#[tool_router]
impl Tools for S {
    fn echo(&self) -> String {
        String::new()
    }
}

struct Empty;

#[tool_router]
impl Empty {
    fn helper(&self) {}
}

struct Twice;

#[tool_router]
impl Twice {
    #[tool]
    #[tool]
    async fn echo(&self) -> String {
        String::new()
    }

    #[tool]
    const LIMIT: usize = 3;
}

fn main() {}
