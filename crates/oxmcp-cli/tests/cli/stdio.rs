//! Over stdio: `-- oxmcp serve demo`.

use serde_json::json;

use crate::support::{oxmcp, with_demo};

#[test]
fn tools_json_lists_every_tool_with_its_schema() {
    let run = oxmcp(&with_demo(&["tools", "--json"]));
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    let tools = doc["tools"].as_array().expect("tools array");
    let add = tools.iter().find(|t| t["name"] == "add").expect("add");
    assert_eq!(add["inputSchema"]["type"], "object");
    assert_eq!(add["inputSchema"]["properties"]["a"]["type"], "number");
    assert!(tools.iter().any(|t| t["name"] == "echo"));
    assert_eq!(doc.as_object().unwrap().len(), 1, "one key: tools");
}

#[test]
fn tools_human_is_a_table() {
    let run = oxmcp(&with_demo(&["tools"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("add(a: number*, b: number*)") && l.contains("Adds")),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\x1b'), "no colour off a terminal");
}

#[test]
fn call_types_arguments_by_the_schema() {
    let run = oxmcp(&with_demo(&["call", "add", "a=1", "b=2.5", "--json"]));
    assert_eq!(run.code, 0, "{run:?}");
    let result = run.json();
    assert_eq!(result["structuredContent"], json!({"sum": 3.5}));
    assert_eq!(result["content"][0]["type"], "text");
    assert!(result.get("isError").is_none());

    let run = oxmcp(&with_demo(&["call", "echo", "text=42"]));
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "42\n"),
        "a string stays a string: {run:?}"
    );

    let run = oxmcp(&with_demo(&[
        "call",
        "add",
        "--args",
        r#"{"a": 2}"#,
        "b=3",
        "--json",
    ]));
    assert_eq!(run.json()["structuredContent"]["sum"], 5.0, "{run:?}");
}

#[test]
fn a_tool_error_exits_1_with_the_result() {
    let run = oxmcp(&with_demo(&[
        "call",
        "failing_task",
        "reason=boom",
        "--json",
    ]));
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.json()["isError"], true);
    assert_eq!(run.json()["content"][0]["text"], "boom");
    let run = oxmcp(&with_demo(&["call", "failing_task", "reason=boom"]));
    assert_eq!((run.code, run.stdout.as_str()), (1, "boom\n"));
}

#[test]
fn inspect_shows_everything() {
    let run = oxmcp(&with_demo(&["inspect", "--json"]));
    assert_eq!(run.code, 0, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["server"]["name"], "oxmcp-everything-server");
    assert_eq!(doc["protocolVersion"], "2025-11-25");
    assert!(doc["capabilities"]["tools"].is_object());
    assert!(doc["instructions"].as_str().unwrap().contains("echo"));
    for (key, some) in [
        ("tools", "echo"),
        ("resources", "about"),
        ("resourceTemplates", "note"),
        ("prompts", "greet"),
    ] {
        let items = doc[key].as_array().unwrap_or_else(|| panic!("{key}"));
        assert!(
            items.iter().any(|i| i["name"] == some),
            "{key} lacks {some}"
        );
    }
    let human = oxmcp(&with_demo(&["inspect"]));
    assert!(
        human
            .stdout
            .starts_with("oxmcp-everything-server 0.1.0 (protocol 2025-11-25)\n"),
        "{}",
        human.stdout
    );
}

#[test]
fn an_older_protocol_version_is_asked_for() {
    let run = oxmcp(&with_demo(&[
        "inspect",
        "--json",
        "--protocol-version",
        "2025-06-18",
    ]));
    assert_eq!(run.json()["protocolVersion"], "2025-06-18", "{run:?}");
}

#[test]
fn read_prompt_complete_ping() {
    let run = oxmcp(&with_demo(&["read", "info://about", "--json"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["contents"][0]["uri"], "info://about");
    let run = oxmcp(&with_demo(&["prompt", "greet", "name=Ada", "--json"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.json()["messages"][0]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("Ada")
    );
    let run = oxmcp(&with_demo(&[
        "complete",
        "prompt:code_review",
        "language",
        "py",
        "--json",
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.json()["completion"]["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "python"),
        "{}",
        run.stdout
    );
    let run = oxmcp(&with_demo(&["ping", "--json"]));
    assert_eq!(run.json()["ok"], true, "{run:?}");
}

#[test]
fn completion_context_arguments() {
    let run = oxmcp(&with_demo(&[
        "complete",
        "prompt:code_review",
        "framework",
        "language=rust",
    ]));
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "axum\nactix-web\ntokio\n"),
        "{run:?}"
    );
}

#[test]
fn a_call_as_a_task_shows_its_status_and_result() {
    let run = oxmcp(&with_demo(&[
        "call",
        "long_running",
        "seconds=0.5",
        "--task",
        "--json",
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.json()["content"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("worked for"),
        "{run:?}"
    );
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("task "))
        .collect();
    assert!(
        lines.first().is_some_and(|l| l.ends_with(": working")),
        "{lines:?}"
    );
    assert!(
        lines.last().is_some_and(|l| l.ends_with(": completed")),
        "{lines:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.ends_with(": working")).count(),
        1,
        "{lines:?}"
    );

    let run = oxmcp(&with_demo(&[
        "call",
        "failing_task",
        "reason=bad",
        "--task",
    ]));
    assert_eq!((run.code, run.stdout.as_str()), (1, "bad\n"), "{run:?}");
    assert!(run.stderr.contains(": failed"), "{}", run.stderr);
    let run = oxmcp(&with_demo(&["call", "echo", "text=x", "--task"]));
    assert_eq!(run.code, 2, "echo forbids tasks: {run:?}");
}

#[test]
fn tasks_commands() {
    let run = oxmcp(&with_demo(&["tasks", "list", "--json"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json(), json!({"tasks": []}));
    let run = oxmcp(&with_demo(&["tasks", "get", "no-such-task", "--json"]));
    assert_eq!(run.code, 5, "{run:?}");
    assert_eq!(run.json_error()["error"]["code"], -32602);
    let run = oxmcp(&with_demo(&["tasks", "get"]));
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn a_mock_server_from_json_and_toml() {
    let dir = tempfile::tempdir().unwrap();
    let json_file = dir.path().join("mock.json");
    std::fs::write(
        &json_file,
        json!({
            "server": {"name": "weather-mock", "version": "2.0"},
            "tools": [
                {"name": "forecast", "description": "The forecast.", "text": "Sunny in {{city}}",
                 "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
                {"name": "broken", "result": {"content": [{"type": "text", "text": "no {{x}}"}], "isError": true}}
            ],
            "resources": [{"uri": "file:///readme", "name": "readme", "mimeType": "text/plain", "text": "Hello"}],
            "prompts": [{"name": "greet", "arguments": [{"name": "who", "required": true}], "text": "Say hello to {{who}}"}]
        })
        .to_string(),
    )
    .unwrap();
    let mock = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend([
            "--",
            crate::support::OXMCP,
            "serve",
            "mock",
            json_file.to_str().unwrap(),
        ]);
        oxmcp(&all)
    };
    let run = mock(&["inspect", "--json"]);
    assert_eq!(run.json()["server"]["name"], "weather-mock", "{run:?}");
    assert_eq!(run.json()["tools"][0]["name"], "forecast");
    assert_eq!(
        mock(&["call", "forecast", "city=Oslo"]).stdout,
        "Sunny in Oslo\n"
    );
    let run = mock(&["call", "broken", "x=1"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, "no 1\n"), "{run:?}");
    assert_eq!(mock(&["read", "file:///readme"]).stdout, "Hello\n");
    let run = mock(&["prompt", "greet", "who=Ada", "--json"]);
    assert_eq!(
        run.json()["messages"][0]["content"]["text"],
        "Say hello to Ada",
        "{run:?}"
    );

    let toml_file = dir.path().join("mock.toml");
    std::fs::write(
        &toml_file,
        "[[tools]]\nname = \"ping_me\"\ntext = \"pong\"\n",
    )
    .unwrap();
    let run = oxmcp(&[
        "call",
        "ping_me",
        "--",
        crate::support::OXMCP,
        "serve",
        "mock",
        toml_file.to_str().unwrap(),
    ]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "pong\n"), "{run:?}");

    // A broken file: the server exits at once with the reason on stderr.
    std::fs::write(&toml_file, "[[tools]]\nname = \"x\"\n").unwrap();
    let run = oxmcp(&["serve", "mock", toml_file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr.contains("neither `result` nor `text`"),
        "{}",
        run.stderr
    );
}

#[test]
fn bench_measures_calls_latency_and_server_memory() {
    let run = oxmcp(&with_demo(&[
        "bench",
        "--tool",
        "echo",
        "--args",
        r#"{"text":"x"}"#,
        "-c",
        "4",
        "--duration",
        "1s",
        "--json",
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert!(report["ok"].as_u64().unwrap() > 10, "{report}");
    assert_eq!(report["errors"], 0);
    assert_eq!(report["concurrency"], 4);
    let (p50, p99) = (
        report["latencyMs"]["p50"].as_f64().unwrap(),
        report["latencyMs"]["p99"].as_f64().unwrap(),
    );
    assert!(p50 > 0.0 && p50 <= p99, "{report}");
    if cfg!(target_os = "linux") {
        assert!(
            report["serverRssBytes"].as_u64().unwrap() > 1 << 20,
            "{report}"
        );
    }
    let run = oxmcp(&with_demo(&[
        "bench",
        "--tool",
        "add",
        "--args",
        r#"{"a":1}"#,
        "-c",
        "1",
        "--duration",
        "300ms",
        "--json",
    ]));
    assert_eq!(run.code, 1, "every call was a tool error: {run:?}");
    assert!(run.json()["toolErrors"].as_u64().unwrap() > 0);
    let run = oxmcp(&with_demo(&["bench", "--tool", "nope", "--duration", "1s"]));
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn version_help_and_completions() {
    let run = oxmcp(&["--version"]);
    assert_eq!(
        (run.code, run.stdout.trim()),
        (0, concat!("oxmcp ", env!("CARGO_PKG_VERSION")))
    );
    let run = oxmcp(&["call", "--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("Examples:") && run.stdout.contains("oxmcp call my-server add a=1 b=2"),
        "{}",
        run.stdout
    );
    for shell in ["bash", "zsh", "fish"] {
        let run = oxmcp(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("oxmcp") && run.stdout.contains("inspect"),
            "{shell}"
        );
    }
}
