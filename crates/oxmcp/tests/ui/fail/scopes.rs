use oxmcp::{prompt_router, resource_router, tool_router};

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

struct P;

#[prompt_router]
impl P {
    #[prompt(scopes = ["a b"])]
    async fn spaced(&self) -> String {
        String::new()
    }
}

struct R;

#[resource_router]
impl R {
    #[resource(uri_template = "r://{id}", scopes = [])]
    async fn none(&self, id: String) -> String {
        id
    }
}

fn main() {}
