//! `bench TARGET --tool NAME`: concurrent calls of one tool for a while, on one session:
//! calls per second, latency percentiles, errors, and the server's memory when it is a
//! local child (its `VmRSS` and peak `VmHWM` from `/proc`, on Linux).

use std::sync::Arc;
use std::time::{Duration, Instant};

use oxmcp_core::RequestOptions;
use oxmcp_core::client::McpClient;
use oxmcp_types::CallToolRequestParams;
use serde_json::{Map, Value, json};

use super::{Ctx, Done, collect};
use crate::cli::BenchArgs;
use crate::connect::ServerPid;
use crate::error::{Exit, Failure};

/// What the workers measured.
#[derive(Debug, Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: u64,
    tool_errors: u64,
    first_error: Option<String>,
}

/// Runs the benchmark.
pub(super) async fn bench(client: McpClient, cx: &Ctx, opts: &BenchArgs) -> Result<Done, Failure> {
    let tools = collect(&client, "tools").await?;
    if !tools
        .iter()
        .any(|t| t["name"] == Value::String(opts.tool.clone()))
    {
        return Err(Failure::usage(format!(
            "the server has no tool `{}`",
            opts.tool
        )));
    }
    let arguments = match &opts.args {
        None => Map::new(),
        Some(text) => match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            _ => return Err(Failure::usage("--args must be a JSON object")),
        },
    };
    let arguments = Arc::new(arguments);
    let started = Instant::now();
    let deadline = started + opts.duration;
    let mut workers = Vec::new();
    for _ in 0..opts.concurrency {
        let (client, tool, args, cancel) = (
            client.clone(),
            opts.tool.clone(),
            arguments.clone(),
            cx.cancel.clone(),
        );
        let timeout = cx.global.timeout;
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline && !cancel.is_cancelled() {
                let mut params = CallToolRequestParams::new(tool.clone());
                params.arguments = Some((*args).clone());
                let sent = Instant::now();
                let options = RequestOptions::new()
                    .timeout(timeout)
                    .cancel_on(cancel.clone());
                match client.peer().call_tool_with(params, options).await {
                    Ok(result) if result.is_error == Some(true) => tally.tool_errors += 1,
                    Ok(_) => tally.latencies.push(sent.elapsed()),
                    Err(e) => {
                        tally.errors += 1;
                        tally.first_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
            tally
        }));
    }
    let mut all = Tally::default();
    for worker in workers {
        let tally = worker
            .await
            .map_err(|e| Failure::new(Exit::Protocol, e.to_string()))?;
        all.latencies.extend(tally.latencies);
        all.errors += tally.errors;
        all.tool_errors += tally.tool_errors;
        if all.first_error.is_none() {
            all.first_error = tally.first_error;
        }
    }
    if cx.cancel.is_cancelled() {
        return Err(Failure::new(Exit::Interrupted, "interrupted"));
    }
    let elapsed = started.elapsed();
    let memory = client
        .extension::<ServerPid>()
        .and_then(|pid| memory_of(pid.0));
    if all.latencies.is_empty() && all.tool_errors == 0 {
        let why = all
            .first_error
            .unwrap_or_else(|| "no call completed".to_owned());
        return Err(Failure::new(
            Exit::Protocol,
            format!("every call failed: {why}"),
        ));
    }
    Ok(report(&mut all, elapsed, opts, memory))
}

fn report(
    all: &mut Tally,
    elapsed: Duration,
    opts: &BenchArgs,
    memory: Option<(u64, u64)>,
) -> Done {
    all.latencies.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let ok = all.latencies.len() as u64;
    let calls = ok + all.errors + all.tool_errors;
    let rate = calls as f64 / elapsed.as_secs_f64();
    let pct = |p: f64| percentile(&all.latencies, p).map(ms);
    let mean = (ok > 0).then(|| all.latencies.iter().map(|d| ms(*d)).sum::<f64>() / ok as f64);
    let json = json!({
        "tool": opts.tool,
        "concurrency": opts.concurrency,
        "durationSeconds": elapsed.as_secs_f64(),
        "calls": calls,
        "ok": ok,
        "errors": all.errors,
        "toolErrors": all.tool_errors,
        "callsPerSecond": rate,
        "latencyMs": {"mean": mean, "p50": pct(50.0), "p90": pct(90.0), "p99": pct(99.0), "max": pct(100.0)},
        "serverRssBytes": memory.map(|m| m.0),
        "serverPeakRssBytes": memory.map(|m| m.1),
        "firstError": all.first_error,
    });
    let f = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
    let mut human = format!(
        "{calls} calls of `{}` in {:.1} s with {} in flight: {rate:.0} calls/s\nlatency ms: mean {} p50 {} p90 {} p99 {} max {}\nerrors: {}, tool errors: {}\n",
        opts.tool,
        elapsed.as_secs_f64(),
        opts.concurrency,
        f(mean),
        f(pct(50.0)),
        f(pct(90.0)),
        f(pct(99.0)),
        f(pct(100.0)),
        all.errors,
        all.tool_errors,
    );
    if let Some((rss, peak)) = memory {
        human.push_str(&format!(
            "server memory: {:.1} MiB resident, {:.1} MiB peak\n",
            rss as f64 / 1048576.0,
            peak as f64 / 1048576.0
        ));
    }
    if let Some(e) = &all.first_error {
        human.push_str(&format!("first error: {e}\n"));
    }
    // Every call answered with isError: the tool failed, as `call` would say.
    let exit = if ok == 0 { Exit::ToolError } else { Exit::Ok };
    Done { json, human, exit }
}

/// The `p`th percentile (nearest rank) of sorted `values`.
fn percentile(values: &[Duration], p: f64) -> Option<Duration> {
    if values.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    Some(values[rank.clamp(1, values.len()) - 1])
}

/// (`VmRSS`, `VmHWM`) of a process, in bytes (Linux only).
fn memory_of(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&v, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&v, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&v[..1], 50.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn memory_of_this_process() {
        if cfg!(target_os = "linux") {
            let (rss, peak) = memory_of(std::process::id()).unwrap();
            assert!(rss > 0 && peak >= rss);
        }
    }
}
