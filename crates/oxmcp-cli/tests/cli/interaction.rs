//! What the server asks of the person: elicitation, sampling, roots; and what it shows:
//! log messages.

use crate::support::{oxmcp, with_demo};

#[test]
fn form_elicitation_without_a_terminal_is_declined() {
    let run = oxmcp(&with_demo(&["call", "elicit_profile"]));
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "declined\n"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains("asks: Tell us about yourself."),
        "{}",
        run.stderr
    );
    let run = oxmcp(&with_demo(&["call", "elicit_profile", "--decline"]));
    assert_eq!(run.stdout, "declined\n");
    // --yes accepts defaults only; a required field without one is declined.
    let run = oxmcp(&with_demo(&["call", "elicit_profile", "--yes"]));
    assert_eq!(run.stdout, "declined\n");
    assert!(run.stderr.contains("required field"), "{}", run.stderr);
}

#[test]
fn url_elicitation_shows_the_domain_and_is_declined_unasked() {
    let run = oxmcp(&with_demo(&["call", "elicit_url", "--yes"]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("decline"), "{run:?}");
    assert!(
        run.stderr
            .contains("URL:    https://example.com/authorize/"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("domain: example.com"), "{}", run.stderr);
    // A -32042 whose URL was not opened: the call cannot go on.
    let run = oxmcp(&with_demo(&["call", "connect_account", "--json"]));
    assert_eq!(run.code, 4, "{run:?}");
}

#[test]
fn sampling_is_refused_unless_a_reply_file_is_given() {
    let run = oxmcp(&with_demo(&["call", "ask_model", "question=why"]));
    assert!(
        run.stdout
            .contains("did not declare the `sampling` capability"),
        "{run:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let reply = dir.path().join("reply.json");
    std::fs::write(
        &reply,
        r#"{"role":"assistant","content":{"type":"text","text":"forty-two"},"model":"canned"}"#,
    )
    .unwrap();
    let run = oxmcp(&with_demo(&[
        "call",
        "ask_model",
        "question=why",
        "--sampling-reply",
        reply.to_str().unwrap(),
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("forty-two"), "{run:?}");
    std::fs::write(&reply, "{}").unwrap();
    let run = oxmcp(&with_demo(&[
        "call",
        "ask_model",
        "question=why",
        "--sampling-reply",
        reply.to_str().unwrap(),
    ]));
    assert_eq!(run.code, 2, "a bad reply file is a usage error: {run:?}");
}

#[test]
fn roots_are_offered() {
    let dir = tempfile::tempdir().unwrap();
    let run = oxmcp(&with_demo(&[
        "call",
        "list_roots",
        "--root",
        dir.path().to_str().unwrap(),
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    let canonical = std::fs::canonicalize(dir.path()).unwrap();
    assert!(
        run.stdout
            .contains(&format!("file://{}/", canonical.display())),
        "{run:?}"
    );
}

#[test]
fn log_messages_go_to_stderr_with_their_level() {
    let run = oxmcp(&with_demo(&[
        "call",
        "log",
        "level=warning",
        "message=careful",
        "--log-level",
        "debug",
        "--json",
    ]));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stderr.contains("[warning] everything: careful"),
        "{}",
        run.stderr
    );
    run.json();
}
