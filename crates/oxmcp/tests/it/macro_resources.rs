//! `#[resource_router]`: resource templates whose variables arrive typed.

use std::sync::Arc;

use oxmcp::prelude::*;
use oxmcp::types::{ErrorData, TextResourceContents};
use oxmcp::{RequestError, RequestOptions, resource_not_found};
use serde_json::{Value, json};

use crate::macro_support::{Session, info, open_server};

/// Which part of a book.
#[schema(deserialize)]
#[serde(rename_all = "lowercase")]
enum Part {
    Preface,
    Body,
}

struct Library {
    books: Vec<&'static str>,
}

#[resource_router]
impl Library {
    /// One page of a book, as text.
    #[resource(uri_template = "books://{book}/pages/{page}", mime_type = "text/plain")]
    async fn page(&self, book: String, page: u32) -> Result<String, ErrorData> {
        if !self.books.contains(&book.as_str()) {
            return Err(resource_not_found(&format!("books://{book}/pages/{page}")));
        }
        Ok(format!("page {page} of {book}"))
    }

    /// A part of a book, read by a plain `fn`; `part` may be absent.
    #[resource(uri_template = "parts://{book}{?part}", name = "book_part", scopes = ["books:read"])]
    fn part(&self, mut book: String, part: Option<Part>) -> TextResourceContents {
        let uri = format!("parts://{book}");
        let text = match part.unwrap_or(Part::Body) {
            Part::Preface => "preface of ",
            Part::Body => "body of ",
        };
        book.insert_str(0, text);
        TextResourceContents::new(uri, book)
    }
}

#[test]
fn scopes_reach_the_template_route() {
    let routes = Arc::new(Library { books: vec![] }).resource_templates();
    let scopes = |name: &str| {
        let route = routes.iter().find(|r| r.template().name == name).unwrap();
        route.scopes().to_vec()
    };
    assert_eq!(scopes("book_part"), ["books:read"]);
    assert!(scopes("page").is_empty());
}

async fn session() -> Session {
    let library = Arc::new(Library {
        books: vec!["dune"],
    });
    let server = McpServer::builder(info())
        .resource_templates(library.resource_templates())
        .build()
        .expect("the server builds");
    open_server(&server).await
}

async fn read(session: &Session, uri: &str) -> Result<Value, RequestError> {
    session
        .request(
            "resources/read",
            json!({ "uri": uri }),
            RequestOptions::new(),
        )
        .await
}

#[tokio::test]
async fn templates_are_listed_with_their_options() {
    let session = session().await;
    let list = session
        .request("resources/templates/list", json!({}), RequestOptions::new())
        .await
        .expect("resources/templates/list");
    let templates = list["resourceTemplates"].as_array().unwrap();
    assert_eq!(templates.len(), 2);
    assert_eq!(templates[0]["uriTemplate"], "books://{book}/pages/{page}");
    assert_eq!(templates[0]["name"], "page");
    assert_eq!(templates[0]["description"], "One page of a book, as text.");
    assert_eq!(templates[0]["mimeType"], "text/plain");
    assert_eq!(templates[1]["name"], "book_part");
    assert!(templates[1].get("mimeType").is_none());
}

#[tokio::test]
async fn variables_arrive_typed() {
    let session = session().await;
    let page = read(&session, "books://dune/pages/42").await.unwrap();
    let contents = &page["contents"][0];
    assert_eq!(contents["text"], "page 42 of dune");
    assert_eq!(contents["uri"], "books://dune/pages/42");
    assert_eq!(contents["mimeType"], "text/plain");
    let preface = read(&session, "parts://dune?part=preface").await.unwrap();
    assert_eq!(preface["contents"][0]["text"], "preface of dune");
    let body = read(&session, "parts://dune").await.unwrap();
    assert_eq!(body["contents"][0]["text"], "body of dune");
}

#[tokio::test]
async fn variables_that_do_not_fit_are_not_found() {
    let session = session().await;
    for uri in ["books://dune/pages/forty", "parts://dune?part=index"] {
        let Err(RequestError::Remote(error)) = read(&session, uri).await else {
            panic!("{uri} must be an error");
        };
        assert_eq!(error.code.0, -32002, "{uri}");
        assert!(error.message.contains(uri), "{}", error.message);
    }
    let Err(RequestError::Remote(error)) = read(&session, "books://emma/pages/1").await else {
        panic!("an unknown book is an error");
    };
    assert_eq!(error.code.0, -32002);
}
