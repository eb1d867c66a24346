//! The server's own cost per call, in process: the `echo` server's [`McpService`] called
//! with requests built once (no sockets, no HTTP parsing, no load generator), on one
//! thread, the two revisions alternating in rounds. What the two columns differ by is what
//! oxmcp does per call, without the kernel's and hyper's share and without the noise of a
//! load generator on the same cores. The calls run on a runtime of one worker, as in a
//! server on one core.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use oxmcp_http::{HttpServerConfig, McpService};

use crate::http_load::{Era, call_body, post};

/// The median time per call of each revision over `rounds` rounds of `calls` calls each.
pub(crate) struct InProcess {
    pub(crate) legacy: Duration,
    pub(crate) modern: Duration,
    /// The range of modern / legacy over the rounds.
    pub(crate) ratio_range: (f64, f64),
}

/// Runs the comparison on the current (single-threaded) runtime; with `only`, the calls of
/// that revision alone (for a profiler: the other column is then zero).
pub(crate) async fn run(
    rounds: usize,
    calls: usize,
    only: Option<Era>,
) -> Result<InProcess, Box<dyn std::error::Error>> {
    let server = crate::servers::oxmcp_server();
    let service = McpService::new(move |t| server.serve(t), HttpServerConfig::default());
    let session = open_session(&service).await?;
    let authority = "127.0.0.1:1";
    let request = |era: Era| {
        let body = Bytes::from_static(call_body(era).as_bytes());
        let session = (era == Era::Legacy).then_some(&session);
        post(authority, session, era, body)
    };
    // Warm up both paths (the modern state cache, the session pool, the allocator).
    for era in [Era::Legacy, Era::Modern] {
        if only.is_some_and(|o| o != era) {
            continue;
        }
        for _ in 0..calls.min(1000) {
            call(&service, request(era)).await?;
        }
    }
    let mut legacy = Vec::with_capacity(rounds);
    let mut modern = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        for (era, out) in [(Era::Legacy, &mut legacy), (Era::Modern, &mut modern)] {
            if only.is_some_and(|o| o != era) {
                out.push(Duration::ZERO);
                continue;
            }
            // The requests are built before the clock starts: a client's cost, not ours.
            let requests: Vec<_> = (0..calls).map(|_| request(era)).collect();
            let start = Instant::now();
            for r in requests {
                call(&service, r).await?;
            }
            out.push(start.elapsed() / u32::try_from(calls)?);
        }
    }
    let ratios: Vec<f64> = legacy
        .iter()
        .zip(&modern)
        .map(|(l, m)| m.as_secs_f64() / l.as_secs_f64().max(1e-12))
        .collect();
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(0.0, f64::max);
    Ok(InProcess {
        legacy: median(legacy),
        modern: median(modern),
        ratio_range: (min, max),
    })
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// One call, its answer read whole and checked.
async fn call(
    service: &McpService,
    request: Request<Full<Bytes>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let response = service.handle(request).await;
    let body = response.into_body().collect().await?.to_bytes();
    if memchr::memmem::find(&body, b"hello, bench").is_none() {
        return Err(format!("bad answer: {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(())
}

/// Opens a 2025-11-25 session (`initialize`, then `notifications/initialized`).
async fn open_session(
    service: &McpService,
) -> Result<http::HeaderValue, Box<dyn std::error::Error>> {
    let authority = "127.0.0.1:1";
    let init = post(
        authority,
        None,
        Era::Legacy,
        Bytes::from_static(crate::http_load::INITIALIZE.as_bytes()),
    );
    let response = service.handle(init).await;
    let session = response
        .headers()
        .get("mcp-session-id")
        .cloned()
        .ok_or("no session id")?;
    let _ = response.into_body().collect().await?;
    let initialized = post(
        authority,
        Some(&session),
        Era::Legacy,
        Bytes::from_static(crate::http_load::INITIALIZED.as_bytes()),
    );
    let _ = service
        .handle(initialized)
        .await
        .into_body()
        .collect()
        .await?;
    Ok(session)
}
