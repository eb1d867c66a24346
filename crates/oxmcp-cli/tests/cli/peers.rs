//! The binary against peers nobody here wrote (behind the `interop` feature; the peers come
//! from scripts/setup-interop's cache): the official TypeScript everything server as a target
//! over stdio and Streamable HTTP, and the official TypeScript and Python SDK clients through
//! `bridge stdio-to-http`.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{HttpDemo, OXMCP, closed_port, oxmcp};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cache() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is set");
    PathBuf::from(home).join(".cache/oxmcp/interop")
}

fn installed(path: &std::path::Path) -> String {
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-interop",
        path.display()
    );
    path.to_string_lossy().into_owned()
}

/// The official everything server's entry point.
fn reference_server() -> String {
    installed(
        &cache().join("node/node_modules/@modelcontextprotocol/server-everything/dist/index.js"),
    )
}

/// `ARGS -- node <reference server> stdio`.
fn against_stdio<'a>(args: &[&'a str], entry: &'a str) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--", "node", entry, "stdio"]);
    all
}

/// The official everything server in its Streamable HTTP mode on 127.0.0.1, stopped when
/// dropped. (It listens on every interface by itself; the preload binds it to loopback.)
struct Reference {
    child: Child,
    url: String,
}

impl Reference {
    fn start() -> Self {
        let port = closed_port();
        let preload = format!(
            "--import={}",
            repo().join("conformance/bind-loopback.mjs").display()
        );
        let mut child = Command::new("node")
            .arg(preload)
            .arg(reference_server())
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("node runs");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            assert!(
                Instant::now() < deadline,
                "the reference server did not start"
            );
            let line = lines.next().expect("a line").expect("readable");
            if line.contains("listening on port") {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Self {
            child,
            url: format!("http://127.0.0.1:{port}/mcp"),
        }
    }
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|item| item["name"].as_str())
        .collect()
}

/// What every transport must show of the reference server.
fn uses_the_reference_server(target: &dyn Fn(&[&str]) -> crate::support::Run) {
    let inspect = target(&["inspect", "--json"]);
    assert_eq!(inspect.code, 0, "{inspect:?}");
    let inspect = inspect.json();
    assert_eq!(inspect["server"]["name"], "mcp-servers/everything");
    let tools = names(&inspect["tools"]);
    for tool in [
        "echo",
        "get-sum",
        "get-structured-content",
        "trigger-long-running-operation",
    ] {
        assert!(tools.contains(&tool), "{tool} missing from {tools:?}");
    }
    assert!(names(&inspect["prompts"]).contains(&"args-prompt"));
    assert!(
        inspect["resourceTemplates"]
            .as_array()
            .expect("templates")
            .iter()
            .any(|t| t["uriTemplate"] == "demo://resource/dynamic/text/{resourceId}")
    );

    let echo = target(&["call", "--json", "echo", "message=hi"]).json();
    assert_eq!(echo["content"][0]["text"], "Echo: hi");
    let sum = target(&["call", "--json", "get-sum", "a:=2", "b:=3"]).json();
    assert_eq!(sum["content"][0]["text"], "The sum of 2 and 3 is 5.");
    let weather = target(&[
        "call",
        "--json",
        "get-structured-content",
        "location=Chicago",
    ])
    .json();
    assert!(
        weather["structuredContent"]["temperature"].is_number(),
        "{weather}"
    );
    let slow = target(&[
        "call",
        "--json",
        "trigger-long-running-operation",
        "duration:=1",
        "steps:=2",
    ]);
    assert_eq!(slow.code, 0, "{slow:?}");
    assert!(
        slow.stdout.contains("Long running operation completed"),
        "{slow:?}"
    );

    let read = target(&["read", "--json", "demo://resource/dynamic/text/7"]).json();
    assert_eq!(read["contents"][0]["uri"], "demo://resource/dynamic/text/7");
    let prompt = target(&["prompt", "--json", "args-prompt", "city=Paris", "state=TX"]).json();
    assert_eq!(
        prompt["messages"][0]["content"]["text"],
        "What's weather in Paris, TX?"
    );
    let complete = target(&[
        "complete",
        "--json",
        "prompt:completable-prompt",
        "department",
        "E",
    ])
    .json();
    assert_eq!(complete["completion"]["values"][0], "Engineering");
    assert_eq!(target(&["ping", "--json"]).json()["ok"], true);

    // A form elicitation with a required field and no default: declined for a script.
    let asked = target(&["call", "--json", "--decline", "trigger-elicitation-request"]);
    assert_eq!(asked.code, 0, "{asked:?}");
    assert!(asked.stdout.contains("decline"), "{asked:?}");
    // Usage errors are caught before anything is sent, with the server's own list.
    let unknown = target(&["call", "--json", "no-such-tool"]);
    assert_eq!(unknown.code, 2, "{unknown:?}");
    assert_eq!(unknown.json_error()["error"]["kind"], "usage");
    let typed = target(&["call", "--json", "get-sum", "a=x", "b:=1"]);
    assert_eq!(typed.code, 2, "{typed:?}");
}

#[test]
fn the_reference_server_over_stdio() {
    let entry = reference_server();
    uses_the_reference_server(&|args| oxmcp(&against_stdio(args, &entry)));
}

#[test]
fn the_reference_server_over_http() {
    let server = Reference::start();
    uses_the_reference_server(&|args| {
        let mut all = vec![args[0], server.url.as_str()];
        all.extend(&args[1..]);
        oxmcp(&all)
    });
    let bench = oxmcp(&[
        "bench",
        &server.url,
        "--tool",
        "get-sum",
        "--args",
        r#"{"a":1,"b":2}"#,
        "-c",
        "2",
        "--duration",
        "1s",
        "--json",
    ]);
    assert_eq!(bench.code, 0, "{bench:?}");
    let bench = bench.json();
    assert!(bench["calls"].as_u64().unwrap_or(0) > 0, "{bench}");
    assert_eq!(bench["errors"], 0, "{bench}");
}

/// Runs an official SDK's everything client (`interop/`) against `oxmcp serve demo` behind
/// `bridge stdio-to-http`: every check must pass, sampling, elicitation and roots included
/// (each answered by the SDK client through the bridge).
fn sdk_client_through_the_bridge(program: &str, script: &str, checks: usize) {
    let bridge = HttpDemo::run(
        &["bridge", "stdio-to-http", "--", OXMCP, "serve", "demo"],
        &[],
    );
    let output = Command::new(program)
        .arg(repo().join(script))
        .args(["--url", &bridge.url])
        .stdin(Stdio::null())
        .output()
        .expect("the SDK client runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failed = stdout
        .lines()
        .filter(|l| l.contains("\"ok\":false") || l.contains("\"ok\": false"))
        .count();
    assert!(
        output.status.success() && failed == 0,
        "{script} through the bridge:\n{stdout}\n{stderr}"
    );
    let passed = stdout
        .lines()
        .filter(|l| l.contains("\"ok\":true") || l.contains("\"ok\": true"))
        .count();
    assert_eq!(passed, checks, "{script}:\n{stdout}");
}

#[test]
fn the_typescript_sdk_client_through_the_bridge() {
    installed(&cache().join("node/node_modules/@modelcontextprotocol/sdk/package.json"));
    sdk_client_through_the_bridge("node", "interop/ts/everything-client.mjs", 20);
}

#[test]
fn the_python_sdk_client_through_the_bridge() {
    let python = installed(&cache().join("venv/bin/python"));
    sdk_client_through_the_bridge(&python, "interop/python/everything_client.py", 18);
}
