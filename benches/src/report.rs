//! The tables the benchmark prints (Markdown).

use std::time::Duration;

use crate::http_load::LoadResult;

/// One load measurement.
pub(crate) struct Row {
    which: String,
    transport: &'static str,
    concurrency: usize,
    per_second: f64,
    p50: u32,
    p90: u32,
    p99: u32,
    cpu_per_call: Option<Duration>,
    note: String,
}

impl Row {
    pub(crate) fn load(
        which: &str,
        transport: &'static str,
        concurrency: usize,
        result: &LoadResult,
        cpu_per_call: Option<Duration>,
    ) -> Self {
        Self {
            which: which.to_owned(),
            transport,
            concurrency,
            per_second: result.per_second(),
            p50: result.percentile(50.0),
            p90: result.percentile(90.0),
            p99: result.percentile(99.0),
            cpu_per_call,
            note: String::new(),
        }
    }

    pub(crate) fn with_note(mut self, note: String) -> Self {
        self.note = note;
        self
    }
}

pub(crate) fn print_load(rows: &[Row]) {
    if rows.is_empty() {
        return;
    }
    println!(
        "| server | transport | clients / in flight | calls/s | p50 us | p90 us | p99 us | server CPU us/call | note |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let cpu = r
            .cpu_per_call
            .map_or("-".to_owned(), |d| format!("{:.1}", d.as_secs_f64() * 1e6));
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {} |",
            r.which, r.transport, r.concurrency, r.per_second, r.p50, r.p90, r.p99, cpu, r.note
        );
    }
    println!();
}

/// Memory of idle sessions.
pub(crate) struct Memory {
    pub(crate) which: String,
    pub(crate) idle_rss: u64,
    pub(crate) per_session: f64,
}

pub(crate) fn print_memory(lines: &[Memory]) {
    println!("| server | RSS with 1 session | RSS per idle session (1,000 open) |");
    println!("|---|---|---|");
    for m in lines {
        println!(
            "| {} | {:.1} MiB | {:.1} KiB |",
            m.which,
            m.idle_rss as f64 / 1048576.0,
            m.per_session / 1024.0
        );
    }
    println!();
}

/// A long run's RSS samples.
pub(crate) struct Long {
    pub(crate) which: String,
    pub(crate) calls: usize,
    pub(crate) idle_rss: u64,
    pub(crate) samples: Vec<u64>,
}

pub(crate) fn print_long(lines: &[Long]) {
    println!("| server | calls | idle RSS | RSS after 2 s | peak RSS | RSS at the end |");
    println!("|---|---|---|---|---|---|");
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / 1048576.0);
    for l in lines {
        let early = l.samples.get(2).copied().unwrap_or(0);
        let peak = l.samples.iter().copied().max().unwrap_or(0);
        let last = l.samples.last().copied().unwrap_or(0);
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            l.which,
            l.calls,
            mib(l.idle_rss),
            mib(early),
            mib(peak),
            mib(last)
        );
    }
    println!();
}
