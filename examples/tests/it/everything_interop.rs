//! Interop of the everything examples over stdio: the official TypeScript and Python SDK
//! clients against `everything-server stdio` (answering its sampling, elicitation and roots
//! requests), and `everything-client` against the official TypeScript everything server
//! (npm `@modelcontextprotocol/server-everything`).

use std::path::PathBuf;

use super::everything::run;
use super::interop::{cache, node_ready, python, repo};

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_everything-client");

/// Runs an SDK everything client against `everything-server stdio`: every check must pass.
async fn sdk_client(program: PathBuf, script: &str, checks: usize) {
    let program = program.to_string_lossy().into_owned();
    let script = repo().join(script).to_string_lossy().into_owned();
    let (ok, stdout, stderr) = run(&program, &[&script, "--", SERVER, "stdio"]).await;
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"ok\":false") || l.contains("\"ok\": false"))
        .collect();
    assert!(
        ok && failed.is_empty(),
        "{script} failed:\n{stdout}\n{stderr}"
    );
    let passed = stdout
        .lines()
        .filter(|l| l.contains("\"ok\":true") || l.contains("\"ok\": true"))
        .count();
    assert_eq!(passed, checks, "{script}:\n{stdout}");
    for check in [
        "sampling_with_tools",
        "elicitation_form",
        "elicitation_url",
        "url_elicitation_required",
        "roots",
    ] {
        assert!(
            stdout.contains(&format!("\"check\":\"{check}\""))
                || stdout.contains(&format!("\"check\": \"{check}\"")),
            "{check} missing:\n{stdout}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_sdk_everything_client_against_everything_server() {
    node_ready();
    sdk_client(
        PathBuf::from("node"),
        "interop/ts/everything-client.mjs",
        20,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_everything_client_against_everything_server() {
    sdk_client(python(), "interop/python/everything_client.py", 18).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_client_against_typescript_everything_server() {
    node_ready();
    let index =
        cache().join("node/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    assert!(
        index.exists(),
        "{} is missing: run scripts/setup-interop",
        index.display()
    );
    let index = index.to_string_lossy().into_owned();
    let (ok, stdout, stderr) = run(CLIENT, &["--", "node", &index, "stdio"]).await;
    assert!(
        ok,
        "everything-client against the reference server failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("initialized: mcp-servers/everything"),
        "{stdout}"
    );
    for check in [
        "expected tools",
        "tools/call echo",
        "tools/call get-sum",
        "structured content",
        "progress",
        "logging",
        "sampling",
        "elicitation (form)",
        "elicitation (url)",
        "url elicitation -32042",
        "roots",
        "resources/read",
        "resource subscriptions",
        "prompts/get",
        "completion/complete",
        "task: research query",
        "task: clarification",
        "task: sampling (receiver)",
        "task: elicitation (receiver)",
    ] {
        let line = format!("[ok  ] {check:<26}");
        assert!(stdout.contains(&line), "no `{line}` in:\n{stdout}");
    }
    assert!(stdout.contains("24 checks, 0 failed"), "{stdout}");
}
