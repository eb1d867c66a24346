//! Running the binary.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub(crate) const OXMCP: &str = env!("CARGO_BIN_EXE_oxmcp");

/// What a run printed and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// stdout as JSON.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The one JSON error object on stderr (`--json`).
    pub(crate) fn json_error(&self) -> serde_json::Value {
        let line = self.stderr.lines().last().unwrap_or("");
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stderr's last line is not JSON ({e}):\n{}", self.stderr))
    }
}

fn finish(output: &Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `oxmcp ARGS` with no stdin and a clean environment for config lookups.
pub(crate) fn oxmcp(args: &[&str]) -> Run {
    oxmcp_in(args, &[])
}

/// `oxmcp ARGS` with extra environment variables.
pub(crate) fn oxmcp_in(args: &[&str], env: &[(&str, &str)]) -> Run {
    let home = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(OXMCP);
    command
        .args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join(".config"))
        .env("OXMCP_CONFIG_DIR", home.path().join("oxmcp"))
        .env_remove("NO_COLOR")
        .current_dir(home.path())
        .stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    finish(&command.output().expect("oxmcp runs"))
}

/// `-- oxmcp serve demo`: the stdio target every stdio test uses.
pub(crate) fn with_demo<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend(["--", OXMCP, "serve", "demo"]);
    all
}

/// `oxmcp serve demo --http 0`, stopped when dropped.
pub(crate) struct HttpDemo {
    child: Child,
    pub(crate) url: String,
}

impl HttpDemo {
    pub(crate) fn start() -> Self {
        Self::run(&["serve", "demo", "--http", "0"], &[])
    }

    /// `oxmcp ARGS` that prints the URL it listens on, stopped when dropped.
    pub(crate) fn run(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(OXMCP)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("demo server starts");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            assert!(
                Instant::now() < deadline,
                "the demo server did not say where it listens"
            );
            let line = lines.next().expect("a line").expect("readable");
            if let Some(at) = line.find("http://127.0.0.1:") {
                break line[at..]
                    .split_whitespace()
                    .next()
                    .expect("url")
                    .to_owned();
            }
        };
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || for _ in lines {});
        Self { child, url }
    }
}

impl Drop for HttpDemo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port with nothing listening on 127.0.0.1.
pub(crate) fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Waits on this (plain, runtime-less) test thread.
#[expect(
    clippy::disallowed_methods,
    reason = "a test thread without an async runtime"
)]
pub(crate) fn pause(d: Duration) {
    std::thread::sleep(d);
}
