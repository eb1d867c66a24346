//! The stdio load generator: N `tools/call` requests in flight over the server's pipes, each
//! answer replaced by a new request at once; and cold start (spawn to `initialize` answered).

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{ChildStdin, ChildStdout};

use crate::http_load::LoadResult;
use crate::proc_stats::{cpu_time, server_command};

const INITIALIZE: &[u8] = b"{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"oxmcp-bench\",\"version\":\"1.0\"}}}\n";
const INITIALIZED: &[u8] = b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";

fn call(out: &mut Vec<u8>, id: u64) {
    out.extend_from_slice(b"{\"jsonrpc\":\"2.0\",\"id\":");
    out.extend_from_slice(id.to_string().as_bytes());
    out.extend_from_slice(
        b",\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"hello, bench\"}}}\n",
    );
}

/// The number after the first `"id":` of a line.
fn id_of(line: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(line, b"\"id\":")? + 5;
    let digits = line[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    std::str::from_utf8(&line[at..at + digits])
        .ok()?
        .parse()
        .ok()
}

/// Reads until at least one whole line is buffered; returns the lines and keeps the rest.
async fn read_lines(stdout: &mut ChildStdout, buf: &mut Vec<u8>, chunk: &mut [u8]) -> Vec<Vec<u8>> {
    loop {
        if let Some(last) = memchr::memrchr(b'\n', buf) {
            let rest = buf.split_off(last + 1);
            let whole = std::mem::replace(buf, rest);
            return whole
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec)
                .collect();
        }
        let n = stdout.read(chunk).await.expect("the server's stdout");
        assert!(n > 0, "the server closed its stdout");
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn handshake(stdin: &mut ChildStdin, stdout: &mut ChildStdout, buf: &mut Vec<u8>) {
    let mut chunk = vec![0u8; 64 * 1024];
    stdin.write_all(INITIALIZE).await.expect("write initialize");
    let lines = read_lines(stdout, buf, &mut chunk).await;
    assert!(
        lines
            .iter()
            .any(|l| memchr::memmem::find(l, b"\"result\"").is_some())
    );
    stdin
        .write_all(INITIALIZED)
        .await
        .expect("write initialized");
}

/// What a stdio run measured, with the server's CPU time per call.
#[derive(Debug)]
pub(crate) struct StdioResult {
    pub(crate) load: LoadResult,
    pub(crate) cpu_per_call: Duration,
}

/// `in_flight` requests in flight for `warmup` then `measure`.
pub(crate) async fn run(
    which: &str,
    in_flight: u64,
    warmup: Duration,
    measure: Duration,
) -> StdioResult {
    let mut child = server_command(which, "stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let pid = child.id().expect("a live server");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut buf = Vec::new();
    handshake(&mut stdin, &mut stdout, &mut buf).await;
    let mut sent_at = vec![Instant::now(); in_flight as usize];
    let mut out = Vec::new();
    for id in 1..=in_flight {
        call(&mut out, id);
    }
    stdin.write_all(&out).await.expect("write calls");
    let start = Instant::now() + warmup;
    let end = start + measure;
    let mut cpu_start = None;
    let mut latencies = Vec::with_capacity(1 << 20);
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let lines = read_lines(&mut stdout, &mut buf, &mut chunk).await;
        let now = Instant::now();
        if now >= end {
            break;
        }
        if now >= start && cpu_start.is_none() {
            cpu_start = Some(cpu_time(pid));
        }
        out.clear();
        for line in lines {
            let Some(id) = id_of(&line) else { continue };
            let slot = (id % in_flight) as usize;
            if now >= start {
                latencies
                    .push(u32::try_from((now - sent_at[slot]).as_micros()).unwrap_or(u32::MAX));
            }
            sent_at[slot] = now;
            call(&mut out, id + in_flight);
        }
        stdin.write_all(&out).await.expect("write calls");
    }
    let cpu = cpu_time(pid).saturating_sub(cpu_start.unwrap_or_default());
    drop(stdin);
    let _ = child.kill().await;
    latencies.sort_unstable();
    let load = LoadResult {
        calls: latencies.len(),
        elapsed: measure,
        latencies,
    };
    let cpu_per_call = cpu / u32::try_from(load.calls.max(1)).unwrap_or(u32::MAX);
    StdioResult { load, cpu_per_call }
}

/// The median time from spawning the server to its answer to `initialize`, over `runs`.
pub(crate) async fn cold_start(which: &str, runs: usize) -> Duration {
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let mut child = server_command(which, "stdio")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the server");
        let mut stdin = child.stdin.take().expect("piped stdin");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut buf = Vec::new();
        handshake(&mut stdin, &mut stdout, &mut buf).await;
        times.push(t.elapsed());
        drop(stdin);
        let _ = child.kill().await;
    }
    times.sort_unstable();
    times[times.len() / 2]
}
