use oxmcp::{prompt, prompt_router};

struct S;

#[prompt_router]
impl S {
    #[prompt]
    async fn number(&self) -> String {
        String::new()
    }

    #[prompt(nmae = "x")]
    async fn misspelt(&self) -> String {
        String::new()
    }

    #[prompt(name = "number")]
    async fn again(&self) -> String {
        String::new()
    }

    #[prompt]
    fn blocking(&self) -> String {
        String::new()
    }
}

#[prompt]
async fn free() -> String {
    String::new()
}

fn main() {}
