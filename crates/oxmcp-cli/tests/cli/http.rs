//! Over Streamable HTTP on 127.0.0.1 (`oxmcp serve demo --http 0`), and server names from
//! host config files.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{HttpDemo, OXMCP, oxmcp, pause};

#[test]
fn the_same_commands_over_http() {
    let demo = HttpDemo::start();
    let run = oxmcp(&["inspect", &demo.url, "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["server"]["name"], "oxmcp-everything-server");
    let run = oxmcp(&["call", &demo.url, "add", "a=2", "b=2", "--json"]);
    assert_eq!(
        run.json()["structuredContent"],
        json!({"sum": 4.0}),
        "{run:?}"
    );
    let run = oxmcp(&["read", &demo.url, "info://about"]);
    assert!(run.stdout.contains("everything server"), "{run:?}");
    let run = oxmcp(&["call", &demo.url, "progress", "steps=3"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn the_era_is_chosen_with_era() {
    let demo = HttpDemo::start();
    for (era, version) in [
        ("legacy", "2025-11-25"),
        ("modern", "2026-07-28"),
        ("auto", "2026-07-28"),
    ] {
        let run = oxmcp(&["inspect", &demo.url, "--json", "--era", era]);
        assert_eq!(run.code, 0, "{era}: {run:?}");
        assert_eq!(run.json()["protocolVersion"], version, "{era}: {run:?}");
        let run = oxmcp(&[
            "call", &demo.url, "add", "a=2", "b=3", "--json", "--era", era,
        ]);
        assert_eq!(
            run.json()["structuredContent"],
            json!({"sum": 5.0}),
            "{era}: {run:?}"
        );
    }
    let run = oxmcp(&["inspect", &demo.url, "--era", "sideways"]);
    assert_eq!(run.code, 2, "{run:?}");
}

#[test]
fn ctrl_c_cancels_the_call_and_exits_130() {
    let demo = HttpDemo::start();
    let child = Command::new(OXMCP)
        .args(["call", &demo.url, "slow", "seconds=30"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    pause(Duration::from_millis(1500));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let output = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(output.status.code(), Some(130), "{output:?}");
    // The server saw `notifications/cancelled`.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let run = oxmcp(&["call", &demo.url, "cancelled_count", "--json"]);
        if run.json()["structuredContent"]["cancelled"] == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the call was not cancelled: {run:?}"
        );
        pause(Duration::from_millis(200));
    }
}

#[test]
fn server_names_from_host_config_files() {
    let demo = HttpDemo::start();
    let dir = tempfile::tempdir().unwrap();
    let claude = dir.path().join("claude_desktop_config.json");
    std::fs::write(
        &claude,
        json!({"mcpServers": {"local": {"command": OXMCP, "args": ["serve", "demo"], "env": {"SECRET": "hidden-value"}}}}).to_string(),
    )
    .unwrap();
    let vscode = dir.path().join("mcp.json");
    std::fs::write(
        &vscode,
        format!("{{\n // VS Code style\n \"servers\": {{\"remote\": {{\"type\": \"http\", \"url\": \"{}\",}}}}\n}}", demo.url),
    )
    .unwrap();
    let (c, v) = (claude.to_str().unwrap(), vscode.to_str().unwrap());
    let run = oxmcp(&["tools", "local", "--config", c, "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.json()["tools"].as_array().unwrap().len() > 5);
    let run = oxmcp(&["ping", "remote", "--config", c, "--config", v]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = oxmcp(&["servers", "--config", c, "--config", v, "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let servers = run.json()["servers"].clone();
    assert_eq!(servers[0]["name"], "local");
    assert_eq!(servers[0]["envKeys"], json!(["SECRET"]));
    assert_eq!(
        servers[1],
        json!({"name": "remote", "type": "http", "url": demo.url, "headerNames": [], "file": v})
    );
    assert!(
        !run.stdout.contains("hidden-value"),
        "env values are never printed"
    );
}
