use std::cell::Cell;

use oxmcp::tool_router;

struct S {
    count: Cell<u32>,
}

#[tool_router]
impl S {
    #[tool]
    async fn bump(&self) -> String {
        self.count.set(self.count.get() + 1);
        String::new()
    }
}

fn main() {}
