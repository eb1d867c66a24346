//! Paths of the interop peers (installed by scripts/setup-interop), and running an SDK
//! script. Only with the `interop` feature.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn interop_cache() -> PathBuf {
    let home = std::env::var_os("HOME").expect("HOME is set");
    PathBuf::from(home).join(".cache/oxmcp/interop")
}

/// The `node_modules` of the interop cache.
pub(crate) fn interop_node_modules() -> PathBuf {
    interop_cache().join("node/node_modules")
}

/// The Python of the interop venv (the official `mcp` SDK).
pub(crate) fn python() -> PathBuf {
    let python = interop_cache().join("venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run scripts/setup-interop",
        python.display()
    );
    python
}

/// `node`, once the official TypeScript SDK is installed in the interop cache.
pub(crate) fn node() -> PathBuf {
    let sdk = interop_cache().join("node/node_modules/@modelcontextprotocol/sdk/package.json");
    assert!(
        sdk.exists(),
        "{} is missing: run scripts/setup-interop",
        sdk.display()
    );
    PathBuf::from("node")
}

/// Runs `program script args...`, which prints one JSON line per check; every check must
/// pass and at least `min_checks` must run.
pub(crate) async fn run_checks(program: PathBuf, script: &str, args: &[&str], min_checks: usize) {
    let child = tokio::process::Command::new(&program)
        .arg(repo().join(script))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("the SDK client finished within 60 s")
        .expect("the SDK client ran");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let checks: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let failed: Vec<_> = checks.iter().filter(|c| c["ok"] != true).collect();
    assert!(
        output.status.success() && failed.is_empty(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        checks.len() >= min_checks,
        "only {} checks ran:\n{stdout}",
        checks.len()
    );
}
