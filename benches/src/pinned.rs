//! `oxmcp-bench cpu CLIENTS ROUNDS [RATE]`: the server's CPU per call in each revision, with
//! the noise taken out. The server runs on a core of its own (the last one; one runtime
//! worker, as on a one-core container) and the load generator on the others, so that
//! neither takes the other's time; one server process serves both revisions, the loads of
//! the two alternating in rounds of two seconds, so that a machine that speeds up or slows
//! down during the run moves both columns alike. Reported: the median CPU per call of each
//! revision (user and system), and the range of their ratio over the rounds; and, as a
//! control, a 2025-11-25 call as large as a 2026-07-28 one (its `_meta`, its headers).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
use nix::unistd::Pid;

use crate::http_load::{self, Era};
use crate::proc_stats::{HttpServer, cpu_times};

/// How long each measured load runs.
const ROUND: Duration = Duration::from_secs(2);

/// Pins the calling thread (and so what it spawns from now on) to `cores`.
fn pin(cores: &[usize]) -> nix::Result<()> {
    let mut set = CpuSet::new();
    for &core in cores {
        set.set(core)?;
    }
    sched_setaffinity(Pid::from_raw(0), &set)
}

/// One round's measure of one revision.
#[derive(Debug, Clone, Copy)]
struct Sample {
    user: f64,
    system: f64,
}

impl Sample {
    fn total(self) -> f64 {
        self.user + self.system
    }
}

/// Runs the comparison and prints it. Call it before any runtime exists: the threads it
/// makes take the cores it pins.
pub(crate) fn run(
    clients: usize,
    rounds: usize,
    rate: Option<f64>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mine = sched_getaffinity(Pid::from_raw(0))?;
    let cores: Vec<usize> = (0..CpuSet::count())
        .filter(|&c| mine.is_set(c).unwrap_or(false))
        .collect();
    let Some((&server_core, load_cores)) = cores.split_last().filter(|(_, rest)| !rest.is_empty())
    else {
        return Err("cpu needs two cores at least: one for the server, one for the load".into());
    };
    // The server inherits the core of the thread that starts it.
    pin(&[server_core])?;
    let starter = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let server = starter.block_on(HttpServer::spawn("oxmcp"));
    pin(load_cores)?;
    let load = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], server.port));
    let measure = |era: Era, span: Duration| -> Sample {
        let (user0, system0) = cpu_times(server.pid);
        let start = Instant::now();
        let result = load.block_on(http_load::run_paced(
            addr,
            clients,
            &[era],
            start,
            start + span,
            rate,
        ));
        let (user1, system1) = cpu_times(server.pid);
        let calls = result.calls.max(1) as f64;
        Sample {
            user: (user1 - user0).as_secs_f64() * 1e6 / calls,
            system: (system1 - system0).as_secs_f64() * 1e6 / calls,
        }
    };
    for era in ERAS {
        measure(era, Duration::from_secs(1));
    }
    let mut samples: [Vec<Sample>; 3] = Default::default();
    for _ in 0..rounds {
        for (era, out) in ERAS.into_iter().zip(&mut samples) {
            out.push(measure(era, ROUND));
        }
    }
    starter.block_on(server.stop());
    report(clients, rate, &samples);
    Ok(())
}

/// The columns: a session call, a modern call, and a session call as large as a modern one
/// (what the bytes alone cost).
const ERAS: [Era; 3] = [Era::Legacy, Era::Modern, Era::LegacySized];
const NAMES: [&str; 3] = ["2025-11-25", "2026-07-28", "2025-11-25 sized as 2026-07-28"];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn report(clients: usize, rate: Option<f64>, samples: &[Vec<Sample>; 3]) {
    let [legacy, modern, _] = samples;
    let pace = rate.map_or("as fast as they can".to_owned(), |r| {
        format!("{r} calls/s in all")
    });
    println!(
        "server CPU per call, us ({clients} clients, {pace}; {} rounds):",
        legacy.len()
    );
    for (name, samples) in NAMES.into_iter().zip(samples) {
        let total: Vec<f64> = samples.iter().map(|s| s.total()).collect();
        let (lo, hi) = (
            total.iter().copied().fold(f64::INFINITY, f64::min),
            total.iter().copied().fold(0.0, f64::max),
        );
        println!(
            "  {name:>30}: {:.2} (range {lo:.2} to {hi:.2}; user {:.2}, system {:.2})",
            median(total.clone()),
            median(samples.iter().map(|s| s.user).collect()),
            median(samples.iter().map(|s| s.system).collect()),
        );
    }
    let ratio = |of: fn(Sample) -> f64| {
        let ratios: Vec<f64> = legacy
            .iter()
            .zip(modern)
            .map(|(l, m)| of(*m) / of(*l))
            .collect();
        let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().copied().fold(0.0, f64::max);
        (median(ratios), lo, hi)
    };
    let (total, lo, hi) = ratio(Sample::total);
    println!("  2026-07-28 / 2025-11-25: {total:.3} (rounds {lo:.3} to {hi:.3})");
    // Over loopback, part of the load generator's receiving is charged to the server's
    // system time, by timing: the user time is oxmcp's alone.
    let (user, lo, hi) = ratio(|s| s.user);
    println!("  in user time: {user:.3} (rounds {lo:.3} to {hi:.3})");
}
