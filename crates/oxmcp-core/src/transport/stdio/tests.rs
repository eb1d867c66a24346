//! The stdio transport in a real process: this test binary runs itself as the server (the
//! `child_process_body` test does the server's work when an environment variable says so).

use std::time::Duration;

use super::nonblocking::{FdInfo, Pollable};
use super::*;
use crate::transport::child::{ChildProcess, StderrMode};
use crate::transport::{
    Frame, OutboundMessage, Route, Transport, TransportError, TransportReader, TransportWriter,
};

const CHILD_ENV: &str = "OXMCP_STDIO_TEST_CHILD";
const CHILD_TEST: &str = "transport::stdio::tests::child_process_body";

fn out(bytes: &[u8]) -> OutboundMessage {
    OutboundMessage::new(bytes.to_vec(), Route::Unrelated)
}

fn mode(reactor: bool) -> &'static str {
    if reactor { "reactor" } else { "blocking" }
}

/// The server side. Does nothing unless started by the tests below.
#[tokio::test]
async fn child_process_body() {
    let Ok(scenario) = std::env::var(CHILD_ENV) else {
        return;
    };
    let transport = stdio_with_config(LineConfig::new().with_max_line_length(64));
    let (reader, writer) = transport.into_parts();
    let report = format!(
        "@@mode:{}/{}",
        mode(reader.get_ref().is_reactor_driven()),
        mode(writer.get_ref().is_some_and(Stdout::is_reactor_driven)),
    );
    let (mut reader, mut writer) = (reader, writer);
    writer.write(out(report.as_bytes())).await.unwrap();
    writer.flush().await.unwrap();
    match scenario.as_str() {
        "echo" => {
            while let Some(frame) = reader.read().await.unwrap() {
                let answer = match frame {
                    Frame::Message(bytes) => [b"@@echo:".as_slice(), &bytes].concat(),
                    Frame::Oversized { limit } => format!("@@oversized:{limit}").into_bytes(),
                    Frame::Decoded(message) | Frame::DecodedWith { message, .. } => {
                        message.to_vec()
                    }
                };
                writer.write(out(&answer)).await.unwrap();
                writer.flush().await.unwrap();
            }
            writer.close().await.unwrap();
            eprintln!("child: end of input");
        }
        "flood" => loop {
            writer.write(out(&[b'f'; 1000])).await.unwrap();
            match writer.flush().await {
                Ok(()) => {}
                Err(TransportError::Closed) => {
                    eprintln!("child: closed-ok");
                    break;
                }
                Err(error) => panic!("unexpected {error}"),
            }
        },
        other => panic!("unknown scenario {other}"),
    }
}

fn this_binary(scenario: &str) -> ChildProcess {
    ChildProcess::new(std::env::current_exe().unwrap())
        .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, scenario)
        .stderr(StderrMode::capture())
}

/// The next line the server wrote, skipping what the test harness prints (which may also
/// precede the server's first line on the same line: the server marks its lines with `@@`).
async fn next_line<R: TransportReader>(reader: &mut R) -> Option<String> {
    let read = async {
        loop {
            match reader.read().await.unwrap()? {
                Frame::Message(bytes) => {
                    let line = String::from_utf8(bytes).unwrap();
                    if let Some((_, ours)) = line.split_once("@@") {
                        return Some(ours.to_owned());
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("the server did not answer")
}

#[tokio::test]
async fn pipes_use_the_reactor_and_close_ends_the_output() {
    let (transport, handle) = this_binary("echo").spawn().unwrap();
    let (mut reader, mut writer) = transport.split();
    assert_eq!(
        next_line(&mut reader).await.unwrap(),
        "mode:reactor/reactor"
    );
    writer.write(out(b"{\"id\":1}")).await.unwrap();
    writer.write(out(&[b'x'; 100])).await.unwrap();
    writer.write(out(b"{\"id\":2}")).await.unwrap();
    writer.flush().await.unwrap();
    assert_eq!(next_line(&mut reader).await.unwrap(), "echo:{\"id\":1}");
    assert_eq!(next_line(&mut reader).await.unwrap(), "oversized:64");
    assert_eq!(next_line(&mut reader).await.unwrap(), "echo:{\"id\":2}");
    // The end of its input makes the server close its output: we see the end of the stream.
    writer.close().await.unwrap();
    assert_eq!(next_line(&mut reader).await, None);
    let status = handle.wait().await.unwrap();
    let stderr = handle.stderr().unwrap();
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(stderr.contains("child: end of input"), "{stderr}");
}

#[tokio::test]
async fn a_closed_stdout_gives_closed_not_a_panic() {
    let (transport, handle) = this_binary("flood").spawn().unwrap();
    let (mut reader, writer) = transport.split();
    assert_eq!(
        next_line(&mut reader).await.unwrap(),
        "mode:reactor/reactor"
    );
    drop(reader);
    tokio::time::timeout(Duration::from_secs(10), handle.wait())
        .await
        .unwrap()
        .unwrap();
    drop(writer);
    let stderr = handle.stderr().unwrap();
    assert!(stderr.contains("child: closed-ok"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn a_regular_file_as_stdin_falls_back_and_ends() {
    let path = std::env::temp_dir().join(format!("oxmcp-stdio-test-{}", std::process::id()));
    std::fs::write(&path, b"{\"id\":1}\r\n\n{\"id\":2}").unwrap();
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([CHILD_TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "echo")
        .stdin(std::fs::File::open(&path).unwrap())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut reader = crate::transport::LineReader::new(child.stdout.take().unwrap());
    assert_eq!(
        next_line(&mut reader).await.unwrap(),
        "mode:blocking/reactor"
    );
    assert_eq!(next_line(&mut reader).await.unwrap(), "echo:{\"id\":1}");
    assert_eq!(next_line(&mut reader).await.unwrap(), "echo:{\"id\":2}");
    assert_eq!(next_line(&mut reader).await, None);
    assert!(child.wait().await.unwrap().success());
}

fn info(ino: u64, pollable: Option<Pollable>) -> Option<FdInfo> {
    Some(FdInfo {
        dev: 1,
        ino,
        pollable,
    })
}

#[test]
fn reactor_choice() {
    let pipe = Some(Pollable::Pipe);
    let socket = Some(Pollable::Socket);
    // Separate pipes, stderr elsewhere: both on the reactor.
    assert_eq!(
        choose_reactor(true, info(1, pipe), info(2, pipe), info(3, None)),
        (pipe, pipe)
    );
    assert_eq!(
        choose_reactor(true, info(1, socket), info(2, socket), None),
        (socket, socket)
    );
    // Outside a runtime, nothing.
    assert_eq!(
        choose_reactor(false, info(1, pipe), info(2, pipe), None),
        (None, None)
    );
    // Terminals and files (not pollable), unknown descriptors: the blocking pool.
    assert_eq!(
        choose_reactor(true, info(1, None), info(2, pipe), info(9, None)),
        (None, pipe)
    );
    assert_eq!(choose_reactor(true, None, None, None), (None, None));
    // One socket for both directions: neither.
    assert_eq!(
        choose_reactor(true, info(1, socket), info(1, socket), None),
        (None, None)
    );
    // stderr shares stdout's pipe (2>&1): stdout stays blocking.
    assert_eq!(
        choose_reactor(true, info(1, pipe), info(2, pipe), info(2, pipe)),
        (pipe, None)
    );
}
