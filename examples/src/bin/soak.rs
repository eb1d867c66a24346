//! A soak test: a mixed load against `everything-server http` for a while, watching the
//! server's memory.
//!
//! Usage: `soak [--secs S] [--workers N] [--pause-ms MS] [--server PATH]` (defaults: 600 s,
//! 4 workers, 2 ms between a worker's rounds, `everything-server` beside this binary).
//! Starts the server on a free port of 127.0.0.1, runs the workers (each an oxmcp client
//! over Streamable HTTP, one session each, renewed every 200 rounds) and samples the
//! server's RSS every second. Each round: `echo`, `add`, a resource read, `update_note` and
//! a read of that note, a subscribe and unsubscribe, `notifications/roots/list_changed`,
//! `long_running` as a task fetched with `tasks/result`, and a `slow` call cancelled after
//! 10 ms. Prints rounds per second, errors, the RSS at start and end, and the slope of RSS
//! over the run after a warm-up fifth (least squares, in MiB per 10 minutes); exits 1 when
//! the slope is over 1 MiB per 10 minutes or a round failed, 2 on bad arguments.

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oxmcp::client::{ClientHandler, McpClient};
use oxmcp::http::HttpClientTransport;
use oxmcp::types::{Implementation, Root};
use oxmcp::{ClientConfig, RequestOptions};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

/// The slope over which the run fails, in MiB per 10 minutes.
const MAX_SLOPE_MIB: f64 = 1.0;
/// Rounds of one session before the worker starts a new one.
const ROUNDS_PER_SESSION: u64 = 200;

struct Options {
    secs: u64,
    workers: usize,
    pause: Duration,
    server: PathBuf,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        secs: 600,
        workers: 4,
        pause: Duration::from_millis(2),
        server: std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("everything-server"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--secs" => options.secs = number()?,
            "--workers" => {
                options.workers = usize::try_from(number()?).map_err(|e| e.to_string())?
            }
            "--pause-ms" => options.pause = Duration::from_millis(number()?),
            "--server" => options.server = PathBuf::from(value),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

/// Starts the server on a free port; returns it and its URL.
async fn start(server: &PathBuf) -> Result<(tokio::process::Child, String), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let mut child = tokio::process::Command::new(server)
        .args(["http", "--port", &port.to_string()])
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("{}: {e}", server.display()))?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    while let Some(line) = lines.next_line().await.map_err(|e| e.to_string())? {
        if line.contains("listening on") {
            // Keep draining its logs so that it never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return Ok((child, format!("http://127.0.0.1:{port}/mcp")));
        }
    }
    Err("the server ended before it listened".into())
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

async fn request(client: &McpClient, method: &str, params: Value) -> Result<Value, String> {
    let raw = serde_json::value::to_raw_value(&params).map_err(|e| e.to_string())?;
    let answer = client
        .peer()
        .request_raw(method, Some(raw), RequestOptions::default())
        .await
        .map_err(|e| format!("{method}: {e}"))?;
    serde_json::from_str(answer.get()).map_err(|e| e.to_string())
}

/// One round of the mix.
async fn round(client: &McpClient, n: u64) -> Result<(), String> {
    let call = |name: &str, arguments: Value| json!({ "name": name, "arguments": arguments });
    request(
        client,
        "tools/call",
        call("echo", json!({ "text": "soak" })),
    )
    .await?;
    request(client, "tools/call", call("add", json!({ "a": 1, "b": n }))).await?;
    request(client, "resources/read", json!({ "uri": "info://about" })).await?;
    let id = (n % 8).to_string();
    let update = call(
        "update_note",
        json!({ "id": id, "text": format!("round {n}") }),
    );
    request(client, "tools/call", update).await?;
    let note = format!("note://{id}");
    request(client, "resources/read", json!({ "uri": note })).await?;
    request(client, "resources/subscribe", json!({ "uri": note })).await?;
    request(client, "resources/unsubscribe", json!({ "uri": note })).await?;
    client
        .set_roots(vec![Root::new(format!("file:///soak/{}", n % 4))])
        .await
        .map_err(|e| e.to_string())?;
    let mut task_call = call("long_running", json!({ "seconds": 0 }));
    task_call["task"] = json!({ "ttl": 60_000 });
    let created = request(client, "tools/call", task_call).await?;
    let task_id = created["task"]["taskId"].clone();
    request(client, "tasks/result", json!({ "taskId": task_id })).await?;
    let cancel = CancellationToken::new();
    let options = RequestOptions::new().cancel_on(cancel.clone());
    let params = serde_json::value::to_raw_value(&call("slow", json!({ "seconds": 5 })))
        .map_err(|e| e.to_string())?;
    let slow = client
        .peer()
        .request_raw("tools/call", Some(params), options);
    let stop = async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        cancel.cancel();
    };
    let (outcome, ()) = tokio::join!(slow, stop);
    match outcome {
        Err(oxmcp::RequestError::Cancelled) => Ok(()),
        other => Err(format!("the cancelled call ended as {other:?}")),
    }
}

async fn connect(url: &str) -> Result<McpClient, String> {
    let transport = HttpClientTransport::new(url).map_err(|e| e.to_string())?;
    let handler = ClientHandler::new().with_roots(vec![Root::new("file:///soak")]);
    let config = ClientConfig::new(Implementation::new("soak", "1.0"));
    McpClient::connect(transport, config, handler)
        .await
        .map_err(|e| e.to_string())
}

async fn worker(
    url: String,
    until: Instant,
    pause: Duration,
    rounds: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
) {
    let mut n = 0u64;
    while Instant::now() < until {
        let client = match connect(&url).await {
            Ok(client) => client,
            Err(e) => {
                eprintln!("soak: connect: {e}");
                errors.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        for _ in 0..ROUNDS_PER_SESSION {
            if Instant::now() >= until {
                break;
            }
            n += 1;
            match round(&client, n).await {
                Ok(()) => rounds.fetch_add(1, Ordering::Relaxed),
                Err(e) => {
                    eprintln!("soak: {e}");
                    errors.fetch_add(1, Ordering::Relaxed)
                }
            };
            tokio::time::sleep(pause).await;
        }
        client.close().await;
    }
}

/// The least-squares slope of `samples` (seconds, KiB), in MiB per 10 minutes.
fn slope_mib_per_10_min(samples: &[(f64, f64)]) -> f64 {
    let count = samples.len() as f64;
    if count < 2.0 {
        return 0.0;
    }
    let (mean_t, mean_r) = samples.iter().fold((0.0, 0.0), |(t, r), (st, sr)| {
        (t + st / count, r + sr / count)
    });
    let (mut num, mut den) = (0.0, 0.0);
    for (t, r) in samples {
        num += (t - mean_t) * (r - mean_r);
        den += (t - mean_t) * (t - mean_t);
    }
    if den == 0.0 {
        0.0
    } else {
        num / den * 600.0 / 1024.0
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(e) => {
            eprintln!(
                "soak: {e}\nusage: soak [--secs S] [--workers N] [--pause-ms MS] [--server PATH]"
            );
            return ExitCode::from(2);
        }
    };
    let (child, url) = match start(&options.server).await {
        Ok(started) => started,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(1);
        }
    };
    let pid = child.id().unwrap_or_default();
    let started = Instant::now();
    let until = started + Duration::from_secs(options.secs);
    let (rounds, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let workers: Vec<_> = (0..options.workers)
        .map(|_| {
            tokio::spawn(worker(
                url.clone(),
                until,
                options.pause,
                rounds.clone(),
                errors.clone(),
            ))
        })
        .collect();
    let mut samples = Vec::new();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Some(kib) = rss_kib(pid) {
            samples.push((started.elapsed().as_secs_f64(), kib as f64));
        }
    }
    for worker in workers {
        let _ = worker.await;
    }
    let warm = samples.len() / 5;
    let slope = slope_mib_per_10_min(&samples[warm..]);
    let secs = started.elapsed().as_secs_f64();
    let (first, last) = (
        samples.first().map_or(0.0, |s| s.1),
        samples.last().map_or(0.0, |s| s.1),
    );
    let (rounds, errors) = (
        rounds.load(Ordering::Relaxed),
        errors.load(Ordering::Relaxed),
    );
    println!(
        "soak: {secs:.0} s, {} workers, {rounds} rounds ({:.0}/s), {errors} errors; server RSS {:.1} -> {:.1} MiB, slope after warm-up {slope:+.2} MiB per 10 min",
        options.workers,
        rounds as f64 / secs,
        first / 1024.0,
        last / 1024.0
    );
    drop(child);
    if errors > 0 || slope > MAX_SLOPE_MIB {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
