use oxmcp::prelude::*;

struct S;

#[resource_router]
impl S {
    /// `page` is not a variable of the template.
    #[resource(uri_template = "books://{book}")]
    async fn page(&self, book: String, page: u32) -> String {
        format!("{book} {page}")
    }

    /// No template.
    #[resource(name = "nothing")]
    async fn nothing(&self) -> String {
        String::new()
    }

    /// An unknown option.
    #[resource(uri_template = "a://{x}", mime = "text/plain")]
    async fn mime(&self, x: String) -> String {
        x
    }
}

struct T;

#[resource_router]
impl T {
    /// Not a resource result.
    #[resource(uri_template = "n://{n}")]
    fn number(&self, n: u32) -> u32 {
        n
    }
}

fn main() {}
