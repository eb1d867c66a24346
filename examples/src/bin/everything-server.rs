//! The oxmcp server with every feature (see `oxmcp_examples::everything_server`).
//!
//! Usage: `everything-server stdio [--db PATH] [--request-state-keys KEYS]`, or
//! `everything-server http --port P [--db PATH | --redis URL [--task-lease-ms MS]
//! [--bus-liveness-ms MS] [--session-touch-ms MS]]
//! [--auth ISSUER_URL] [--request-state-keys KEYS]` (Streamable HTTP on
//! `http://127.0.0.1:P/mcp`, until Ctrl-C).
//! With `--redis redis://HOST:PORT/` the tasks, the events of resumable streams, the sessions
//! and the messages between instances are in that Redis: any number of processes on one
//! Redis serve as one server, behind a load balancer with no affinity (a process also takes
//! over the tasks of a dead one, by lease; give them all the same `KEYS` so that a
//! multi round-trip request may continue on any of them). `--task-lease-ms` sets how long
//! a task's lease lasts without renewal (default 30 000 ms, the store's default): a dead
//! process's tasks are taken over that long after it died, at the latest a sixth of it (at
//! most 5 s) later, when the live processes look for them again. `--bus-liveness-ms` sets
//! how long an instance counts as live after its last heartbeat on the bus (default
//! 15 000 ms, the bus's default; at least 3 000): the messages for a standalone stream
//! whose holder died stay, that long after its death, on the instance that has them.
//! `--session-touch-ms` sets how long a request of a session may go without refreshing the
//! session's expiry in Redis (`HttpServerConfig::session_touch_interval`; default 0, every
//! request refreshes it). With `--auth` the server is an OAuth 2.1 protected resource:
//! every request needs
//! a JWT access token (RFC 9068) of `ISSUER_URL` for the resource `http://127.0.0.1:P/mcp`
//! with the scope `mcp`, checked with the issuer's keys; `update_note` also needs
//! `notes:write`, `toggle_extras` needs `admin` (403 `insufficient_scope` otherwise); the
//! protected resource metadata is at `/.well-known/oauth-protected-resource/mcp`. Tasks are kept
//! in memory, or with `--db PATH` in that SQLite file: then, before serving, the tasks a
//! previous process left unfinished are recovered (`long_running` runs again, the others
//! fail with an "interrupted" status message).
//!
//! Over stdio the server has one client, the one that started it, so its tasks belong to one
//! fixed owner ([`STDIO_TASK_OWNER`]): a server restarted on the same `--db` serves the tasks
//! of the previous process to its new session. Over HTTP every session owns its own tasks.
//!
//! `KEYS` (or, without the flag, the environment variable `OXMCP_REQUEST_STATE_KEYS`, which
//! other users cannot read in the process list) signs the `requestState` of 2026-07-28
//! multi round-trip requests: comma-separated secrets of at least 32 bytes in hex or
//! base64, each optionally `id:`-prefixed, the first signing (see
//! `RequestStateKeys::from_config`). Instances given the same keys accept each other's
//! states; without keys each process draws a random one. Keys are never logged.
//!
//! Logs go to stderr (`RUST_LOG` filters them); the `tracing` events of request handlers
//! also reach the client as `notifications/message`.

use oxmcp::tasks::TasksServerExt as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use oxmcp::McpServer;
use oxmcp::auth::resource::{JwtConfig, JwtVerifier, ResourceConfig, ResourceServer, ScopePolicy};
use oxmcp::core::server::mrtr::{RequestStateKeys, RoundTripConfig};
use oxmcp::http::{HttpServerConfig, McpService, serve_with};
use oxmcp::redis::{
    DEFAULT_LEASE, DEFAULT_LIVENESS, RedisBus, RedisEventStore, RedisOptions, RedisSessionStore,
    RedisTaskStore,
};
use oxmcp::server::tracing_bridge::McpLoggingLayer;
use oxmcp::sqlite::SqliteTaskStore;
use oxmcp::tasks::{MemoryTaskStore, OwnerPolicy, TaskEngine};
use oxmcp::transport::stdio::stdio;
use oxmcp_examples::everything_server::{build_with, task_config};
use tokio::signal::unix::{SignalKind, signal};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const USAGE: &str = "usage: everything-server stdio [--db PATH] [--request-state-keys KEYS] | \
                     everything-server http --port P [--db PATH | --redis URL \
                     [--task-lease-ms MS] [--bus-liveness-ms MS] [--session-touch-ms MS]] \
                     [--auth ISSUER_URL] [--request-state-keys KEYS]";

type Failure = Box<dyn std::error::Error>;

/// The shortest `--task-lease-ms`: leases are renewed every third of their length.
const MIN_LEASE_MS: u64 = 300;

/// The shortest `--bus-liveness-ms`: an instance beats at least once a second (each read
/// of its inbox waits up to a second), well within its liveness.
const MIN_LIVENESS_MS: u64 = 3000;

/// What `--redis` and its flags ask for.
#[derive(Debug, PartialEq)]
struct OnRedis {
    url: String,
    lease: Duration,
    liveness: Duration,
    /// `--session-touch-ms`, if given (else the HTTP server's default).
    touch: Option<Duration>,
}

/// The owner of every task of the stdio server: it serves a single user.
const STDIO_TASK_OWNER: &str = "everything-server-stdio";

/// What the command line asks for.
#[derive(Debug, PartialEq)]
enum Command {
    Stdio {
        db: Option<PathBuf>,
        keys: Option<String>,
    },
    Http {
        port: u16,
        db: Option<PathBuf>,
        auth: Option<String>,
        redis: Option<String>,
        /// `--task-lease-ms` (with `--redis` only).
        lease: Option<Duration>,
        /// `--bus-liveness-ms` (with `--redis` only).
        liveness: Option<Duration>,
        /// `--session-touch-ms` (with `--redis` only).
        touch: Option<Duration>,
        keys: Option<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(tracing_subscriber::EnvFilter::from_default_env()),
        )
        .with(McpLoggingLayer::new())
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("everything-server: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let outcome = match command {
        Command::Stdio { db, keys } => serve_stdio(db, keys).await,
        Command::Http {
            port,
            db,
            auth,
            redis,
            lease,
            liveness,
            touch,
            keys,
        } => {
            let redis = redis.map(|url| OnRedis {
                url,
                lease: lease.unwrap_or(DEFAULT_LEASE),
                liveness: liveness.unwrap_or(DEFAULT_LIVENESS),
                touch,
            });
            serve_http(port, db, auth, redis, keys).await
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("everything-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<Command, String> {
    let (mode, rest) = args.split_first().ok_or("no mode given")?;
    let mut port = None;
    let mut db = None;
    let mut auth = None;
    let mut redis = None;
    let mut keys = None;
    let mut lease = None;
    let mut liveness = None;
    let mut touch = None;
    let mut rest = rest.iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" if mode == "http" && port.is_none() => {
                port = Some(
                    value
                        .parse::<u16>()
                        .map_err(|_| format!("invalid port {value:?}"))?,
                );
            }
            "--db" if db.is_none() => db = Some(PathBuf::from(value)),
            "--auth" if mode == "http" && auth.is_none() => auth = Some(value.clone()),
            "--redis" if mode == "http" && redis.is_none() => redis = Some(value.clone()),
            "--request-state-keys" if keys.is_none() => keys = Some(value.clone()),
            "--task-lease-ms" if mode == "http" && lease.is_none() => {
                let ms = value
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms >= MIN_LEASE_MS)
                    .ok_or_else(|| {
                        format!("--task-lease-ms needs at least {MIN_LEASE_MS}, not {value:?}")
                    })?;
                lease = Some(Duration::from_millis(ms));
            }
            "--bus-liveness-ms" if mode == "http" && liveness.is_none() => {
                let ms = value
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms >= MIN_LIVENESS_MS)
                    .ok_or_else(|| {
                        format!("--bus-liveness-ms needs at least {MIN_LIVENESS_MS}, not {value:?}")
                    })?;
                liveness = Some(Duration::from_millis(ms));
            }
            "--session-touch-ms" if mode == "http" && touch.is_none() => {
                let ms = value.parse::<u64>().map_err(|_| {
                    format!("--session-touch-ms needs a number of milliseconds, not {value:?}")
                })?;
                touch = Some(Duration::from_millis(ms));
            }
            other => return Err(format!("unexpected argument {other:?}")),
        }
    }
    match mode.as_str() {
        "stdio" => Ok(Command::Stdio { db, keys }),
        "http" => {
            let port = port.ok_or("http needs --port")?;
            if auth.is_some() && port == 0 {
                return Err("--auth needs a fixed --port: the resource URI names it".into());
            }
            if db.is_some() && redis.is_some() {
                return Err("--db and --redis are two places for the tasks: give one".into());
            }
            if (lease.is_some() || liveness.is_some() || touch.is_some()) && redis.is_none() {
                return Err(
                    "--task-lease-ms, --bus-liveness-ms and --session-touch-ms are for --redis"
                        .into(),
                );
            }
            Ok(Command::Http {
                port,
                db,
                auth,
                redis,
                lease,
                liveness,
                touch,
                keys,
            })
        }
        other => Err(format!("unknown mode {other:?}")),
    }
}

/// Builds the server with its tasks owned as `owner` says, in memory or in the SQLite file
/// `db` (recovering the tasks an earlier process left unfinished).
async fn server(
    db: Option<PathBuf>,
    owner: OwnerPolicy,
    keys: Option<String>,
) -> Result<McpServer, Failure> {
    let config = task_config().with_owner(owner);
    let round_trips = round_trips(keys)?;
    let Some(path) = db else {
        let engine = TaskEngine::new(MemoryTaskStore::new(), config);
        return Ok(build_with(engine, round_trips)?.0);
    };
    let store = SqliteTaskStore::open(&path).await?;
    let (server, _state) = build_with(TaskEngine::new(store, config), round_trips)?;
    let recovery = server.recover_tasks().await?;
    eprintln!(
        "everything-server: tasks in {}: {} resumed, {} failed as interrupted",
        path.display(),
        recovery.resumed.len(),
        recovery.failed.len()
    );
    Ok(server)
}

/// How multi round-trip requests run: signed with `--request-state-keys`, else with the
/// keys of `OXMCP_REQUEST_STATE_KEYS`, else with a random key of this process.
fn round_trips(flag: Option<String>) -> Result<RoundTripConfig, Failure> {
    let keys = match flag {
        Some(text) => Some(RequestStateKeys::from_config(&text)),
        None => RequestStateKeys::from_env().transpose(),
    };
    match keys {
        None => Ok(RoundTripConfig::default()),
        Some(Ok(keys)) => Ok(RoundTripConfig::default().with_keys(keys)),
        Some(Err(e)) => Err(format!("invalid request-state keys: {e}").into()),
    }
}

/// Serves one client on stdin/stdout until it closes stdin.
async fn serve_stdio(db: Option<PathBuf>, keys: Option<String>) -> Result<(), Failure> {
    let owner = OwnerPolicy::Fixed(STDIO_TASK_OWNER.to_owned());
    let server = server(db, owner, keys).await?;
    let running = server.serve(stdio());
    let end = running.wait().await;
    tracing::debug!(?end, "session ended");
    Ok(())
}

/// Serves every client that connects to `http://127.0.0.1:PORT/mcp`, until Ctrl-C (SIGINT);
/// as a protected resource of `issuer` when one is given. The SIGINT handler is in place
/// before the listening line: whoever reads it may signal at once.
async fn serve_http(
    port: u16,
    db: Option<PathBuf>,
    issuer: Option<String>,
    redis: Option<OnRedis>,
    keys: Option<String>,
) -> Result<(), Failure> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let (server, config) = match redis {
        None => (
            server(db, OwnerPolicy::default(), keys).await?,
            HttpServerConfig::default(),
        ),
        Some(redis) => on_redis(&redis, keys).await?,
    };
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let auth = match issuer {
        Some(issuer) => Some(protect(&server, &format!("http://{addr}/mcp"), &issuer)?),
        None => None,
    };
    let service = McpService::new(move |t| server.serve(t), config);
    let http = match auth {
        None => serve_with(addr, service, "/mcp").await?,
        Some(auth) => serve_with(addr, service.with_auth(auth), "/mcp").await?,
    };
    eprintln!("everything-server: listening on {}", http.url());
    interrupt.recv().await;
    http.shutdown().await;
    Ok(())
}

/// How often a process on Redis looks for the tasks of dead ones, for a task lease of
/// `lease`: a sixth of it, at most 5 s.
fn recovery_period(lease: Duration) -> Duration {
    (lease / 6).min(Duration::from_secs(5))
}

/// The server and HTTP settings for `--redis URL`: every store on that Redis, and the bus
/// between instances, which also carries the server's changes (list changes, resource
/// updates) to every instance's clients; tasks hold leases of `redis.lease`, and this
/// process takes over the tasks of dead ones (whose leases ran out) every
/// [`recovery_period`]; it counts as live on the bus for `redis.liveness` after each beat,
/// and refreshes a session's record at most once per `redis.touch` when one is given.
async fn on_redis(
    redis: &OnRedis,
    keys: Option<String>,
) -> Result<(McpServer, HttpServerConfig), Failure> {
    let (url, lease) = (redis.url.as_str(), redis.lease);
    let options = RedisOptions::new(url).lease(lease);
    let tasks = TaskEngine::new(RedisTaskStore::connect(&options).await?, task_config());
    let (server, _state) = build_with(tasks, round_trips(keys)?)?;
    drop(server.keep_recovering_tasks(recovery_period(lease)));
    let bus = RedisBus::connect(&options)
        .await?
        .with_liveness(redis.liveness);
    drop(bus.relay_changes(&server).await?);
    let mut config = HttpServerConfig::default()
        .with_event_store(Some(Arc::new(RedisEventStore::connect(&options).await?)))
        .with_session_store(Some(Arc::new(RedisSessionStore::connect(&options).await?)))
        .with_bus(Some(Arc::new(bus)));
    if let Some(touch) = redis.touch {
        config = config.with_session_touch_interval(touch);
    }
    eprintln!("everything-server: on redis {url}");
    Ok((server, config))
}

/// The resource server for `--auth`: JWT access tokens of `issuer` for `resource` with the
/// scope `mcp`; `update_note` needs `notes:write` and `toggle_extras` `admin` too, beside
/// the scopes the server's routes declare.
fn protect(server: &McpServer, resource: &str, issuer: &str) -> Result<ResourceServer, Failure> {
    let mut config = ResourceConfig::new(resource, [issuer]);
    config.resource_name = Some("oxmcp everything server".into());
    config.scopes_supported = vec!["mcp".into(), "notes:write".into(), "admin".into()];
    config.required_scopes = vec!["mcp".into()];
    config.scopes = ScopePolicy::default()
        .tool("update_note", ["notes:write"])
        .tool("toggle_extras", ["admin"])
        .server(server.clone());
    let verifier = JwtVerifier::new(JwtConfig::new(issuer, resource))?;
    Ok(ResourceServer::new(config, verifier)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_modes_and_flags() {
        assert_eq!(
            parse(&args("stdio")),
            Ok(Command::Stdio {
                db: None,
                keys: None
            })
        );
        assert_eq!(
            parse(&args("stdio --db /tmp/t.db --request-state-keys k:abc")),
            Ok(Command::Stdio {
                db: Some("/tmp/t.db".into()),
                keys: Some("k:abc".into()),
            })
        );
        assert_eq!(
            parse(&args("http --db x.db --port 8")),
            Ok(Command::Http {
                port: 8,
                db: Some("x.db".into()),
                auth: None,
                redis: None,
                lease: None,
                liveness: None,
                touch: None,
                keys: None,
            })
        );
        assert_eq!(
            parse(&args("http --port 8 --auth https://issuer.example")),
            Ok(Command::Http {
                port: 8,
                db: None,
                auth: Some("https://issuer.example".into()),
                redis: None,
                lease: None,
                liveness: None,
                touch: None,
                keys: None,
            })
        );
        assert_eq!(
            parse(&args("http --port 8 --redis redis://127.0.0.1:6379/")),
            Ok(Command::Http {
                port: 8,
                db: None,
                auth: None,
                redis: Some("redis://127.0.0.1:6379/".into()),
                lease: None,
                liveness: None,
                touch: None,
                keys: None,
            })
        );
        assert_eq!(
            parse(&args(
                "http --port 8 --redis redis://127.0.0.1:6379/ --task-lease-ms 1500"
            )),
            Ok(Command::Http {
                port: 8,
                db: None,
                auth: None,
                redis: Some("redis://127.0.0.1:6379/".into()),
                lease: Some(Duration::from_millis(1500)),
                liveness: None,
                touch: None,
                keys: None,
            })
        );
        assert_eq!(
            parse(&args(
                "http --port 8 --redis redis://r/ --bus-liveness-ms 3000 --task-lease-ms 300"
            )),
            Ok(Command::Http {
                port: 8,
                db: None,
                auth: None,
                redis: Some("redis://r/".into()),
                lease: Some(Duration::from_millis(300)),
                liveness: Some(Duration::from_millis(3000)),
                touch: None,
                keys: None,
            })
        );
        let touch = |line: &str| match parse(&args(line)) {
            Ok(Command::Http { touch, .. }) => touch,
            other => panic!("{line:?}: {other:?}"),
        };
        let on_redis = "http --port 8 --redis redis://r/";
        assert_eq!(touch(on_redis), None, "the library's default");
        assert_eq!(
            touch(&format!(
                "{on_redis} --session-touch-ms 1000 --task-lease-ms 300"
            )),
            Some(Duration::from_millis(1000))
        );
        assert_eq!(
            touch(&format!("{on_redis} --session-touch-ms 0")),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "stdio --port 1",
            "http",
            "http --port x",
            "http --port 1 --port 2",
            "stdio --db",
            "stdio --db a --db b",
            "stdio --auth https://issuer.example",
            "http --port 0 --auth https://issuer.example",
            "http --port 1 --auth a --auth b",
            "stdio --redis redis://127.0.0.1/",
            "http --port 1 --db a --redis redis://127.0.0.1/",
            "http --port 1 --task-lease-ms 1000",
            "http --port 1 --redis redis://127.0.0.1/ --task-lease-ms 299",
            "http --port 1 --redis redis://127.0.0.1/ --task-lease-ms x",
            "stdio --task-lease-ms 1000",
            "http --port 1 --bus-liveness-ms 5000",
            "http --port 1 --redis redis://127.0.0.1/ --bus-liveness-ms 2999",
            "http --port 1 --session-touch-ms 1000",
            "http --port 1 --redis redis://127.0.0.1/ --session-touch-ms x",
            "http --port 1 --redis redis://127.0.0.1/ --session-touch-ms -1",
            "http --port 1 --redis r --session-touch-ms 1 --session-touch-ms 2",
            "stdio --session-touch-ms 1000",
            "tcp",
            "stdio --request-state-keys a --request-state-keys b",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn the_default_lease_is_the_stores_and_recovery_follows_the_lease() {
        assert_eq!(DEFAULT_LEASE, Duration::from_secs(30));
        assert_eq!(recovery_period(DEFAULT_LEASE), Duration::from_secs(5));
        assert_eq!(
            recovery_period(Duration::from_millis(1500)),
            Duration::from_millis(250)
        );
    }

    #[test]
    fn request_state_keys_come_from_the_flag_and_never_show_in_errors() {
        let secret = "00".repeat(32);
        let config = round_trips(Some(format!("main:{secret}"))).unwrap();
        assert_eq!(config.keys.signing().id(), "main");
        let short = "ab".repeat(8);
        let message = round_trips(Some(short.clone())).unwrap_err().to_string();
        assert!(
            message.starts_with("invalid request-state keys"),
            "{message}"
        );
        assert!(!message.contains(&short), "{message}");
        assert!(!format!("{config:?}").contains(&secret));
    }
}
