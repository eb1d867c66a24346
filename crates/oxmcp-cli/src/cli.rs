//! The command line, as clap parses it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Targets:
  https://host/mcp          a Streamable HTTP server (legacy HTTP+SSE is tried when refused)
  NAME                      a server named in a host's config file (see `oxmcp servers`)
  -- PROGRAM ARG...         a stdio server, started directly (no shell)

Exit codes:
  0 ok; 1 the tool returned isError; 2 usage (bad arguments, unknown server);
  3 connection or transport; 4 authorization (also: a URL elicitation the call needed
  was declined); 5 protocol error (the server answered
  with a JSON-RPC error, or broke the protocol); 6 timeout; 130 interrupted (Ctrl-C).

Examples:
  oxmcp inspect https://mcp.example.com/mcp
  oxmcp tools -- npx -y @modelcontextprotocol/server-everything
  oxmcp call my-server add a=1 b=2 --json
  oxmcp login https://mcp.example.com/mcp";

/// A command-line client for MCP servers.
#[derive(Debug, Parser)]
#[command(name = "oxmcp", version, about, after_help = AFTER_HELP)]
pub(crate) struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub(crate) global: Global,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// `--era`: how the client opens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum EraChoice {
    /// `initialize` (2025-11-25 and older).
    #[default]
    Legacy,
    /// 2026-07-28 only.
    Modern,
    /// `server/discover` first, `initialize` when the server does not know it.
    Auto,
}

/// Options of every command.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct Global {
    /// Print one JSON document on stdout (and errors as one JSON object on stderr).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// A header for every HTTP request, `'Name: value'` (repeatable).
    #[arg(
        long = "header",
        short = 'H',
        value_name = "NAME: VALUE",
        global = true
    )]
    pub(crate) headers: Vec<String>,
    /// An environment variable for a stdio server, `KEY=VALUE` (repeatable).
    #[arg(long = "env", short = 'e', value_name = "KEY=VALUE", global = true)]
    pub(crate) envs: Vec<String>,
    /// A host config file to look server names up in (repeatable; searched first).
    #[arg(long = "config", value_name = "FILE", global = true)]
    pub(crate) configs: Vec<PathBuf>,
    /// How long to wait for the connection and for each request, e.g. `30s`, `2m`, `500ms`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "60s", global = true)]
    pub(crate) timeout: Duration,
    /// The protocol version to ask for (default: the latest).
    #[arg(long, value_name = "VERSION", global = true)]
    pub(crate) protocol_version: Option<String>,
    /// Which revisions to speak: `legacy` opens a session with `initialize` (2025-11-25 and
    /// older), `modern` speaks 2026-07-28 (no session; fails against an older server),
    /// `auto` asks the server with `server/discover` and falls back to `initialize`.
    #[arg(long, value_enum, default_value = "legacy", global = true)]
    pub(crate) era: EraChoice,
    /// Accept every form elicitation with its defaults, without asking.
    #[arg(long, global = true, conflicts_with = "decline")]
    pub(crate) yes: bool,
    /// Decline every elicitation, without asking.
    #[arg(long, global = true)]
    pub(crate) decline: bool,
    /// Answer sampling requests with the `CreateMessageResult` in this JSON file (sampling
    /// is refused otherwise).
    #[arg(long, value_name = "FILE", global = true)]
    pub(crate) sampling_reply: Option<PathBuf>,
    /// Offer this directory to the server as a root (repeatable).
    #[arg(long = "root", value_name = "DIR", global = true)]
    pub(crate) roots: Vec<PathBuf>,
    /// Ask the server to send log messages at this level and above (`debug`, `info`, ...).
    #[arg(long, value_name = "LEVEL", global = true)]
    pub(crate) log_level: Option<String>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Everything a server offers: info, capabilities, instructions, tools, resources,
    /// templates, prompts.
    #[command(
        after_help = "Example:\n  oxmcp inspect -- npx -y @modelcontextprotocol/server-everything"
    )]
    Inspect(TargetOnly),
    /// The server's tools, with their input schemas in `--json`.
    #[command(after_help = "Example:\n  oxmcp tools https://mcp.example.com/mcp --json")]
    Tools(TargetOnly),
    /// The server's resources.
    #[command(after_help = "Example:\n  oxmcp resources my-server")]
    Resources(TargetOnly),
    /// The server's resource templates.
    #[command(after_help = "Example:\n  oxmcp templates my-server")]
    Templates(TargetOnly),
    /// The server's prompts.
    #[command(after_help = "Example:\n  oxmcp prompts my-server")]
    Prompts(TargetOnly),
    /// Calls a tool: `[TARGET] TOOL [KEY=VALUE]...` (values typed by the tool's schema;
    /// `KEY:=JSON` for raw JSON).
    #[command(
        after_help = "Examples:\n  oxmcp call my-server add a=1 b=2\n  oxmcp call my-server search --args '{\"query\":\"x\",\"limit\":5}'\n  oxmcp call echo text=hi -- ./my-server --stdio"
    )]
    Call(CallArgs),
    /// Reads a resource: `[TARGET] URI`.
    #[command(after_help = "Example:\n  oxmcp read my-server file:///etc/motd")]
    Read(WordsArgs),
    /// Gets a prompt: `[TARGET] NAME [KEY=VALUE]...`.
    #[command(after_help = "Example:\n  oxmcp prompt my-server greeting name=Ada")]
    Prompt(WordsArgs),
    /// Asks for completions of an argument of a prompt or resource template:
    /// `[TARGET] (prompt:NAME | resource:URI-TEMPLATE) ARGUMENT [VALUE] [KEY=VALUE]...`
    /// (the last are the context's arguments already filled in).
    #[command(
        after_help = "Examples:\n  oxmcp complete my-server prompt:greeting name Ad\n  oxmcp complete my-server 'resource:note://{id}' id n"
    )]
    Complete(WordsArgs),
    /// Pings the server and prints the round trip.
    #[command(after_help = "Example:\n  oxmcp ping https://mcp.example.com/mcp")]
    Ping(TargetOnly),
    /// Calls one tool concurrently for a while: calls/s, latency percentiles, errors, and
    /// the server's memory when it is a local child.
    #[command(
        after_help = "Example:\n  oxmcp bench --tool echo --args '{\"text\":\"hi\"}' -c 16 --duration 10s -- ./my-server"
    )]
    Bench(BenchArgs),
    /// Tasks of a server: `list`, `get`, `result`, `cancel`.
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// The servers named in the host config files found (Claude Desktop, VS Code, Cursor,
    /// `--config`).
    #[command(after_help = "Example:\n  oxmcp servers --config ./claude_desktop_config.json")]
    Servers,
    /// Logs in to an HTTP server with OAuth and keeps the tokens for every later command.
    #[command(
        after_help = "Examples:\n  oxmcp login https://mcp.example.com/mcp\n  OXMCP_CLIENT_SECRET=... oxmcp login https://mcp.example.com/mcp --client-credentials --client-id my-bot"
    )]
    Login(LoginArgs),
    /// Forgets the tokens kept for a server.
    #[command(after_help = "Example:\n  oxmcp logout https://mcp.example.com/mcp")]
    Logout(UrlArg),
    /// Authorization state.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Runs a server.
    #[command(subcommand)]
    Serve(ServeCommand),
    /// Bridges a server to another transport.
    #[command(subcommand)]
    Bridge(BridgeCommand),
    /// Prints a shell completion script.
    #[command(
        after_help = "Example:\n  oxmcp completions bash > ~/.local/share/bash-completion/completions/oxmcp"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// A command that only needs a target.
#[derive(Debug, Args)]
pub(crate) struct TargetOnly {
    /// A URL or a server name (omit it when a command follows `--`).
    pub(crate) target: Option<String>,
    /// A stdio server to run: `-- PROGRAM ARG...` (instead of a URL or server name).
    #[arg(last = true, value_name = "PROGRAM")]
    pub(crate) command: Vec<String>,
}

/// A command with positional words: `[TARGET]` then its own.
#[derive(Debug, Args)]
pub(crate) struct WordsArgs {
    /// `[TARGET]` (omitted when a command follows `--`), then the command's words.
    #[arg(value_name = "WORDS")]
    pub(crate) words: Vec<String>,
    /// A stdio server to run: `-- PROGRAM ARG...` (instead of a URL or server name).
    #[arg(last = true, value_name = "PROGRAM")]
    pub(crate) command: Vec<String>,
}

/// `call`.
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// `[TARGET] TOOL [KEY=VALUE]...`.
    #[arg(value_name = "WORDS")]
    pub(crate) words: Vec<String>,
    /// The arguments as one JSON object (instead of `KEY=VALUE`).
    #[arg(long, value_name = "JSON")]
    pub(crate) args: Option<String>,
    /// Run the call as a task: its status is shown as it changes, then its result fetched
    /// (Ctrl-C cancels the task).
    #[arg(long)]
    pub(crate) task: bool,
    /// Save image and audio content to files in this directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) save_media: Option<PathBuf>,
    /// A stdio server to run: `-- PROGRAM ARG...` (instead of a URL or server name).
    #[arg(last = true, value_name = "PROGRAM")]
    pub(crate) command: Vec<String>,
}

/// `bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// A URL or a server name (omit it when a command follows `--`).
    pub(crate) target: Option<String>,
    /// The tool to call.
    #[arg(long)]
    pub(crate) tool: String,
    /// Its arguments, as one JSON object.
    #[arg(long, value_name = "JSON")]
    pub(crate) args: Option<String>,
    /// How many calls are in flight at once.
    #[arg(short = 'c', long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) concurrency: u32,
    /// How long to call.
    #[arg(long, value_parser = parse_duration, default_value = "10s")]
    pub(crate) duration: Duration,
    /// A stdio server to run: `-- PROGRAM ARG...` (instead of a URL or server name).
    #[arg(last = true, value_name = "PROGRAM")]
    pub(crate) command: Vec<String>,
}

/// `tasks ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum TasksCommand {
    /// The tasks this client may see: `[TARGET]`.
    #[command(after_help = "Example:\n  oxmcp tasks list https://mcp.example.com/mcp")]
    List(WordsArgs),
    /// A task's state: `[TARGET] TASK-ID`.
    #[command(after_help = "Example:\n  oxmcp tasks get https://mcp.example.com/mcp 786512e2")]
    Get(WordsArgs),
    /// A task's result (waits until it is done): `[TARGET] TASK-ID`.
    #[command(
        after_help = "Example:\n  oxmcp tasks result https://mcp.example.com/mcp 786512e2 --json"
    )]
    Result(WordsArgs),
    /// Cancels a task: `[TARGET] TASK-ID`.
    #[command(after_help = "Example:\n  oxmcp tasks cancel https://mcp.example.com/mcp 786512e2")]
    Cancel(WordsArgs),
}

impl TasksCommand {
    /// The words and the stdio command of any of them.
    pub(crate) fn words(&self) -> (&[String], &[String]) {
        let (Self::List(w) | Self::Get(w) | Self::Result(w) | Self::Cancel(w)) = self;
        (&w.words, &w.command)
    }
}

/// `login`.
#[derive(Debug, Args)]
pub(crate) struct LoginArgs {
    /// The MCP server's URL.
    pub(crate) url: String,
    /// Use the client credentials grant (machine to machine; no browser).
    #[arg(long, requires = "client_id")]
    pub(crate) client_credentials: bool,
    /// A client id registered with the authorization server.
    #[arg(long, env = "OXMCP_CLIENT_ID")]
    pub(crate) client_id: Option<String>,
    /// The environment variable holding the client secret (never given on the command line).
    #[arg(long, value_name = "VAR", default_value = "OXMCP_CLIENT_SECRET")]
    pub(crate) client_secret_env: String,
    /// Do not open a browser: print the authorization URL only.
    #[arg(long)]
    pub(crate) no_browser: bool,
}

/// A command on one URL.
#[derive(Debug, Args)]
pub(crate) struct UrlArg {
    /// The MCP server's URL.
    pub(crate) url: String,
}

/// `auth ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// The servers with kept tokens, and when the tokens expire (never the tokens).
    #[command(after_help = "Example:\n  oxmcp auth status --json")]
    Status,
}

/// `bridge ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum BridgeCommand {
    /// Exposes a stdio server over Streamable HTTP on 127.0.0.1 (each client gets its own
    /// child unless `--shared`).
    #[command(
        after_help = "Example:\n  OXMCP_BRIDGE_TOKEN=s3cret oxmcp bridge stdio-to-http --port 8000 --token-env OXMCP_BRIDGE_TOKEN -- npx -y @modelcontextprotocol/server-everything"
    )]
    StdioToHttp {
        /// The port on 127.0.0.1 (0 picks one; the URL is printed on stderr).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// One child for every client (its requests to clients, such as sampling, are then
        /// refused: there is no single client to ask).
        #[arg(long)]
        shared: bool,
        /// Also accept browsers from this origin (`scheme://host[:port]`; loopback origins
        /// are always accepted, requests without `Origin` too).
        #[arg(long = "allow-origin", value_name = "ORIGIN")]
        allow_origins: Vec<String>,
        /// Require `Authorization: Bearer <token>`, the token read from this environment
        /// variable.
        #[arg(long, value_name = "VAR")]
        token_env: Option<String>,
        /// The stdio server: `-- PROGRAM ARG...`.
        #[arg(last = true, required = true, value_name = "PROGRAM")]
        command: Vec<String>,
    },
    /// Exposes a remote server to a stdio-only host (log in first with `oxmcp login`, or
    /// log in through the browser when the server asks).
    #[command(
        after_help = "Example (in a host's config):\n  {\"command\": \"oxmcp\", \"args\": [\"bridge\", \"http-to-stdio\", \"https://mcp.example.com/mcp\"]}"
    )]
    HttpToStdio {
        /// The remote server's URL.
        url: String,
    },
}

/// `serve ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ServeCommand {
    /// The oxmcp everything server (every MCP feature), over stdio or HTTP.
    #[command(
        after_help = "Examples:\n  oxmcp serve demo\n  oxmcp serve demo --http 8000   # http://127.0.0.1:8000/mcp\n  OXMCP_REQUEST_STATE_KEYS=$(openssl rand -hex 32) oxmcp serve demo --http 8000"
    )]
    Demo {
        /// Serve Streamable HTTP on 127.0.0.1:PORT (0 picks one) instead of stdio.
        #[arg(long, value_name = "PORT")]
        http: Option<u16>,
        /// The keys that sign the `requestState` of 2026-07-28 multi round-trip requests:
        /// comma-separated secrets (32+ bytes, hex or base64, optionally `id:`-prefixed),
        /// the first signing; give every instance the same. Prefer the environment variable
        /// (not visible in the process list). Default: a random key per process.
        #[arg(
            long,
            value_name = "KEYS",
            env = "OXMCP_REQUEST_STATE_KEYS",
            hide_env_values = true
        )]
        request_state_keys: Option<String>,
    },
    /// Canned tools, resources and prompts from a JSON or TOML file (for testing hosts).
    #[command(after_help = MOCK_HELP)]
    Mock {
        /// The file (`.toml` is read as TOML, anything else as JSON).
        file: PathBuf,
        /// Serve Streamable HTTP on 127.0.0.1:PORT (0 picks one) instead of stdio.
        #[arg(long, value_name = "PORT")]
        http: Option<u16>,
    },
}

const MOCK_HELP: &str = r#"The file:
  {"server": {"name": "weather-mock", "version": "1.0"},
   "instructions": "Canned answers.",
   "tools": [{"name": "forecast", "inputSchema": {"type": "object",
              "properties": {"city": {"type": "string"}}}, "text": "Sunny in {{city}}"}],
   "resources": [{"uri": "file:///readme", "name": "readme", "text": "Hello"}],
   "prompts": [{"name": "greet", "arguments": [{"name": "who", "required": true}],
                "text": "Say hello to {{who}}"}]}
A tool answers with `result` (a CallToolResult) or `text`; a resource has `text` or `blob`
(base64); a prompt has `messages` or `text`; `{{name}}` is replaced by the argument.

Example:
  oxmcp serve mock ./mock.json --http 8000"#;

/// Parses `500ms`, `30s`, `2m`, `1h`, or a number of seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (try 30s, 500ms, 2m)"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("unknown unit `{other}` (use ms, s, m or h)")),
    };
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 7.0 * 86_400.0 {
        return Err(format!(
            "`{text}` is out of range (more than 0, at most a week)"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5h"), Ok(Duration::from_secs(5400)));
        for bad in ["", "s", "0", "-1s", "3d", "10y", "1e9"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_command_has_an_example() {
        use clap::CommandFactory as _;
        fn leaves(command: &clap::Command, path: &str, out: &mut Vec<String>) {
            let subs: Vec<_> = command
                .get_subcommands()
                .filter(|c| c.get_name() != "help")
                .collect();
            if subs.is_empty() {
                let help = command
                    .get_after_help()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                if !help.contains("Example") {
                    out.push(path.to_owned());
                }
            }
            for sub in subs {
                leaves(sub, &format!("{path} {}", sub.get_name()), out);
            }
        }
        let mut missing = Vec::new();
        leaves(&Cli::command(), "oxmcp", &mut missing);
        assert!(missing.is_empty(), "without an example: {missing:?}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }

    #[test]
    fn a_stdio_command_follows_the_double_dash() {
        let cli = Cli::try_parse_from([
            "oxmcp", "call", "add", "a=1", "--json", "--", "srv", "--flag",
        ])
        .unwrap();
        assert!(cli.global.json);
        let Command::Call(call) = cli.command else {
            panic!("not call")
        };
        assert_eq!(call.words, ["add", "a=1"]);
        assert_eq!(call.command, ["srv", "--flag"]);
    }
}
