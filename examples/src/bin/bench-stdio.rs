//! A load generator for oxmcp over stdio: spawns a server command (by default this program
//! in server mode, serving the interop fixture), then measures cold start (spawn to
//! `initialize` answered), `tools/call` round trips per second with N requests in flight,
//! latency percentiles, and the server's CPU time per call (from /proc).
//!
//! Run: `cargo run --release -p oxmcp-examples --bin bench-stdio -- [--in-flight 32]
//! [--calls 200000] [-- SERVER COMMAND...]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxmcp::transport::child::{ChildProcess, StderrMode};
use oxmcp::transport::stdio::stdio;
use oxmcp::types::Implementation;
use oxmcp::{ClientConfig, NoHandler, RequestOptions, connect, serve_server};
use oxmcp_examples::fixture_server::{FixtureServer, config};
use serde_json::value::to_raw_value;

struct Args {
    in_flight: usize,
    calls: usize,
    command: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        in_flight: 32,
        calls: 200_000,
        command: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--in-flight" => {
                args.in_flight = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--in-flight N")?
            }
            "--calls" => args.calls = it.next().and_then(|v| v.parse().ok()).ok_or("--calls N")?,
            "--" => args.command = it.by_ref().collect(),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    Ok(args)
}

/// The server's user+system CPU time, from /proc/PID/stat (Linux).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("--server") {
        serve_server(stdio(), config(), FixtureServer::default())
            .wait()
            .await;
        return Ok(());
    }
    let args = parse_args()?;
    let mut command = args.command.clone();
    if command.is_empty() {
        command = vec![
            std::env::current_exe()?.display().to_string(),
            "--server".into(),
        ];
    }
    let started = Instant::now();
    let (transport, child) = ChildProcess::new(&command[0])
        .args(&command[1..])
        .stderr(StderrMode::Null)
        .spawn()?;
    let client = connect(
        transport,
        ClientConfig::new(Implementation::new("bench", "0")),
        NoHandler,
    )
    .await?;
    let cold = started.elapsed();
    let params =
        to_raw_value(&serde_json::json!({"name": "echo", "arguments": {"text": "hello"}}))?;
    // Warm up.
    for _ in 0..1000 {
        client
            .peer()
            .request_raw("tools/call", Some(params.clone()), RequestOptions::new())
            .await?;
    }
    let cpu_before = cpu_time(child.pid());
    let per_worker = args.calls / args.in_flight;
    let params = Arc::new(params);
    let t0 = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.in_flight {
        let client = client.clone();
        let params = params.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_worker);
            for _ in 0..per_worker {
                let t = Instant::now();
                client
                    .peer()
                    .request_raw("tools/call", Some((*params).clone()), RequestOptions::new())
                    .await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, oxmcp::RequestError>(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(args.calls);
    for w in workers {
        latencies.extend(w.await??);
    }
    let elapsed = t0.elapsed();
    let cpu_after = cpu_time(child.pid());
    latencies.sort_unstable();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let n = latencies.len();
    println!("cold start (spawn -> initialize answered): {cold:?}");
    println!(
        "{n} calls, {} in flight: {:.0} calls/s; latency p50 {:?} p90 {:?} p99 {:?} max {:?}",
        args.in_flight,
        n as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        latencies[n - 1]
    );
    if let (Some(a), Some(b)) = (cpu_before, cpu_after) {
        println!(
            "server CPU per call: {:.1} us",
            (b - a).as_secs_f64() * 1e6 / n as f64
        );
    }
    client.close().await;
    child.shutdown().await?;
    Ok(())
}
