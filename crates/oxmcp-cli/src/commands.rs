//! The commands that talk to a server: connect, run, render.

mod bench;
mod call;
mod mock;
mod serve;
mod tasks;

use std::future::Future;
use std::time::Instant;

use oxmcp_core::client::McpClient;
use oxmcp_types::LoggingLevel;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::cli::{AuthCommand, Cli, Command, Global, ServeCommand, TargetOnly};
use crate::connect::{self, split_words};
use crate::error::{Exit, Failure};
use crate::hosts::{self, Places, ServerEntry};
use crate::output::{self, Style};
use crate::{interact, login};

/// What a command produced: its JSON document, its human rendering, its exit code.
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) json: Value,
    pub(crate) human: String,
    pub(crate) exit: Exit,
}

impl Done {
    fn ok(json: Value, human: String) -> Self {
        Self {
            json,
            human,
            exit: Exit::Ok,
        }
    }
}

/// What every command needs.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) global: Global,
    pub(crate) style: Style,
    /// Cancelled on Ctrl-C.
    pub(crate) cancel: CancellationToken,
}

/// Runs the command.
pub(crate) async fn run(cli: Cli, cancel: CancellationToken) -> Result<Done, Failure> {
    let cx = Ctx {
        global: cli.global,
        style: Style::detect(),
        cancel,
    };
    match cli.command {
        Command::Inspect(t) => with_session(&cx, t.target.as_deref(), &t.command, inspect).await,
        Command::Tools(t) => list_command(&cx, &t, "tools").await,
        Command::Resources(t) => list_command(&cx, &t, "resources").await,
        Command::Templates(t) => list_command(&cx, &t, "resourceTemplates").await,
        Command::Prompts(t) => list_command(&cx, &t, "prompts").await,
        Command::Ping(t) => with_session(&cx, t.target.as_deref(), &t.command, ping).await,
        Command::Call(args) => {
            let (target, words) = split_words(&args.words, &args.command)?;
            let run = |c| call::call(c, &cx, words, &args);
            with_session(&cx, target, &args.command, run).await
        }
        Command::Read(w) => {
            let (target, words) = split_words(&w.words, &w.command)?;
            with_session(&cx, target, &w.command, |c| call::read(c, &cx, words)).await
        }
        Command::Prompt(w) => {
            let (target, words) = split_words(&w.words, &w.command)?;
            with_session(&cx, target, &w.command, |c| call::prompt(c, &cx, words)).await
        }
        Command::Complete(w) => {
            let (target, words) = split_words(&w.words, &w.command)?;
            with_session(&cx, target, &w.command, |c| call::complete(c, words)).await
        }
        Command::Tasks(action) => tasks::run(&cx, &action).await,
        Command::Bench(args) => {
            let run = |c| bench::bench(c, &cx, &args);
            with_session(&cx, args.target.as_deref(), &args.command, run).await
        }
        other => local(&cx, other).await,
    }
}

/// The commands that do not talk to a server given as a target.
async fn local(cx: &Ctx, command: Command) -> Result<Done, Failure> {
    match command {
        Command::Bridge(bridge) => crate::bridge::run(&bridge, &cx.global, &cx.cancel).await,
        Command::Servers => servers(cx),
        Command::Login(args) => {
            let json = login::login(&args, &cx.global).await?;
            let human = match json.get("loggedIn") {
                Some(Value::Bool(true)) => format!(
                    "Logged in to {}; the tokens are kept in {}\n",
                    args.url,
                    json["tokenFile"].as_str().unwrap_or("")
                ),
                _ => format!(
                    "{} did not ask for authorization; nothing to keep\n",
                    args.url
                ),
            };
            Ok(Done::ok(json, human))
        }
        Command::Logout(u) => {
            let json = login::logout(&u.url).await?;
            let n = json["removed"].as_array().map_or(0, Vec::len);
            Ok(Done::ok(
                json,
                format!("Forgot {n} login(s) for {}\n", u.url),
            ))
        }
        Command::Auth(AuthCommand::Status) => auth_status(cx.style),
        Command::Serve(ServeCommand::Demo {
            http,
            request_state_keys,
        }) => serve::demo(http, request_state_keys.as_deref(), &cx.cancel).await,
        Command::Serve(ServeCommand::Mock { file, http }) => {
            serve::mock(&file, http, &cx.cancel).await
        }
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "oxmcp", &mut out);
            Ok(Done::ok(
                Value::Null,
                String::from_utf8_lossy(&out).into_owned(),
            ))
        }
        // The commands with a target are run by `run`.
        other => Err(Failure::usage(format!("{other:?} needs a target"))),
    }
}

/// `tools`, `resources`, `templates`, `prompts`.
async fn list_command(cx: &Ctx, t: &TargetOnly, what: &'static str) -> Result<Done, Failure> {
    let style = cx.style;
    with_session(cx, t.target.as_deref(), &t.command, |c| {
        list(c, what, style)
    })
    .await
}

/// Connects, runs `f`, closes (whatever `f` returned).
async fn with_session<F, Fut>(
    cx: &Ctx,
    target: Option<&str>,
    command: &[String],
    f: F,
) -> Result<Done, Failure>
where
    F: FnOnce(McpClient) -> Fut,
    Fut: Future<Output = Result<Done, Failure>>,
{
    let target = connect::resolve(target, command, &cx.global)?;
    let handler = interact::handler(&cx.global)?;
    let session = connect::connect(&target, &cx.global, handler).await?;
    let result = async {
        if let Some(level) = &cx.global.log_level {
            let level: LoggingLevel = serde_json::from_value(Value::String(level.clone()))
                .map_err(|_| Failure::usage(format!("unknown log level `{level}` (debug, info, notice, warning, error, critical, alert, emergency)")))?;
            session.client.peer().set_logging_level(level).await.map_err(|e| Failure::request("logging/setLevel", &e))?;
        }
        f(session.client.clone()).await
    }
    .await
    .map_err(|f| session.classify(f));
    session.close().await;
    result
}

/// Every page of one list (`tools`, `resources`, `resourceTemplates`, `prompts`).
async fn collect(client: &McpClient, what: &str) -> Result<Vec<Value>, Failure> {
    let peer = client.peer();
    let fail = |e: oxmcp_core::client::PaginationError| pagination_failure(what, &e);
    let items = match what {
        "tools" => to_values(&peer.list_tools().collect_all().await.map_err(fail)?),
        "resources" => to_values(&peer.list_resources().collect_all().await.map_err(fail)?),
        "resourceTemplates" => to_values(
            &peer
                .list_resource_templates()
                .collect_all()
                .await
                .map_err(fail)?,
        ),
        _ => to_values(&peer.list_prompts().collect_all().await.map_err(fail)?),
    };
    Ok(items)
}

fn pagination_failure(what: &str, e: &oxmcp_core::client::PaginationError) -> Failure {
    match e {
        oxmcp_core::client::PaginationError::Request(r) => {
            Failure::request(&format!("listing {what}"), r)
        }
        other => Failure::new(Exit::Protocol, format!("listing {what}: {other}")),
    }
}

fn to_values<T: serde::Serialize>(items: &[T]) -> Vec<Value> {
    items
        .iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

/// The capability a list needs.
fn capability(what: &str) -> &'static str {
    match what {
        "tools" => "tools",
        "prompts" => "prompts",
        _ => "resources",
    }
}

async fn list(client: McpClient, what: &str, style: Style) -> Result<Done, Failure> {
    let items = collect(&client, what).await?;
    let rows = match what {
        "tools" => output::tool_rows(&items),
        "resourceTemplates" => output::item_rows(&items, "uriTemplate"),
        "resources" => output::item_rows(&items, "uri"),
        _ => output::item_rows(&items, "name"),
    };
    let human = if rows.is_empty() {
        format!("(no {what})\n")
    } else {
        output::table(style, &rows)
    };
    Ok(Done::ok(json!({ what: items }), human))
}

async fn inspect(client: McpClient) -> Result<Done, Failure> {
    let init = serde_json::to_value(client.running().initialize_result()).unwrap_or(Value::Null);
    let caps = init.get("capabilities").cloned().unwrap_or(Value::Null);
    let mut doc = json!({
        "server": init.get("serverInfo"),
        "protocolVersion": init.get("protocolVersion"),
        "capabilities": caps,
        "instructions": init.get("instructions"),
    });
    let style = Style::detect();
    let server = &doc["server"];
    let mut human = format!(
        "{} {} (protocol {})\n",
        style.bold(server["name"].as_str().unwrap_or("?")),
        server["version"].as_str().unwrap_or("?"),
        doc["protocolVersion"].as_str().unwrap_or("?")
    );
    let names: Vec<&String> = caps
        .as_object()
        .map(|c| c.keys().collect())
        .unwrap_or_default();
    human.push_str(&format!(
        "capabilities: {}\n",
        names
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if let Some(text) = doc["instructions"].as_str() {
        human.push_str(&format!("instructions: {text}\n"));
    }
    for what in ["tools", "resources", "resourceTemplates", "prompts"] {
        let items = if caps.get(capability(what)).is_some() {
            collect(&client, what).await?
        } else {
            Vec::new()
        };
        let rows = match what {
            "tools" => output::tool_rows(&items),
            "resourceTemplates" => output::item_rows(&items, "uriTemplate"),
            "resources" => output::item_rows(&items, "uri"),
            _ => output::item_rows(&items, "name"),
        };
        human.push_str(&format!("\n{} ({})\n", style.bold(what), items.len()));
        human.push_str(&output::table(style, &rows));
        doc[what] = Value::Array(items);
    }
    Ok(Done::ok(doc, human))
}

async fn ping(client: McpClient) -> Result<Done, Failure> {
    let start = Instant::now();
    client
        .peer()
        .ping()
        .await
        .map_err(|e| Failure::request("ping", &e))?;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    Ok(Done::ok(
        json!({"ok": true, "roundTripMs": ms}),
        format!("pong in {ms:.1} ms\n"),
    ))
}

/// The servers of the host config files; never the values of their env or headers.
fn servers(cx: &Ctx) -> Result<Done, Failure> {
    let found =
        hosts::discover(&Places::from_env(cx.global.configs.clone())).map_err(Failure::usage)?;
    let mut rows = Vec::new();
    let items: Vec<Value> = found
        .iter()
        .map(|f| {
            let (mut item, what) = match &f.entry {
                ServerEntry::Stdio { command, args, env, .. } => (
                    json!({"type": "stdio", "command": command, "args": args, "envKeys": env.keys().collect::<Vec<_>>()}),
                    format!("{command} {}", args.join(" ")),
                ),
                ServerEntry::Http { url, headers } => (
                    json!({"type": "http", "url": url, "headerNames": headers.keys().collect::<Vec<_>>()}),
                    url.clone(),
                ),
            };
            item["name"] = json!(f.name);
            item["file"] = json!(f.file);
            rows.push((f.name.clone(), format!("{what}  ({})", f.file.display())));
            item
        })
        .collect();
    let human = if rows.is_empty() {
        "(no servers in the host config files)\n".to_owned()
    } else {
        output::table(cx.style, &rows)
    };
    Ok(Done::ok(json!({ "servers": items }), human))
}

fn auth_status(style: Style) -> Result<Done, Failure> {
    let json = login::status()?;
    let rows: Vec<(String, String)> = json["logins"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let state = if l["expired"] == Value::Bool(true) {
                "expired"
            } else {
                "valid"
            };
            let refresh = if l["refreshable"] == Value::Bool(true) {
                ", refreshable"
            } else {
                ""
            };
            (
                l["resource"].as_str().unwrap_or("").to_owned(),
                format!(
                    "{state}{refresh} (issuer {})",
                    l["issuer"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    let human = if rows.is_empty() {
        "(not logged in anywhere)\n".to_owned()
    } else {
        output::table(style, &rows)
    };
    Ok(Done::ok(json, human))
}
