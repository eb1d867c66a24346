//! Real child processes. Children are Python programs (`python3 -c`), never a shell.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::*;
use crate::transport::{
    Frame, OutboundMessage, Route, Transport, TransportError, TransportReader, TransportWriter,
};

const SHORT: Duration = Duration::from_millis(200);

const ECHO: &str = r#"
import sys
for line in sys.stdin:
    sys.stdout.write(line)
    sys.stdout.flush()
"#;

const IGNORES_SIGTERM: &str = r#"
import signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(60)
"#;

/// Starts a grandchild that ignores SIGTERM, prints its pid, then ignores SIGTERM itself
/// (`stay`) or waits for the end of its stdin and exits.
const WITH_GRANDCHILD: &str = r#"
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
code = 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print("up", flush=True); time.sleep(60)'
g = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
g.stdout.readline()
print(g.pid, flush=True)
if sys.argv[1] == "stay":
    time.sleep(60)
else:
    sys.stdin.read()
"#;

/// A real Python interpreter (not a wrapper script such as a pyenv shim).
fn python() -> OsString {
    if let Some(python) = std::env::var_os("OXMCP_TEST_PYTHON") {
        return python;
    }
    ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .find(|path| Path::new(path).exists())
        .unwrap_or("python3")
        .into()
}

fn py(code: &str) -> ChildProcess {
    ChildProcess::new(python()).arg("-c").arg(code)
}

fn out(bytes: &[u8]) -> OutboundMessage {
    OutboundMessage::new(bytes.to_vec(), Route::Unrelated)
}

async fn next_line<R: TransportReader>(reader: &mut R) -> String {
    match reader.read().await.unwrap() {
        Some(Frame::Message(bytes)) => String::from_utf8(bytes).unwrap(),
        other => panic!("expected a line, got {other:?}"),
    }
}

fn pid_of(pid: u32) -> Pid {
    Pid::from_raw(i32::try_from(pid).unwrap())
}

/// Our own child: gone for good once reaped.
fn reaped(pid: u32) -> bool {
    kill(pid_of(pid), None) == Err(Errno::ESRCH)
}

/// Someone else's child: gone, or a zombie that only its new parent can reap.
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => reaped(pid),
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next());
            matches!(state, Some("Z" | "X"))
        }
    }
}

async fn eventually(check: impl Fn() -> bool) -> bool {
    for _ in 0..100 {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

#[tokio::test]
async fn echo_child_round_trip_and_close() {
    let (transport, handle) = py(ECHO).spawn().unwrap();
    let (mut reader, mut writer) = transport.split();
    for i in 0..3 {
        writer
            .write(out(format!("{{\"id\":{i}}}").as_bytes()))
            .await
            .unwrap();
    }
    writer.flush().await.unwrap();
    for i in 0..3 {
        assert_eq!(next_line(&mut reader).await, format!("{{\"id\":{i}}}"));
    }
    assert_eq!(handle.try_wait().unwrap(), None);
    // Closing the writer closes the child's stdin: the echo loop ends.
    writer.close().await.unwrap();
    assert_eq!(reader.read().await.unwrap(), None);
    let status = handle.wait().await.unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(handle.try_wait().unwrap(), Some(status));
    assert!(eventually(|| reaped(handle.pid())).await);
}

#[tokio::test]
async fn a_polite_child_stops_when_its_stdin_closes() {
    let (transport, handle) = py(ECHO).spawn().unwrap();
    let started = Instant::now();
    let status = handle.shutdown().await.unwrap();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < DEFAULT_GRACE, "{:?}", started.elapsed());
    // Shutting down again gives the same status at once.
    assert_eq!(handle.shutdown().await.unwrap(), status);
    let (mut reader, mut writer) = transport.split();
    assert_eq!(reader.read().await.unwrap(), None);
    writer.write(out(b"late")).await.unwrap();
    assert!(matches!(writer.flush().await, Err(TransportError::Closed)));
}

#[tokio::test]
async fn sigterm_follows_the_close_grace() {
    let code = "import sys, time; print('ready', flush=True); time.sleep(60)";
    let (transport, handle) = py(code)
        .close_grace(SHORT)
        .term_grace(SHORT)
        .spawn()
        .unwrap();
    let (mut reader, _writer) = transport.split();
    assert_eq!(next_line(&mut reader).await, "ready");
    let status = handle.shutdown().await.unwrap();
    assert_eq!(status.signal(), Some(Signal::SIGTERM as i32));
    assert!(reaped(handle.pid()));
}

#[tokio::test]
async fn a_child_ignoring_sigterm_is_killed_and_reaped() {
    let (transport, handle) = py(IGNORES_SIGTERM)
        .close_grace(SHORT)
        .term_grace(SHORT)
        .spawn()
        .unwrap();
    let (mut reader, _writer) = transport.split();
    assert_eq!(next_line(&mut reader).await, "ready");
    let started = Instant::now();
    let status = handle.shutdown().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(status.signal(), Some(Signal::SIGKILL as i32));
    assert!(elapsed >= 2 * SHORT, "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(reaped(handle.pid()), "zombie or still running");
    assert_eq!(reader.read().await.unwrap(), None);
}

#[tokio::test]
async fn grandchildren_die_with_the_group() {
    let (transport, handle) = py(WITH_GRANDCHILD)
        .arg("stay")
        .close_grace(SHORT)
        .term_grace(SHORT)
        .spawn()
        .unwrap();
    let (mut reader, _writer) = transport.split();
    let grandchild: u32 = next_line(&mut reader).await.parse().unwrap();
    assert!(!dead(grandchild));
    let status = handle.shutdown().await.unwrap();
    assert_eq!(status.signal(), Some(Signal::SIGKILL as i32));
    assert!(reaped(handle.pid()));
    assert!(eventually(|| dead(grandchild)).await, "grandchild survived");
}

#[tokio::test]
async fn what_a_child_leaves_behind_is_killed_when_it_exits() {
    let (transport, handle) = py(WITH_GRANDCHILD).arg("leave").spawn().unwrap();
    let (mut reader, _writer) = transport.split();
    let grandchild: u32 = next_line(&mut reader).await.parse().unwrap();
    let status = handle.shutdown().await.unwrap();
    assert!(status.success(), "{status:?}");
    assert!(eventually(|| dead(grandchild)).await, "grandchild survived");
}

#[tokio::test]
async fn dropping_everything_kills_the_group() {
    let (transport, handle) = py(WITH_GRANDCHILD).arg("stay").spawn().unwrap();
    let pid = handle.pid();
    let (mut reader, writer) = transport.split();
    let grandchild: u32 = next_line(&mut reader).await.parse().unwrap();
    // One half alone keeps the child running.
    drop(handle);
    drop(writer);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!dead(pid));
    drop(reader);
    assert!(eventually(|| reaped(pid)).await, "child not reaped");
    assert!(eventually(|| dead(grandchild)).await, "grandchild survived");
}

#[tokio::test]
async fn kill_is_immediate() {
    let (_transport, handle) = py(IGNORES_SIGTERM).spawn().unwrap();
    let started = Instant::now();
    let status = handle.kill().await.unwrap();
    assert_eq!(status.signal(), Some(Signal::SIGKILL as i32));
    assert!(started.elapsed() < DEFAULT_GRACE);
}

#[tokio::test]
async fn captured_stderr_stays_bounded() {
    let code = r#"
import sys
for i in range(20000):
    sys.stderr.write("line %05d %s\n" % (i, "x" * 80))
sys.stderr.write("y" * 100000 + "\n")
sys.stderr.write("last\n")
sys.stderr.flush()
print("done", flush=True)
"#;
    let lines = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&lines);
    let capture = StderrCapture::new().buffer_size(4096).on_line(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let (transport, handle) = py(code)
        .stderr(StderrMode::Capture(capture))
        .spawn()
        .unwrap();
    let (mut reader, _writer) = transport.split();
    assert_eq!(next_line(&mut reader).await, "done");
    assert!(handle.wait().await.unwrap().success());
    assert_eq!(lines.load(Ordering::Relaxed), 20_002);
    let text = handle.stderr().unwrap();
    assert!(text.len() <= 4096, "{}", text.len());
    assert!(text.starts_with("line "), "{text}");
    assert!(
        text.ends_with(&format!(
            "line 19999 {}\n[a stderr line longer than 65536 bytes was discarded]\nlast\n",
            "x".repeat(80)
        )),
        "{text}"
    );
}

#[tokio::test]
async fn stderr_is_not_captured_unless_asked() {
    for mode in [StderrMode::Null, StderrMode::Inherit] {
        let (_transport, handle) = py("pass").stderr(mode).spawn().unwrap();
        assert!(handle.wait().await.unwrap().success());
        assert_eq!(handle.stderr(), None);
    }
}

#[tokio::test]
async fn arguments_environment_and_directory_reach_the_child() {
    let code = r#"
import json, os, sys
print(json.dumps({
    "args": sys.argv[1:],
    "set": os.environ.get("OXMCP_SET"),
    "removed": os.environ.get("OXMCP_REMOVED"),
    "has_path": "PATH" in os.environ,
    "cwd": os.getcwd(),
}), flush=True)
"#;
    let dir = std::env::temp_dir().canonicalize().unwrap();
    let report = |child: ChildProcess| async move {
        let (transport, handle) = child.spawn().unwrap();
        let (mut reader, _writer) = transport.split();
        let line = next_line(&mut reader).await;
        assert!(handle.wait().await.unwrap().success());
        serde_json::from_str::<serde_json::Value>(&line).unwrap()
    };

    let inherited = report(
        py(code)
            .args(["one", "two words", "$HOME;`x`"])
            .env("OXMCP_SET", "value")
            .env("OXMCP_REMOVED", "x")
            .env_remove("OXMCP_REMOVED")
            .current_dir(&dir),
    )
    .await;
    assert_eq!(
        inherited,
        serde_json::json!({
            "args": ["one", "two words", "$HOME;`x`"],
            "set": "value",
            "removed": null,
            "has_path": std::env::var_os("PATH").is_some(),
            "cwd": dir.to_str().unwrap(),
        })
    );

    let cleared = report(
        py(code)
            .env("OXMCP_REMOVED", "x")
            .env_clear()
            .envs([("OXMCP_SET", "v2")]),
    )
    .await;
    assert_eq!(cleared["set"], "v2");
    assert_eq!(cleared["removed"], serde_json::Value::Null);
    assert_eq!(cleared["has_path"], false);
}

#[tokio::test]
async fn long_lines_from_the_child_are_oversized() {
    let code = "print('a' * 100); print('ok', flush=True)";
    let (transport, handle) = py(code).max_line_length(10).spawn().unwrap();
    let (mut reader, _writer) = transport.split();
    assert_eq!(
        reader.read().await.unwrap(),
        Some(Frame::Oversized { limit: 10 })
    );
    assert_eq!(next_line(&mut reader).await, "ok");
    assert_eq!(reader.read().await.unwrap(), None);
    assert!(handle.wait().await.unwrap().success());
}

#[tokio::test]
async fn writing_to_an_exited_child_is_closed() {
    let (transport, handle) = py("import sys; sys.exit(3)").spawn().unwrap();
    let status = handle.wait().await.unwrap();
    assert_eq!(status.code(), Some(3));
    let (mut reader, mut writer) = transport.split();
    assert_eq!(reader.read().await.unwrap(), None);
    writer.write(out(b"{}")).await.unwrap();
    assert!(matches!(writer.flush().await, Err(TransportError::Closed)));
    // What could not be delivered makes closing fail too; then the writer is closed.
    handle.close_stdin();
    assert!(matches!(writer.close().await, Err(TransportError::Closed)));
    writer.close().await.unwrap();
}

#[tokio::test]
async fn a_missing_program_is_a_spawn_error() {
    let error = ChildProcess::new("/nonexistent/oxmcp-no-such-program")
        .spawn()
        .unwrap_err();
    match error {
        SpawnError::Spawn { program, source } => {
            assert_eq!(program, "/nonexistent/oxmcp-no-such-program");
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
}
