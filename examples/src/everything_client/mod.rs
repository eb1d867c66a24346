//! The client that exercises every feature of a server (the `everything-client` binary).
//!
//! It spawns the server command, connects with a host ([`host`]) that answers sampling
//! (a deterministic fake model that uses tools when offered), form and URL elicitation and
//! roots, and receives task-augmented sampling and elicitation as tasks, then runs the
//! checks that fit the server it finds: the oxmcp everything server ([`against_oxmcp`],
//! with its task flow in [`against_oxmcp::tasks`]), the official TypeScript everything
//! server ([`against_reference`], with its task tools in [`against_reference::tasks`]), or,
//! for any other server, listing everything it offers. Each check prints one line.

pub mod against_oxmcp;
pub mod against_reference;
pub mod auth;
pub mod host;

use std::fmt::Display;
use std::future::Future;

use oxmcp::ClientConfig;
use oxmcp::McpClient;
use oxmcp::transport::child::{ChildProcess, StderrMode};
use oxmcp::types::Implementation;

/// The `serverInfo.name` of the official TypeScript everything server.
pub const REFERENCE_SERVER_NAME: &str = "mcp-servers/everything";

/// One check and how it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// Whether it worked.
    pub ok: bool,
    /// What happened.
    pub detail: String,
}

/// The checks run so far; each is printed when it is recorded.
#[derive(Debug, Default)]
pub struct Report {
    /// The checks, in order.
    pub checks: Vec<Check>,
}

/// What a check returns: a description of what happened, or of what went wrong.
pub type Outcome = Result<String, String>;

/// `Err(message())` unless `condition` holds.
pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), String> {
    if condition { Ok(()) } else { Err(message()) }
}

/// Turns any error into a check failure.
pub fn failed(e: impl Display) -> String {
    e.to_string()
}

impl Report {
    /// Runs one check and records (and prints) its outcome.
    pub async fn check(&mut self, name: &str, work: impl Future<Output = Outcome>) -> bool {
        let outcome = work.await;
        let ok = outcome.is_ok();
        let detail = outcome.unwrap_or_else(|e| e);
        let mark = if ok { "ok  " } else { "FAIL" };
        println!("[{mark}] {name:<26} {detail}");
        self.checks.push(Check {
            name: name.to_owned(),
            ok,
            detail,
        });
        ok
    }

    /// Whether every check passed (and at least one ran).
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.ok).collect()
    }
}

/// Spawns `command` (program and arguments), connects over stdio, runs the checks that fit
/// the server, closes the session and shuts the server down.
pub async fn run(
    command: &[String],
    stderr: StderrMode,
) -> Result<Report, Box<dyn std::error::Error>> {
    let (program, args) = command.split_first().ok_or("no server command given")?;
    println!("spawning {}", command.join(" "));
    let (transport, child) = ChildProcess::new(program)
        .args(args)
        .stderr(stderr)
        .spawn()?;
    let client = McpClient::connect(transport, client_config(), host::handler()).await?;
    let report = exercise(&client).await;
    let status = child.shutdown().await?;
    println!("server exited: {status}");
    Ok(summarize(report))
}

/// Connects to the Streamable HTTP endpoint `url`, runs the checks that fit the server and
/// closes the session (with `DELETE`).
pub async fn run_http(url: &str) -> Result<Report, Box<dyn std::error::Error>> {
    run_http_with(url, None).await
}

/// [`run_http`] with OAuth 2.1 ([`auth`]) when `auth` is given.
pub async fn run_http_with(
    url: &str,
    auth: Option<auth::AuthMode>,
) -> Result<Report, Box<dyn std::error::Error>> {
    println!("connecting to {url}");
    let transport = match auth {
        Some(mode) => {
            let config = auth::http_config(url, mode).await?;
            oxmcp::http::HttpClientTransport::with_config(url, config)?
        }
        None => oxmcp::http::HttpClientTransport::new(url)?,
    };
    let client = McpClient::connect(transport, client_config(), host::handler()).await?;
    Ok(summarize(exercise(&client).await))
}

fn client_config() -> ClientConfig {
    ClientConfig::new(Implementation::new(
        "oxmcp-everything-client",
        env!("CARGO_PKG_VERSION"),
    ))
}

/// Runs the checks that fit the connected server, then closes the session.
async fn exercise(client: &McpClient) -> Report {
    let info = client.running().session();
    println!(
        "initialized: {} {} speaking MCP {}",
        info.peer_info.name, info.peer_info.version, info.protocol_version
    );
    let mut report = Report::default();
    match info.peer_info.name.as_str() {
        crate::everything_server::SERVER_NAME => against_oxmcp::run(client, &mut report).await,
        REFERENCE_SERVER_NAME => against_reference::run(client, &mut report).await,
        _ => against_oxmcp::list_everything(client, &mut report).await,
    }
    println!("closing the session");
    client.close().await;
    report
}

fn summarize(report: Report) -> Report {
    let failed = report.failures().len();
    println!("{} checks, {failed} failed", report.checks.len());
    report
}
