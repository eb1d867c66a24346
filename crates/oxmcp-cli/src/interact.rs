//! What the server may ask of the person at the terminal: form elicitation, URL
//! elicitation, sampling; and what it shows them: progress and log messages.

mod form;

use std::future::Future;
use std::io::{IsTerminal as _, Write as _};
use std::path::Path;
use std::sync::Arc;

use oxmcp_core::client::{ClientHandler, FormElicitation, SamplingRequest, UrlElicitation};
use oxmcp_core::role::Client;
use oxmcp_core::{
    HandlerResult, IncomingNotification, IncomingRequest, Middleware, Next, NextNotification,
    NotificationContext, RequestContext,
};
use oxmcp_types::LoggingMessageNotificationParams;
use oxmcp_types::elicitation::ElicitAction;
use oxmcp_types::methods::{LoggingMessageNotification, NotificationMethod as _};
use oxmcp_types::sampling::CreateMessageResult;
use oxmcp_types::{ElicitResult, ErrorData, Root};

use crate::cli::Global;
use crate::error::Failure;

/// How elicitations are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Ask at the terminal.
    Ask,
    /// `--yes`: accept forms with their defaults; URLs are still only opened when asked.
    Yes,
    /// `--decline`, or no terminal to ask at.
    Decline,
}

impl Answer {
    fn of(global: &Global) -> Self {
        if global.decline {
            Self::Decline
        } else if global.yes {
            Self::Yes
        } else if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
            Self::Ask
        } else {
            Self::Decline
        }
    }
}

/// One question at a time at the terminal.
type Turn = Arc<tokio::sync::Mutex<()>>;

/// The client's handler for this command line.
pub(crate) fn handler(global: &Global) -> Result<ClientHandler, Failure> {
    let answer = Answer::of(global);
    let turn = Turn::default();
    let mut handler = ClientHandler::new().layer(LogPrinter);
    if !global.roots.is_empty() {
        handler = handler.with_roots(roots(&global.roots)?);
    }
    if let Some(file) = &global.sampling_reply {
        let reply = sampling_reply(file)?;
        handler = handler.with_sampling(move |request: SamplingRequest| {
            let reply = reply.clone();
            async move {
                eprintln!(
                    "oxmcp: answering a sampling request of {} from the --sampling-reply file",
                    request.server.name
                );
                Ok::<_, ErrorData>(reply)
            }
        });
    }
    let form_turn = turn.clone();
    handler = handler.with_form_elicitation(move |form: FormElicitation| {
        let turn = form_turn.clone();
        async move {
            let _turn = turn.lock().await;
            Ok::<_, ErrorData>(form::answer(form, answer).await)
        }
    });
    handler = handler.with_url_elicitation(move |url: UrlElicitation| {
        let turn = turn.clone();
        async move {
            let _turn = turn.lock().await;
            consent_to_url(&url, answer).await
        }
    });
    Ok(handler)
}

fn roots(dirs: &[std::path::PathBuf]) -> Result<Vec<Root>, Failure> {
    dirs.iter()
        .map(|dir| {
            let full = std::fs::canonicalize(dir)
                .map_err(|e| Failure::usage(format!("--root {}: {e}", dir.display())))?;
            let uri = url::Url::from_directory_path(&full).map_err(|()| {
                Failure::usage(format!("--root {}: not a directory path", dir.display()))
            })?;
            let mut root = Root::new(uri.as_str());
            root.name = full.file_name().map(|n| n.to_string_lossy().into_owned());
            Ok(root)
        })
        .collect()
}

fn sampling_reply(file: &Path) -> Result<CreateMessageResult, Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::usage(format!("--sampling-reply {}: {e}", file.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "--sampling-reply {}: not a CreateMessageResult: {e}",
            file.display()
        ))
    })
}

/// Shows the URL and its domain, and opens it only when the person agrees (https only).
async fn consent_to_url(url: &UrlElicitation, answer: Answer) -> ElicitAction {
    let link = &url.params.url;
    let host = url.host().unwrap_or_else(|| "(none)".to_owned());
    eprintln!(
        "\n{} asks you to open a URL: {}",
        url.server.name, url.params.message
    );
    eprintln!("  URL:    {link}");
    eprintln!("  domain: {host}");
    if url.is_punycode() {
        eprintln!("  warning: the domain is an internationalized name; it may imitate another one");
    }
    if !link.starts_with("https://") {
        eprintln!("  refused: only https URLs are opened");
        return ElicitAction::Decline;
    }
    if answer != Answer::Ask {
        eprintln!("  declined (not asked: --yes/--decline, or no terminal)");
        return ElicitAction::Decline;
    }
    let yes = ask_line("Open it in your browser? [y/N] ")
        .await
        .is_some_and(|a| matches!(a.trim(), "y" | "Y" | "yes"));
    if !yes {
        return ElicitAction::Decline;
    }
    match open_in_browser(link) {
        Ok(()) => ElicitAction::Accept,
        Err(e) => {
            eprintln!("  could not open a browser ({e}); open the URL yourself");
            ElicitAction::Accept
        }
    }
}

/// Opens `url` with the system's opener, started directly (no shell).
pub(crate) fn open_in_browser(url: &str) -> Result<(), String> {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("rundll32", vec!["url.dll,FileProtocolHandler", url])
    } else {
        ("xdg-open", vec![url])
    };
    std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("{program}: {e}"))
}

/// Reads one line from the terminal (None at end of input).
pub(crate) async fn ask_line(prompt: &str) -> Option<String> {
    let prompt = prompt.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut err = std::io::stderr();
        let _ = write!(err, "{prompt}");
        let _ = err.flush();
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\n', '\r']).to_owned()),
        }
    })
    .await
    .ok()
    .flatten()
}

/// Prints the server's log messages (`notifications/message`) on stderr with their level,
/// in order, as the session handles them (so every message that came before the end of
/// the session is printed before the command ends).
#[derive(Debug)]
struct LogPrinter;

impl Middleware<Client> for LogPrinter {
    fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Client>,
        next: Next<Client>,
    ) -> impl Future<Output = HandlerResult> + Send {
        next.run(request, cx)
    }

    fn handle_notification(
        &self,
        notification: IncomingNotification,
        cx: NotificationContext<Client>,
        next: NextNotification<Client>,
    ) -> impl Future<Output = ()> + Send {
        if notification.method == LoggingMessageNotification::METHOD
            && let Ok(message) = notification.params::<LoggingMessageNotificationParams>()
        {
            eprintln!("{}", log_line(&message));
        }
        next.run(notification, cx)
    }
}

/// `[level] logger: data`.
fn log_line(message: &LoggingMessageNotificationParams) -> String {
    use serde_json::Value;
    let data = match &message.data {
        Value::String(s) => s.clone(),
        Value::Object(o) if o.len() == 1 && o.get("message").is_some_and(Value::is_string) => {
            o["message"].as_str().unwrap_or_default().to_owned()
        }
        other => other.to_string(),
    };
    let level = serde_json::to_value(message.level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    match &message.logger {
        Some(logger) => format!("[{level}] {logger}: {data}"),
        None => format!("[{level}] {data}"),
    }
}

/// A progress bar on stderr (drawn only on a terminal) fed by the request's progress.
pub(crate) fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar
}

/// Feeds one progress notification to `bar`.
pub(crate) fn show_progress(
    bar: &indicatif::ProgressBar,
    p: &oxmcp_types::ProgressNotificationParams,
) {
    if let Some(total) = p.total {
        bar.set_length(total.max(0.0) as u64);
    }
    bar.set_position(p.progress.max(0.0) as u64);
    if let Some(message) = &p.message {
        bar.set_message(message.clone());
    }
}

/// `ElicitResult` for a refusal.
pub(crate) fn declined() -> ElicitResult {
    ElicitResult::new(ElicitAction::Decline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(value: serde_json::Value) -> LoggingMessageNotificationParams {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn log_lines() {
        let m = message(
            serde_json::json!({"level": "warning", "logger": "db", "data": {"message": "slow"}}),
        );
        assert_eq!(log_line(&m), "[warning] db: slow");
        let m = message(serde_json::json!({"level": "info", "data": {"rows": 3}}));
        assert_eq!(log_line(&m), r#"[info] {"rows":3}"#);
    }
}
