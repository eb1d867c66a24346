//! Plain `fn` tools, `?` on any error type, and `#[schema]` types: a tool server that needs
//! no other crate than `oxmcp`.

use std::sync::Arc;

use oxmcp::prelude::*;
use serde_json::json;

use crate::macro_support::open;

/// What `stat` answers.
#[schema(serialize)]
#[serde(rename_all = "camelCase")]
struct FileStat {
    byte_len: u64,
}

/// Arguments of `parse`.
#[schema(deserialize)]
struct ParseArgs {
    /// A number, as text.
    text: String,
}

struct Files;

#[tool_router]
impl Files {
    /// The length of a file, from a plain `fn`; an `std::io::Error` goes through `?`.
    #[tool]
    fn stat(&self, path: String) -> Result<Json<FileStat>, ToolError> {
        let metadata = std::fs::metadata(path)?;
        Ok(Json(FileStat {
            byte_len: metadata.len(),
        }))
    }

    /// Parses a number; a `ParseIntError` goes through `?`.
    #[tool]
    fn parse(ParseArgs { text }: ParseArgs) -> Result<String, ToolError> {
        let n: i64 = text.trim().parse()?;
        Ok((n * 2).to_string())
    }

    /// An `anyhow::Error` with context goes through `?` as well.
    #[tool]
    async fn load(&self, name: String) -> Result<String, ToolError> {
        let text = std::fs::read_to_string(&name)
            .map_err(anyhow::Error::from)
            .map_err(|e| e.context(format!("loading {name}")))?;
        Ok(text)
    }
}

#[tokio::test]
async fn plain_fn_tools_and_question_marks() {
    let session = open(Arc::new(Files).tool_routes()).await;
    let tools = session.tools().await;
    let byte_len = &tools["stat"]["outputSchema"]["properties"]["byteLen"];
    assert_eq!(byte_len["minimum"], 0);
    assert!(byte_len.get("format").is_none(), "{byte_len}");

    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let stat = session.call("stat", json!({ "path": manifest })).await;
    assert!(stat["structuredContent"]["byteLen"].as_u64().unwrap() > 0);
    let missing = session
        .call("stat", json!({ "path": "/no/such/file" }))
        .await;
    assert_eq!(missing["isError"], true);
    assert!(
        missing["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("No such file"),
        "{missing}"
    );

    assert_eq!(
        session.call("parse", json!({"text": "21"})).await["content"][0]["text"],
        "42"
    );
    let bad = session.call("parse", json!({"text": "x"})).await;
    assert_eq!(bad["isError"], true);
    assert_eq!(bad["content"][0]["text"], "invalid digit found in string");

    let load = session.call("load", json!({"name": "/no/such/file"})).await;
    assert_eq!(load["isError"], true);
    let text = load["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("loading /no/such/file: No such file"),
        "{text}"
    );
}
