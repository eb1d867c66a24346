//! `oxmcp-bench`: oxmcp against the official Rust SDK (rmcp 3.11) serving the same `echo`
//! tool, each server in its own process, one cheap load generator (raw MCP over hyper with
//! keep-alive, pre-serialized bodies; raw lines over pipes for stdio).
//!
//! Run everything with `scripts/bench` (release build), or:
//! `oxmcp-bench [--secs S] [--long-secs S] [--only http|stdio|memory|long] [--impl A,B]
//! [--server-exe PATH]`.
//! `oxmcp-bench load PORT CLIENTS SECS [legacy|modern|mixed|sized [RATE]]` drives a server already
//! running (for profiling it), speaking 2025-11-25, 2026-07-28 or both, as fast as it can or
//! at RATE calls a second in all.
//! `oxmcp-bench serve IMPL http|stdio` is the server mode the runs spawn
//! (IMPL: `oxmcp`, `oxmcp-sse`, `oxmcp-stateless`, `rmcp`, `raw`; `oxmcp-redis` with the Redis
//! named by `OXMCP_BENCH_REDIS`;
//! `oxmcp-16tools` and `rmcp-16tools` serve sixteen typed tools over stdio, for cold start). `--server-exe` runs the servers from another
//! build of this program (an A/B comparison with one load generator).
//! `oxmcp-bench proxy PORT,PORT,...` is the round-robin proxy of the `oxmcp-redis-x3` rows.
//! `oxmcp-bench cpu CLIENTS ROUNDS [RATE]` compares the server's CPU per call in the two
//! revisions with the server and the load on cores of their own (see [`pinned`]);
//! `oxmcp-bench inproc ROUNDS CALLS [legacy|modern]` compares them in process, without
//! sockets or HTTP parsing (see [`inproc`]).

mod http_load;
mod inproc;
mod pinned;
mod proc_stats;
mod proxy;
mod report;
mod scale;
mod servers;
mod stdio_load;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_load::Era;
use proc_stats::{HttpServer, cpu_time, rss};
use report::Row;
use servers::Impl;

struct Options {
    secs: u64,
    long_secs: u64,
    only: Option<String>,
    /// The servers to measure (default: all of them).
    impls: Option<Vec<String>>,
}

impl Options {
    fn runs(&self, which: &str) -> bool {
        self.impls
            .as_ref()
            .is_none_or(|list| list.iter().any(|i| i == which))
    }
}

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        secs: 3,
        long_secs: 20,
        only: None,
        impls: None,
    };
    while let Some(arg) = args.next() {
        let mut number = || {
            args.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{arg} N"))
        };
        match arg.as_str() {
            "--secs" => options.secs = number()?,
            "--long-secs" => options.long_secs = number()?,
            "--only" => options.only = args.next(),
            "--impl" => {
                let list = args.next().ok_or("--impl A,B")?;
                let names: Vec<String> = list.split(',').map(str::to_owned).collect();
                if let Some(bad) = names.iter().find(|n| Impl::parse(n).is_none()) {
                    return Err(format!("unknown server {bad}"));
                }
                options.impls = Some(names);
            }
            "--server-exe" => {
                let path = args.next().ok_or("--server-exe PATH")?;
                proc_stats::set_server_exe(path.into());
            }
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    Ok(options)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if first.as_deref() == Some("cpu") {
        // Before any runtime: the threads it makes take the cores it pins.
        return cpu(args);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if first.as_deref() == Some("serve") {
        let which = args
            .next()
            .as_deref()
            .and_then(Impl::parse)
            .ok_or("serve IMPL")?;
        return match args.next().as_deref() {
            Some("http") => runtime.block_on(servers::serve_http(which)),
            Some("stdio") => runtime.block_on(servers::serve_stdio(which)),
            _ => Err("serve IMPL http|stdio".into()),
        };
    }
    if first.as_deref() == Some("inproc") {
        // `inproc ROUNDS CALLS [legacy|modern]`: the server's own cost per call, both
        // revisions (or one, for a profiler), in process.
        const USAGE: &str = "inproc ROUNDS CALLS [legacy|modern]";
        let mut number = || args.next().and_then(|v| v.parse::<usize>().ok());
        let (Some(rounds), Some(calls)) = (number(), number()) else {
            return Err(USAGE.into());
        };
        let only = match args.next().as_deref() {
            None => None,
            Some("legacy") => Some(Era::Legacy),
            Some("modern") => Some(Era::Modern),
            Some(_) => return Err(USAGE.into()),
        };
        // One worker, the calls spawned on it: the runtime of a server on one core.
        let single = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let result = single.block_on(async move {
            tokio::spawn(async move {
                inproc::run(rounds.max(1), calls.max(1), only)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await
        })??;
        println!(
            "in process, per call: 2025-11-25 {:.2} us, 2026-07-28 {:.2} us, ratio {:.3} (rounds {:.3} to {:.3})",
            result.legacy.as_secs_f64() * 1e6,
            result.modern.as_secs_f64() * 1e6,
            result.modern.as_secs_f64() / result.legacy.as_secs_f64(),
            result.ratio_range.0,
            result.ratio_range.1,
        );
        return Ok(());
    }
    if first.as_deref() == Some("proxy") {
        let ports = args.next().ok_or("proxy PORT,PORT,...")?;
        let addrs = ports
            .split(',')
            .map(|p| {
                p.parse::<u16>()
                    .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return runtime.block_on(proxy::serve(addrs));
    }
    if first.as_deref() == Some("load") {
        // `load PORT CLIENTS SECS [ERA [RATE]]`: drives a server already running (for
        // profilers), at most RATE calls a second in all when given.
        const USAGE: &str = "load PORT CLIENTS SECS [legacy|modern|mixed|sized [RATE]]";
        let mut number = || args.next().and_then(|v| v.parse::<u64>().ok());
        let (Some(port), Some(clients), Some(secs)) = (number(), number(), number()) else {
            return Err(USAGE.into());
        };
        let eras = eras_of(args.next().as_deref().unwrap_or("legacy")).ok_or(USAGE)?;
        let rate = match args.next() {
            Some(rate) => Some(rate.parse::<f64>().map_err(|_| USAGE)?),
            None => None,
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], u16::try_from(port)?));
        let start = Instant::now() + Duration::from_millis(500);
        let end = start + Duration::from_secs(secs);
        let result = runtime.block_on(http_load::run_paced(
            addr,
            usize::try_from(clients)?,
            eras,
            start,
            end,
            rate,
        ));
        println!("{} calls", result.calls);
        return Ok(());
    }
    let options = parse_options(first.into_iter().chain(args))?;
    runtime.block_on(run_all(&options));
    Ok(())
}

/// The two revisions' CPU per call with the server and the load on cores of their own
/// (`cpu 16 6`, in a process of its own: it pins its threads before it makes them).
async fn pinned_comparison() {
    let mut command =
        tokio::process::Command::new(std::env::current_exe().expect("the path of this program"));
    command.args(["cpu", "16", "6"]);
    if let Some(exe) = proc_stats::server_exe() {
        command.arg("--server-exe").arg(exe);
    }
    match command.output().await {
        Ok(out) if out.status.success() => {
            println!();
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
        Ok(out) => eprintln!(
            "skipping the pinned comparison: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => eprintln!("skipping the pinned comparison: {e}"),
    }
}

/// `cpu CLIENTS ROUNDS [RATE] [--server-exe PATH]`: see [`pinned`].
fn cpu(args: impl Iterator<Item = String>) -> Result<(), Box<dyn std::error::Error>> {
    const USAGE: &str = "cpu CLIENTS ROUNDS [RATE] [--server-exe PATH]";
    let mut numbers = Vec::new();
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        if arg == "--server-exe" {
            proc_stats::set_server_exe(args.next().ok_or(USAGE)?.into());
        } else {
            numbers.push(arg.parse::<f64>().map_err(|_| USAGE)?);
        }
    }
    let (clients, rounds, rate) = match numbers[..] {
        [c, r] => (c, r, None),
        [c, r, rate] => (c, r, Some(rate)),
        _ => return Err(USAGE.into()),
    };
    pinned::run(clients.max(1.0) as usize, rounds.max(1.0) as usize, rate)
}

async fn run_all(options: &Options) {
    let wanted = |part: &str| options.only.as_deref().is_none_or(|o| o == part);
    let mut rows = Vec::new();
    if wanted("http") {
        for which in [
            "oxmcp",
            "oxmcp-modern",
            "oxmcp-mixed",
            "oxmcp-sse",
            "oxmcp-stateless",
            "oxmcp-redis",
            "oxmcp-redis-x3",
            "rmcp",
            "raw",
        ] {
            if options.runs(which) {
                rows.extend(http_rows(which, options.secs).await);
            }
        }
    }
    if wanted("stdio") {
        for which in ["oxmcp", "rmcp", "raw"]
            .into_iter()
            .filter(|w| options.runs(w))
        {
            let measure = Duration::from_secs(options.secs);
            // One call at a time (one agent, one local server: latency), then 32 (throughput).
            let one = stdio_load::run(which, 1, Duration::from_secs(1), measure).await;
            rows.push(Row::load(
                which,
                "stdio",
                1,
                &one.load,
                Some(one.cpu_per_call),
            ));
            let result = stdio_load::run(which, 32, Duration::from_secs(1), measure).await;
            let cold = stdio_load::cold_start(which, 21).await;
            let mut note = format!("cold start {:.2} ms", cold.as_secs_f64() * 1e3);
            if which != "raw" {
                let sixteen = stdio_load::cold_start(&format!("{which}-16tools"), 21).await;
                note += &format!(", {:.2} ms with 16 tools", sixteen.as_secs_f64() * 1e3);
            }
            rows.push(
                Row::load(which, "stdio", 32, &result.load, Some(result.cpu_per_call))
                    .with_note(note),
            );
        }
    }
    report::print_load(&rows);
    if wanted("http") && options.runs("oxmcp-modern") {
        pinned_comparison().await;
    }
    if wanted("memory") {
        let mut lines = Vec::new();
        for which in ["oxmcp", "rmcp"].into_iter().filter(|w| options.runs(w)) {
            lines.push(idle_sessions(which, 1000).await);
        }
        report::print_memory(&lines);
    }
    if wanted("long") {
        let mut lines = Vec::new();
        for which in ["oxmcp", "rmcp"].into_iter().filter(|w| options.runs(w)) {
            lines.push(long_run(which, 16, options.long_secs).await);
        }
        report::print_long(&lines);
    }
}

/// The revisions the load generator speaks for a server name (`oxmcp-modern`: 2026-07-28
/// only; `oxmcp-mixed`: every other client each; else 2025-11-25).
fn eras_of(which: &str) -> Option<&'static [Era]> {
    Some(match which {
        "legacy" => &[Era::Legacy],
        "modern" | "oxmcp-modern" => &[Era::Modern],
        "mixed" | "oxmcp-mixed" => &[Era::Legacy, Era::Modern],
        "sized" => &[Era::LegacySized],
        _ if Impl::parse(which).is_some() => &[Era::Legacy],
        _ => return None,
    })
}

/// What a run drives: one server process, or oxmcp instances on Redis (see [`scale`]).
enum Target {
    One(HttpServer),
    Cluster(Box<scale::Cluster>),
}

impl Target {
    async fn start(which: &str) -> Result<Self, String> {
        Ok(match which {
            "oxmcp-redis" => Self::Cluster(Box::new(scale::Cluster::start(1).await?)),
            "oxmcp-redis-x3" => Self::Cluster(Box::new(scale::Cluster::start(3).await?)),
            _ => Self::One(HttpServer::spawn(which).await),
        })
    }

    fn addr(&self) -> SocketAddr {
        match self {
            Self::One(server) => SocketAddr::from(([127, 0, 0, 1], server.port)),
            Self::Cluster(cluster) => cluster.addr,
        }
    }

    /// The servers, whose CPU time is the row's CPU per call.
    fn server_pids(&self) -> Vec<u32> {
        match self {
            Self::One(server) => vec![server.pid],
            Self::Cluster(cluster) => cluster.server_pids(),
        }
    }

    /// Redis and the proxy, reported in the row's note.
    fn helper_pids(&self) -> Vec<(&'static str, u32)> {
        match self {
            Self::One(_) => Vec::new(),
            Self::Cluster(cluster) => cluster.helper_pids(),
        }
    }

    async fn stop(self) {
        match self {
            Self::One(server) => server.stop().await,
            Self::Cluster(cluster) => cluster.stop().await,
        }
    }
}

fn total_cpu(pids: &[u32]) -> Duration {
    pids.iter().map(|&pid| cpu_time(pid)).sum()
}

/// 1, 16 and 64 clients against one server process (or one cluster).
async fn http_rows(which: &str, secs: u64) -> Vec<Row> {
    let eras = eras_of(which).unwrap_or(&[Era::Legacy]);
    let target = match Target::start(which).await {
        Ok(target) => target,
        Err(why) => {
            eprintln!("skipping {which}: {why}");
            return Vec::new();
        }
    };
    let addr = target.addr();
    let (servers, helpers) = (target.server_pids(), target.helper_pids());
    let mut rows = Vec::new();
    for clients in [1, 16, 64] {
        let start = Instant::now() + Duration::from_secs(1);
        let end = start + Duration::from_secs(secs);
        let (servers, helpers) = (servers.clone(), helpers.clone());
        let cpu = tokio::spawn(async move {
            tokio::time::sleep_until(start.into()).await;
            let before = total_cpu(&servers);
            let helpers_before: Vec<Duration> = helpers.iter().map(|h| cpu_time(h.1)).collect();
            tokio::time::sleep_until(end.into()).await;
            let helpers_used: Vec<(&str, Duration)> = helpers
                .iter()
                .zip(helpers_before)
                .map(|(h, b)| (h.0, cpu_time(h.1).saturating_sub(b)))
                .collect();
            (total_cpu(&servers).saturating_sub(before), helpers_used)
        });
        let result = http_load::run(addr, clients, eras, start, end).await;
        let (cpu, helpers_used) = cpu.await.unwrap_or_default();
        let calls = u32::try_from(result.calls.max(1)).unwrap_or(u32::MAX);
        let note = helpers_used
            .iter()
            .map(|(name, used)| {
                format!("{name} {:.1} us/call", (*used / calls).as_secs_f64() * 1e6)
            })
            .collect::<Vec<_>>()
            .join(", ");
        rows.push(Row::load(which, "http", clients, &result, Some(cpu / calls)).with_note(note));
    }
    target.stop().await;
    rows
}

/// RSS growth per session with `sessions` initialized, idle sessions open.
async fn idle_sessions(which: &str, sessions: usize) -> report::Memory {
    let server = HttpServer::spawn(which).await;
    let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
    // One session first, so that one-time setup is not counted per session.
    let mut clients = Vec::new();
    let mut warm = http_load::HttpClient::connect(addr)
        .await
        .expect("a session");
    warm.call().await.expect("a call");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss(server.pid);
    let connections = 10;
    for c in 0..connections {
        let mut client = http_load::HttpClient::connect(addr)
            .await
            .expect("a session");
        for _ in 1..sessions / connections {
            client.initialize().await.expect("a session");
        }
        let _ = c;
        clients.push(client);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss(server.pid);
    server.stop().await;
    report::Memory {
        which: which.to_owned(),
        idle_rss: before,
        per_session: after.saturating_sub(before) as f64 / sessions as f64,
    }
}

/// `clients` clients for `secs` seconds, RSS sampled every second.
async fn long_run(which: &str, clients: usize, secs: u64) -> report::Long {
    let server = HttpServer::spawn(which).await;
    let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
    let start = Instant::now() + Duration::from_secs(1);
    let end = start + Duration::from_secs(secs);
    let idle = rss(server.pid);
    let pid = server.pid;
    let sampler = tokio::spawn(async move {
        let mut samples = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        while Instant::now() < end {
            tick.tick().await;
            samples.push(rss(pid));
        }
        samples
    });
    let result = http_load::run(addr, clients, &[Era::Legacy], start, end).await;
    let samples = sampler.await.unwrap_or_default();
    server.stop().await;
    report::Long {
        which: which.to_owned(),
        calls: result.calls,
        idle_rss: idle,
        samples,
    }
}
