//! The interactive parts in a real (pseudo-)terminal: a form answered field by field (with
//! a refused answer asked again), a progress bar, consent to open a URL.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{OXMCP, with_demo};

/// `oxmcp` with its stdin, stdout and stderr on a pseudo-terminal.
struct Terminal {
    child: Child,
    master: File,
    output: mpsc::Receiver<Vec<u8>>,
    seen: String,
    _home: tempfile::TempDir,
}

impl Terminal {
    fn start(args: &[&str]) -> Self {
        Self::start_with(args, &[])
    }

    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn(OXMCP, args, env)
    }

    /// As a person starts it from a shell: the leader of its own session, with the terminal
    /// as its controlling terminal, so that keys such as Ctrl-C become signals (`setsid
    /// --ctty`, from util-linux, execs it in place).
    fn start_as_job(args: &[&str]) -> Self {
        let mut all = vec!["--ctty", OXMCP];
        all.extend(args);
        // The terminal's PATH is empty: find it on the test's own.
        let setsid = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("setsid"))
            .find(|path| path.exists())
            .expect("setsid (util-linux) is installed");
        Self::spawn(setsid.to_str().expect("a UTF-8 path"), &all, &[])
    }

    fn spawn(program: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        let slave = File::from(pty.slave);
        let home = tempfile::tempdir().unwrap();
        let empty_path = home.path().join("bin");
        std::fs::create_dir(&empty_path).unwrap();
        let child = Command::new(program)
            .args(args)
            .env("HOME", home.path())
            .env("OXMCP_CONFIG_DIR", home.path())
            // No browser to open: consent is tested, not the browser.
            .env("PATH", &empty_path)
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .envs(env.iter().copied())
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("oxmcp starts");
        let master = File::from(pty.master);
        let mut reader = master.try_clone().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0; 4096];
            // Reading fails (EIO) once the terminal's last user is gone.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            master,
            output,
            seen: String::new(),
            _home: home,
        }
    }

    /// Waits until the terminal showed `needle` (after what was awaited before).
    fn expect(&mut self, needle: &str) {
        self.read_through(needle);
    }

    /// Waits until the terminal showed `needle`; returns what it showed up to its end.
    fn read_through(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(at) = self.seen.find(needle) {
                return self.seen.drain(..at + needle.len()).collect();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!(
                    "`{needle}` never showed; the terminal shows:\n{}",
                    self.seen
                ),
            }
        }
    }

    /// Presses Ctrl-C.
    fn interrupt(&mut self) {
        self.master.write_all(b"\x03").unwrap();
    }

    /// Types a line.
    fn type_line(&mut self, line: &str) {
        self.master
            .write_all(format!("{line}\r").as_bytes())
            .unwrap();
    }

    fn exit_code(mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "oxmcp did not exit");
            crate::support::pause(Duration::from_millis(50));
        }
    }
}

#[test]
fn a_form_is_answered_field_by_field_and_checked() {
    let mut t = Terminal::start(&with_demo(&["call", "elicit_profile"]));
    t.expect("asks: Tell us about yourself.");
    // First round: an age out of range is refused when the form is checked.
    t.expect("age (integer)");
    t.type_line("200");
    t.expect("(green)");
    t.expect("color* (string)");
    t.type_line("2");
    t.expect("name* (string)");
    t.type_line("");
    t.expect("required");
    t.type_line("Ada");
    t.expect("newsletter* (boolean)");
    t.type_line("maybe");
    t.expect("answer y or n");
    t.type_line("y");
    t.expect("does not fit the form");
    // Second round.
    t.expect("age (integer)");
    t.type_line("36");
    t.expect("color* (string)");
    t.type_line("blue");
    t.expect("name* (string)");
    t.type_line("Ada");
    t.expect("newsletter* (boolean)");
    t.type_line("n");
    t.expect("accepted: name=Ada, age=36, color=Blue, newsletter=false");
    assert_eq!(t.exit_code(), Some(0));
}

#[test]
fn a_form_can_be_declined_from_any_question() {
    let mut t = Terminal::start(&with_demo(&["call", "elicit_profile"]));
    t.expect("age (integer)");
    t.type_line("!decline");
    t.expect("declined");
    assert_eq!(t.exit_code(), Some(0));
}

#[test]
fn progress_is_a_bar_on_a_terminal() {
    let mut t = Terminal::start(&with_demo(&["call", "long_running", "seconds=1.5"]));
    t.expect("/6");
    t.expect("=");
    assert_eq!(t.exit_code(), Some(0));
}

#[test]
fn a_url_is_opened_only_after_consent() {
    let mut t = Terminal::start(&with_demo(&["call", "elicit_url"]));
    t.expect("domain: example.com");
    t.expect("Open it in your browser? [y/N]");
    t.type_line("n");
    t.expect("decline (elicitation");
    assert_eq!(t.exit_code(), Some(0));

    let mut t = Terminal::start(&with_demo(&["call", "elicit_url"]));
    t.expect("Open it in your browser? [y/N]");
    t.type_line("y");
    // The test's PATH has no opener: the person is told to open it.
    t.expect("open the URL yourself");
    t.expect("accept (elicitation");
    assert_eq!(t.exit_code(), Some(0));
}

#[test]
fn progress_crosses_both_bridges() {
    let demo = crate::support::HttpDemo::start();
    let bridge = crate::support::HttpDemo::run(
        &["bridge", "stdio-to-http", "--", OXMCP, "serve", "demo"],
        &[],
    );
    for target in [demo.url.as_str(), bridge.url.as_str()] {
        let mut t = Terminal::start(&[
            "call",
            "long_running",
            "seconds=1.5",
            "--",
            OXMCP,
            "bridge",
            "http-to-stdio",
            target,
        ]);
        t.expect("/6");
        t.expect("worked for");
        assert_eq!(t.exit_code(), Some(0));
    }
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let mut t = Terminal::start(&with_demo(&["tools"]));
    t.expect("\x1b[1madd(a: number*, b: number*)\x1b[0m");
    assert_eq!(t.exit_code(), Some(0));
    let mut t = Terminal::start_with(&with_demo(&["tools"]), &[("NO_COLOR", "1")]);
    let shown = t.read_through("failing_task(reason: string)");
    assert!(shown.contains("add(a: number*, b: number*) "), "{shown:?}");
    assert!(!shown.contains('\x1b'), "{shown:?}");
    assert_eq!(t.exit_code(), Some(0));
}

/// Ctrl-C pressed during a call: the request is cancelled at the server
/// (`notifications/cancelled`) and the command exits 130.
#[test]
fn ctrl_c_pressed_cancels_the_call() {
    let demo = crate::support::HttpDemo::start();
    let mut t = Terminal::start_as_job(&["call", &demo.url, "slow", "seconds=30"]);
    // `slow` shows nothing while it waits.
    crate::support::pause(Duration::from_millis(1500));
    t.interrupt();
    assert_eq!(t.exit_code(), Some(130));
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let run = crate::support::oxmcp(&["call", &demo.url, "cancelled_count", "--json"]);
        if run.json()["structuredContent"]["cancelled"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the server saw no cancellation");
        crate::support::pause(Duration::from_millis(100));
    }

    // Over stdio the server runs in its own process group: the key reaches the command,
    // which cancels and ends it.
    let mut t = Terminal::start_as_job(&with_demo(&["call", "long_running", "seconds=30"]));
    // The progress bar shows the call is under way at the server.
    t.expect("/120");
    t.interrupt();
    assert_eq!(t.exit_code(), Some(130));
}
