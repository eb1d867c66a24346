//! `McpServer` tools end to end: list, call, validation, errors, structured output,
//! changes while serving, pagination, version adaptation.

use oxmcp_core::server::McpServer;
use oxmcp_core::server::RegistrationError;
use oxmcp_core::server::tools::{ToolError, ToolNamePolicy, ToolRegistrationError, ToolRoute};
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{ErrorCode, ErrorData, ToolAnnotations};
use serde_json::json;

use crate::router_support::*;

fn server() -> McpServer {
    McpServer::builder(info())
        .tool(echo_tool("echo"))
        .tool(add_tool().with_annotations(ToolAnnotations::default().read_only(true)))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn lists_tools_with_generated_schemas() {
    let s = open(&server()).await;
    let list = s.ok("tools/list", json!({})).await;
    let tools = list["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 2);
    assert_eq!(tools[0]["name"], "echo");
    assert_eq!(tools[0]["description"], "Echoes its text.");
    assert_eq!(tools[0]["inputSchema"]["type"], "object");
    assert_eq!(tools[0]["inputSchema"]["required"], json!(["text"]));
    assert!(tools[0].get("outputSchema").is_none());
    let add = &tools[1];
    assert_eq!(add["title"], "Add");
    assert_eq!(add["annotations"]["readOnlyHint"], true);
    assert_eq!(
        add["inputSchema"]["properties"]["a"]["description"],
        "The first number."
    );
    assert!(add["inputSchema"].get("$schema").is_none());
    assert_eq!(add["outputSchema"]["type"], "object");
    assert_eq!(add["outputSchema"]["properties"]["sum"]["type"], "number");
    assert!(list.get("nextCursor").is_none());
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn calls_return_text_and_structured_content() {
    let s = open(&server()).await;
    let echo = s
        .ok("tools/call", call("echo", json!({"text": "hi"})))
        .await;
    assert_eq!(echo, json!({"content": [{"type": "text", "text": "hi"}]}));
    let add = s
        .ok("tools/call", call("add", json!({"a": 1, "b": 2.5})))
        .await;
    assert_eq!(add["structuredContent"], json!({"sum": 3.5}));
    assert_eq!(add["content"][0]["text"], r#"{"sum":3.5}"#);
    assert!(add.get("isError").is_none());
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn invalid_arguments_are_a_tool_error_that_says_what_is_wrong() {
    let s = open(&server()).await;
    let r = s.ok("tools/call", call("add", json!({"a": "one"}))).await;
    assert_eq!(r["isError"], true);
    let text = r["content"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("invalid arguments for tool `add`: "),
        "{text}"
    );
    assert!(
        text.contains(r#"at /a: "one" is not of type "number""#),
        "{text}"
    );
    assert!(text.contains(r#""b" is a required property"#), "{text}");
    // Absent arguments are an empty object.
    let r = s.ok("tools/call", json!({"name": "echo"})).await;
    assert_eq!(r["isError"], true);
    assert!(
        r["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("\"text\" is a required property")
    );
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn unknown_tools_and_bad_params_are_protocol_errors() {
    let s = open(&server()).await;
    let e = s
        .err(
            "tools/call",
            call("nope", json!({})),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    assert_eq!(e["message"], "unknown tool: nope");
    s.err(
        "tools/call",
        json!({"arguments": {}}),
        ErrorCode::INVALID_PARAMS,
    )
    .await;
    // This server declares no task support: a `task` is ignored and the call runs normally.
    let answer = s
        .ok(
            "tools/call",
            json!({"name": "echo", "arguments": {"text": "x"}, "task": {"ttl": 1000}}),
        )
        .await;
    assert_eq!(answer["content"][0]["text"], "x");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn tool_errors_and_protocol_errors_from_handlers() {
    let server = server();
    let needs_auth = ToolRoute::new("connect", |_: EchoArgs, _cx| async move {
        let data = json!({"elicitations": [{"mode": "url", "elicitationId": "e1",
            "url": "https://example.com/auth", "message": "Authorize"}]});
        Err::<String, ToolError>(
            ErrorData::new(
                ErrorCode::URL_ELICITATION_REQUIRED,
                "authorization required",
            )
            .with_data(data)
            .into(),
        )
    });
    server.add_tool(needs_auth).unwrap();
    let s = open(&server).await;
    let r = s
        .ok("tools/call", call("add", json!({"a": -1, "b": 2})))
        .await;
    assert_eq!(r["isError"], true);
    assert_eq!(
        r["content"][0]["text"],
        "negative numbers are not supported"
    );
    let e = s
        .err(
            "tools/call",
            call("connect", json!({"text": ""})),
            ErrorCode::URL_ELICITATION_REQUIRED,
        )
        .await;
    assert_eq!(e["data"]["elicitations"][0]["elicitationId"], "e1");
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn names_are_unique_and_checked() {
    let server = server();
    assert_eq!(
        server.add_tool(echo_tool("echo")),
        Err(ToolRegistrationError::Duplicate("echo".to_owned()))
    );
    // Warn (the default) registers a name that breaks the rule; Refuse does not.
    server.add_tool(echo_tool("say hello")).unwrap();
    let strict = McpServer::builder(info())
        .tool_name_policy(ToolNamePolicy::Refuse)
        .tool(echo_tool("say hello"))
        .build();
    assert!(matches!(
        strict,
        Err(RegistrationError::Tool(
            ToolRegistrationError::InvalidName { .. }
        ))
    ));
    let too_long = "x".repeat(129);
    assert!(
        McpServer::builder(info())
            .tool_name_policy(ToolNamePolicy::Refuse)
            .tool(echo_tool(&too_long))
            .build()
            .is_err()
    );
    // A batch with a duplicate inside registers nothing.
    let before = server.tool_names();
    assert!(
        server
            .add_tools([echo_tool("x1"), echo_tool("x1")])
            .is_err()
    );
    assert_eq!(server.tool_names(), before);
}

#[tokio::test(start_paused = true)]
async fn adding_and_removing_tools_notifies_every_session() {
    let server = McpServer::builder(info()).declare_tools().build().unwrap();
    let one = open(&server).await;
    let two = open(&server).await;
    assert_eq!(server.session_count(), 2);
    assert_eq!(one.ok("tools/list", json!({})).await["tools"], json!([]));
    server.add_tool(echo_tool("echo")).unwrap();
    one.notification("notifications/tools/list_changed").await;
    two.notification("notifications/tools/list_changed").await;
    assert_eq!(
        two.ok("tools/list", json!({})).await["tools"][0]["name"],
        "echo"
    );
    assert!(server.remove_tool("echo"));
    assert!(!server.remove_tool("echo"));
    one.notification("notifications/tools/list_changed").await;
    two.notification("notifications/tools/list_changed").await;
    one.err(
        "tools/call",
        call("echo", json!({"text": "x"})),
        ErrorCode::INVALID_PARAMS,
    )
    .await;
    two.close().await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(server.session_count(), 1, "ended sessions are forgotten");
    one.close().await;
}

#[tokio::test(start_paused = true)]
async fn pages_of_two_with_tamper_proof_cursors() {
    let server = McpServer::builder(info())
        .page_size(2)
        .declare_prompts()
        .build()
        .unwrap();
    server
        .add_tools((1..=5).map(|i| echo_tool(&format!("t{i}"))))
        .unwrap();
    let s = open(&server).await;
    let mut names = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let params = match &cursor {
            Some(c) => json!({"cursor": c}),
            None => json!({}),
        };
        let page = s.ok("tools/list", params).await;
        pages += 1;
        for t in page["tools"].as_array().unwrap() {
            names.push(t["name"].as_str().unwrap().to_owned());
        }
        match page.get("nextCursor") {
            Some(c) => cursor = Some(c.as_str().unwrap().to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["t1", "t2", "t3", "t4", "t5"]);

    let first = s.ok("tools/list", json!({})).await;
    let good = first["nextCursor"].as_str().unwrap().to_owned();
    let mut tampered = good.clone().into_bytes();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let e = s
        .err(
            "tools/list",
            json!({"cursor": tampered}),
            ErrorCode::INVALID_PARAMS,
        )
        .await;
    assert!(
        e["message"].as_str().unwrap().starts_with("invalid cursor"),
        "{e}"
    );
    s.err(
        "tools/list",
        json!({"cursor": "garbage"}),
        ErrorCode::INVALID_PARAMS,
    )
    .await;
    // A tools cursor is not a prompts cursor.
    s.err(
        "prompts/list",
        json!({"cursor": good}),
        ErrorCode::INVALID_PARAMS,
    )
    .await;
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn task_required_tools_need_a_task() {
    let server = McpServer::builder(info())
        .tool(echo_tool("slow").with_task_support(TaskSupport::Required))
        .build()
        .unwrap();
    let s = open(&server).await;
    let listed = s.ok("tools/list", json!({})).await;
    assert_eq!(listed["tools"][0]["execution"]["taskSupport"], "required");
    s.err(
        "tools/call",
        call("slow", json!({"text": "x"})),
        ErrorCode::METHOD_NOT_FOUND,
    )
    .await;
    s.close().await;
}

#[tokio::test(start_paused = true)]
async fn results_are_adapted_to_the_negotiated_version() {
    let server = server();
    let mut old = open_raw(&server, "2025-03-26").await;
    old.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}))
        .await;
    let answer = old.recv().await;
    let result = &answer["result"];
    assert!(result.get("structuredContent").is_none(), "{answer}");
    assert_eq!(result["content"][0]["text"], r#"{"sum":5.0}"#);
    old.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}))
        .await;
    let answer = old.recv().await;
    let add = &answer["result"]["tools"][1];
    assert!(add.get("outputSchema").is_none(), "{answer}");
    assert!(add.get("title").is_none(), "{answer}");
    assert_eq!(
        add["annotations"]["readOnlyHint"], true,
        "annotations exist in 2025-03-26"
    );

    let mut new = open_raw(&server, "2025-11-25").await;
    new.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 3}}}))
        .await;
    assert_eq!(
        new.recv().await["result"]["structuredContent"],
        json!({"sum": 5.0})
    );
}
