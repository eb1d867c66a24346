//! `bridge stdio-to-http -- CMD`: a stdio server exposed over Streamable HTTP on 127.0.0.1
//! (Origin checks, an optional bearer token, each client with its own child or all sharing
//! one); `bridge http-to-stdio URL`: a remote server exposed to a stdio-only host, with the
//! CLI's OAuth (stored logins, or a browser login opened without a shell).

mod proxy;

use std::sync::Arc;

use oxmcp::transport::stdio::stdio;
use oxmcp_core::role::Server;
use oxmcp_core::transport::child::ChildProcess;
use oxmcp_core::{ClientConfig, RequestContext, RunningClient, ServerConfig, serve_server};
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{
    AllowedOrigins, AuthHook, AuthRejection, HttpServerConfig, McpService, serve_with,
};
use oxmcp_types::{ErrorData, InitializeResult};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::cli::{BridgeCommand, Global};
use crate::commands::Done;
use crate::connect::{self, Target, client_config};
use crate::error::{Exit, Failure};
use proxy::{Connector, ToHost, ToUpstream};

/// Runs a bridge until Ctrl-C (or, for `http-to-stdio`, until the host closes stdin).
pub(crate) async fn run(
    command: &BridgeCommand,
    global: &Global,
    cancel: &CancellationToken,
) -> Result<Done, Failure> {
    match command {
        BridgeCommand::StdioToHttp {
            port,
            shared,
            allow_origins,
            token_env,
            command,
        } => {
            let target = connect::resolve(None, command, global)?;
            let token = match token_env {
                Some(var) => Some(
                    std::env::var(var)
                        .map_err(|_| Failure::usage(format!("--token-env: ${var} is not set")))?,
                ),
                None => None,
            };
            let options = HttpSide {
                port: *port,
                shared: *shared,
                allow_origins: allow_origins.clone(),
                token,
            };
            stdio_to_http(&target, global, &options, cancel).await
        }
        BridgeCommand::HttpToStdio { url } => http_to_stdio(url, global, cancel).await,
    }
}

/// The settings of the HTTP side.
struct HttpSide {
    port: u16,
    shared: bool,
    allow_origins: Vec<String>,
    token: Option<String>,
}

/// What the host is told in its `initialize`: the upstream server's own answer.
fn server_config(result: &InitializeResult) -> ServerConfig {
    let mut config = ServerConfig::new(result.server_info.clone());
    config.capabilities = result.capabilities.clone();
    config.instructions = result.instructions.clone();
    config
}

/// Starts the stdio server of `target` and connects to it with `config`.
async fn connect_child(
    target: &Target,
    config: ClientConfig,
    handler: ToHost,
) -> Result<(RunningClient, oxmcp_core::transport::child::ChildHandle), Failure> {
    let Target::Stdio {
        program,
        args,
        env,
        cwd,
    } = target
    else {
        return Err(Failure::usage("stdio-to-http needs a command after `--`"));
    };
    let mut child = ChildProcess::new(program)
        .args(args)
        .envs(env.iter().cloned());
    if let Some(dir) = cwd {
        child = child.current_dir(dir);
    }
    let (transport, handle) = child
        .spawn()
        .map_err(|e| Failure::new(Exit::Connection, e.to_string()))?;
    match oxmcp_core::connect(transport, config, handler.clone()).await {
        Ok(client) => {
            handler.attach(&client);
            Ok((client, handle))
        }
        Err(e) => {
            let _ = handle.shutdown().await;
            Err(Failure::initialize(&e))
        }
    }
}

async fn stdio_to_http(
    target: &Target,
    global: &Global,
    side: &HttpSide,
    cancel: &CancellationToken,
) -> Result<Done, Failure> {
    // The first child tells what to declare; it serves every client when shared.
    let (probe, probe_handle) =
        connect_child(target, client_config(global)?, ToHost::default()).await?;
    let config = server_config(probe.initialize_result());
    let shared = side.shared.then(|| probe.clone());
    if shared.is_none() {
        probe.close().await;
        let _ = probe_handle.shutdown().await;
    }
    let base = client_config(global)?;
    let target = Arc::new(target.clone());
    let factory = move |t| {
        let handler = match &shared {
            Some(client) => ToUpstream::to(client.clone()),
            None => ToUpstream::new(per_client(target.clone(), base.clone())).mirroring_log_level(),
        };
        serve_server(t, config.clone(), handler)
    };
    let mut http = HttpServerConfig::default();
    if !side.allow_origins.is_empty() {
        http.allowed_origins = AllowedOrigins::List(side.allow_origins.clone());
    }
    let mut service = McpService::new(factory, http);
    if let Some(token) = &side.token {
        service = service.with_auth(Bearer(token.clone()));
    }
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], side.port));
    let server = serve_with(addr, service, "/mcp")
        .await
        .map_err(|e| Failure::new(Exit::Connection, format!("cannot serve on {addr}: {e}")))?;
    let url = server.url();
    eprintln!("oxmcp: bridging to {url} (Ctrl-C stops it)");
    cancel.cancelled().await;
    server.shutdown().await;
    if side.shared {
        probe.close().await;
        let _ = probe_handle.shutdown().await;
    }
    Ok(Done {
        json: json!({"url": url}),
        human: String::new(),
        exit: Exit::Ok,
    })
}

/// Each client's own child, started on its first request with the client's capabilities
/// and version, and stopped when its session ends.
fn per_client(target: Arc<Target>, base: ClientConfig) -> Connector {
    Arc::new(move |cx: RequestContext<Server>| {
        let (target, mut config) = (target.clone(), base.clone());
        Box::pin(async move {
            config.capabilities = cx.peer_capabilities().clone();
            config = config.with_protocol_version(cx.protocol_version());
            let to_host = ToHost::default();
            let _ = to_host.host.set(cx.peer().unrelated());
            let (client, handle) = connect_child(&target, config, to_host).await.map_err(|f| {
                ErrorData::internal_error(format!(
                    "the bridged server did not start: {}",
                    f.message
                ))
            })?;
            let (closing, handle) = (client.clone(), Arc::new(handle));
            cx.peer().on_session_end(move || {
                tokio::spawn(async move {
                    closing.close().await;
                    let _ = handle.shutdown().await;
                });
            });
            Ok(client)
        }) as BoxFuture<'static, Result<RunningClient, ErrorData>>
    })
}

/// Requires `Authorization: Bearer <token>`.
struct Bearer(String);

impl AuthHook for Bearer {
    fn authorize<'a>(
        &'a self,
        parts: &'a http::request::Parts,
    ) -> BoxFuture<'a, Result<(), AuthRejection>> {
        let given = parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| same(g.as_bytes(), self.0.as_bytes()));
        Box::pin(async move {
            if ok {
                Ok(())
            } else {
                Err(AuthRejection::new(
                    http::StatusCode::UNAUTHORIZED,
                    Some(http::HeaderValue::from_static("Bearer")),
                ))
            }
        })
    }
}

/// Compares in time that depends only on the lengths.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn http_to_stdio(
    url: &str,
    global: &Global,
    cancel: &CancellationToken,
) -> Result<Done, Failure> {
    let target = connect::resolve(Some(url), &[], global)?;
    let Target::Http { url, headers } = &target else {
        return Err(Failure::usage("http-to-stdio needs an http(s) URL"));
    };
    let transport = connect::bridge_transport(url, headers).await?;
    let mut config = client_config(global)?;
    // A login in the browser may come first.
    config.initialize_timeout = config
        .initialize_timeout
        .max(std::time::Duration::from_secs(300));
    let to_host = ToHost::default();
    let upstream = oxmcp_core::connect(transport, config, to_host.clone())
        .await
        .map_err(|e| Failure::initialize(&e))?;
    to_host.attach(&upstream);
    let running = serve_server(
        stdio(),
        server_config(upstream.initialize_result()),
        ToUpstream::to(upstream.clone()).mirroring_log_level(),
    );
    let _ = to_host.host.set(running.peer().clone());
    tokio::select! {
        _ = running.wait() => {}
        _ = upstream.handle().wait() => eprintln!("oxmcp: the upstream session ended"),
        () = cancel.cancelled() => {}
    }
    upstream.close().await;
    Ok(Done {
        json: Value::Null,
        human: String::new(),
        exit: Exit::Ok,
    })
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn token_comparison() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
