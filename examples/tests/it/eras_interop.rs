//! Both eras on one server process: one `everything-server http`, and against it, one after
//! another, the official SDK clients of both lines over Streamable HTTP:
//!
//! - TypeScript v1 and Python 1.x (2025-11-25: `initialize`, a session, server-to-client
//!   requests on the session's streams);
//! - TypeScript v2 and Python 2.x (2026-07-28: no `initialize`, `server/discover`, every request
//!   carrying its own version and capabilities; elicitation, sampling and roots as multi
//!   round-trip `input_required` results; `subscriptions/listen`), each both by probing
//!   (`auto`) and pinned to 2026-07-28.
//!
//! The runs alternate eras on the same process, so what one era leaves behind (sessions,
//! subscriptions, listen streams) has to leave the other alone.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use super::everything::run;
use super::interop::{cache, node_ready, python, repo};

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The Python 2.x SDK's interpreter (`scripts/setup-interop` builds its venv).
pub(crate) fn python_v2() -> String {
    let python = cache().join("venv-v2/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-interop",
        python.display()
    );
    python.to_string_lossy().into_owned()
}

/// Runs one client script; every check passes and exactly `checks` of them ran.
async fn client(program: &str, script: &str, args: &[&str], checks: usize) {
    let script = repo().join(script).to_string_lossy().into_owned();
    let mut all = vec![script.as_str()];
    all.extend_from_slice(args);
    let (ok, stdout, stderr) = run(program, &all).await;
    let passed = stdout
        .lines()
        .filter(|l| l.contains("\"ok\":true") || l.contains("\"ok\": true"))
        .count();
    let failed = stdout
        .lines()
        .any(|l| l.contains("\"ok\":false") || l.contains("\"ok\": false"));
    assert!(
        ok && !failed && passed == checks,
        "{script} {args:?}: {passed} of {checks} checks passed:\n{stdout}\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdk_clients_of_both_eras_against_one_server_process() {
    node_ready();
    let port = free_port();
    let mut server = tokio::process::Command::new(SERVER)
        .args(["http", "--port", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn everything-server http");
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(90), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("listening on") {
                return;
            }
        }
        panic!("everything-server exited before listening");
    })
    .await
    .expect("everything-server listens within 90 s");
    // Keep draining its log so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    let url = format!("http://127.0.0.1:{port}/mcp");
    let legacy_python = python().to_string_lossy().into_owned();
    let modern_python = python_v2();
    let (ts, ts_v1, ts_v2) = (
        "node",
        "interop/ts/everything-client.mjs",
        "interop/ts/modern-client.mjs",
    );
    let (py_v1, py_v2) = (
        "interop/python/everything_client.py",
        "interop/python/modern_client.py",
    );
    client(ts, ts_v1, &["--url", &url], 20).await;
    client(ts, ts_v2, &["--url", &url, "--negotiate", "pin"], 15).await;
    client(&legacy_python, py_v1, &["--url", &url], 18).await;
    client(
        &modern_python,
        py_v2,
        &["--url", &url, "--mode", "auto"],
        12,
    )
    .await;
    client(ts, ts_v2, &["--url", &url, "--negotiate", "auto"], 15).await;
    client(&modern_python, py_v2, &["--url", &url, "--mode", "pin"], 12).await;
    client(ts, ts_v1, &["--url", &url], 20).await;
}
