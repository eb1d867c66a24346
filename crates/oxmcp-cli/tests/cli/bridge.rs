//! `bridge stdio-to-http` and `bridge http-to-stdio`, driven by the CLI itself.

use serde_json::json;

use crate::support::{HttpDemo, OXMCP, oxmcp};

fn stdio_to_http(extra: &[&str], env: &[(&str, &str)]) -> HttpDemo {
    let mut args = vec!["bridge", "stdio-to-http"];
    args.extend(extra);
    args.extend(["--", OXMCP, "serve", "demo"]);
    HttpDemo::run(&args, env)
}

#[test]
fn a_stdio_server_over_http_with_a_child_per_client() {
    let bridge = stdio_to_http(&[], &[]);
    let run = oxmcp(&["inspect", &bridge.url, "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["server"]["name"], "oxmcp-everything-server");
    assert!(run.json()["tools"].as_array().unwrap().len() > 10);
    let run = oxmcp(&["call", &bridge.url, "add", "a=1", "b=2", "--json"]);
    assert_eq!(
        run.json()["structuredContent"],
        json!({"sum": 3.0}),
        "{run:?}"
    );
    // The child's requests reach this client: elicitation, sampling.
    let run = oxmcp(&["call", &bridge.url, "elicit_profile", "--decline"]);
    assert_eq!(run.stdout, "declined\n", "{run:?}");
    assert!(
        run.stderr.contains("Tell us about yourself."),
        "{}",
        run.stderr
    );
    let dir = tempfile::tempdir().unwrap();
    let reply = dir.path().join("reply.json");
    std::fs::write(
        &reply,
        r#"{"role":"assistant","content":{"type":"text","text":"via the bridge"},"model":"m"}"#,
    )
    .unwrap();
    let run = oxmcp(&[
        "call",
        &bridge.url,
        "ask_model",
        "question=q",
        "--sampling-reply",
        reply.to_str().unwrap(),
    ]);
    assert!(run.stdout.contains("via the bridge"), "{run:?}");
    // Log messages come through.
    let run = oxmcp(&[
        "call",
        &bridge.url,
        "log",
        "level=warning",
        "message=careful",
        "--log-level",
        "debug",
    ]);
    assert!(
        run.stderr.contains("[warning] everything: careful"),
        "{}",
        run.stderr
    );
    // An origin that is not loopback is refused.
    let run = oxmcp(&["ping", &bridge.url, "-H", "Origin: https://evil.example"]);
    assert_ne!(run.code, 0, "{run:?}");
}

#[test]
fn a_shared_child_hears_cancellations() {
    let bridge = stdio_to_http(&["--shared"], &[]);
    let run = oxmcp(&[
        "call",
        &bridge.url,
        "slow",
        "seconds=10",
        "--timeout",
        "500ms",
    ]);
    assert_eq!(run.code, 6, "{run:?}");
    let mut cancelled = json!(null);
    for _ in 0..50 {
        let run = oxmcp(&["call", &bridge.url, "cancelled_count", "--json"]);
        cancelled = run.json()["structuredContent"]["cancelled"].clone();
        if cancelled == 1 {
            return;
        }
        crate::support::pause(std::time::Duration::from_millis(100));
    }
    panic!("the shared child saw {cancelled} cancellations");
}

/// The host's log level holds through the bridge: its child is told it (the engine answers
/// `logging/setLevel` itself, so the bridge passes it on before the next request).
#[test]
fn the_host_log_level_reaches_its_child() {
    let bridge = stdio_to_http(&[], &[]);
    let log = |level: &str| {
        oxmcp(&[
            "call",
            &bridge.url,
            "log",
            "level=warning",
            "message=careful",
            "--log-level",
            level,
        ])
    };
    let quiet = log("error");
    assert_eq!(quiet.code, 0, "{quiet:?}");
    assert!(!quiet.stderr.contains("careful"), "{quiet:?}");
    // The child itself did not log (the tool says whether it did).
    assert!(quiet.stdout.contains("sent: false"), "{quiet:?}");
    let loud = log("debug");
    assert!(
        loud.stderr.contains("[warning] everything: careful"),
        "{loud:?}"
    );
    assert!(loud.stdout.contains("sent: true"), "{loud:?}");
}

#[test]
fn a_bearer_token_is_required_when_set() {
    let bridge = stdio_to_http(
        &["--token-env", "BRIDGE_TOKEN"],
        &[("BRIDGE_TOKEN", "tok-123")],
    );
    let run = oxmcp(&["ping", &bridge.url]);
    assert_eq!(run.code, 4, "{run:?}");
    let run = oxmcp(&["ping", &bridge.url, "-H", "Authorization: Bearer wrong"]);
    assert_eq!(run.code, 4, "{run:?}");
    let run = oxmcp(&["ping", &bridge.url, "-H", "Authorization: Bearer tok-123"]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn a_remote_server_for_a_stdio_host() {
    let demo = HttpDemo::start();
    let via = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--", OXMCP, "bridge", "http-to-stdio", &demo.url]);
        oxmcp(&all)
    };
    let run = via(&["call", "add", "a=2", "b=5", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["structuredContent"], json!({"sum": 7.0}));
    let run = via(&["read", "info://about"]);
    assert!(run.stdout.contains("everything server"), "{run:?}");
    let run = via(&["call", "progress", "steps=3"]);
    assert_eq!(run.code, 0, "{run:?}");
}
