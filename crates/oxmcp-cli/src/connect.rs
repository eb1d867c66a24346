//! From the command line's target to a connected [`McpClient`]: an HTTP(S) URL, a stdio
//! command after `--`, or a server named in a host's config file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::transport::child::{ChildHandle, ChildProcess};
use oxmcp_core::{ClientConfig, SessionConfig};
use oxmcp_http::{HttpClientConfig, HttpClientTransport};
use oxmcp_types::{Era, Implementation, ProtocolVersion};

use crate::cli::{EraChoice, Global};
use crate::error::{Exit, Failure};
use crate::hosts::{self, Places, ServerEntry};
use crate::login;
use crate::witness::{Refused, Witness};

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Streamable HTTP (or legacy HTTP+SSE).
    Http {
        url: String,
        headers: Vec<(String, String)>,
    },
    /// A program speaking stdio.
    Stdio {
        program: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
        cwd: Option<PathBuf>,
    },
}

/// Splits a command's words into its target (unless a command follows `--`) and the rest.
pub(crate) fn split_words<'a>(
    words: &'a [String],
    command: &[String],
) -> Result<(Option<&'a str>, &'a [String]), Failure> {
    if !command.is_empty() {
        return Ok((None, words));
    }
    match words.split_first() {
        Some((target, rest)) => Ok((Some(target), rest)),
        None => Err(Failure::usage(
            "no target: give a URL, a server name, or `-- PROGRAM ARGS...`",
        )),
    }
}

/// Resolves the target of a command.
pub(crate) fn resolve(
    target: Option<&str>,
    command: &[String],
    global: &Global,
) -> Result<Target, Failure> {
    let headers = parse_pairs(&global.headers, ':', "--header", "'Name: value'")?;
    let env = parse_pairs(&global.envs, '=', "--env", "KEY=VALUE")?;
    if let Some((program, args)) = command.split_first() {
        if target.is_some() {
            return Err(Failure::usage(
                "give either a target or a command after `--`, not both",
            ));
        }
        return Ok(Target::Stdio {
            program: program.clone(),
            args: args.to_vec(),
            env,
            cwd: None,
        });
    }
    let Some(target) = target else {
        return Err(Failure::usage(
            "no target: give a URL, a server name, or `-- PROGRAM ARGS...`",
        ));
    };
    if target.starts_with("http://") || target.starts_with("https://") {
        return Ok(Target::Http {
            url: target.to_owned(),
            headers,
        });
    }
    if target.contains("://") {
        return Err(Failure::usage(format!(
            "`{target}`: only http and https URLs are targets"
        )));
    }
    let found =
        hosts::find(&Places::from_env(global.configs.clone()), target).map_err(Failure::usage)?;
    Ok(match found.entry {
        ServerEntry::Http {
            url,
            headers: from_file,
        } => Target::Http {
            url,
            headers: merge(from_file, headers),
        },
        ServerEntry::Stdio {
            command,
            args,
            env: from_file,
            cwd,
        } => Target::Stdio {
            program: command,
            args,
            env: merge(from_file, env),
            cwd,
        },
    })
}

/// The file's values, overridden by the command line's.
fn merge(
    from_file: BTreeMap<String, String>,
    given: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = from_file
        .into_iter()
        .filter(|(k, _)| !given.iter().any(|(g, _)| g.eq_ignore_ascii_case(k)))
        .collect();
    all.extend(given);
    all
}

fn parse_pairs(
    items: &[String],
    sep: char,
    flag: &str,
    form: &str,
) -> Result<Vec<(String, String)>, Failure> {
    items
        .iter()
        .map(|item| {
            let (k, v) = item
                .split_once(sep)
                .map(|(k, v)| (k.trim(), if sep == ':' { v.trim() } else { v }))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| Failure::usage(format!("{flag} `{item}` is not {form}")))?;
            Ok((k.to_owned(), v.to_owned()))
        })
        .collect()
}

/// The process id of a stdio server this command started (kept in the client's
/// extensions).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ServerPid(pub(crate) u32);

/// A connected session and the child it runs, if any.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) client: McpClient,
    child: Option<ChildHandle>,
    refused: Refused,
}

impl Session {
    /// `failure`, as an authorization failure when the server refused authorization.
    pub(crate) fn classify(&self, failure: Failure) -> Failure {
        authorization_if(&self.refused, failure)
    }

    /// Closes the session and stops the child.
    pub(crate) async fn close(self) {
        self.client.close().await;
        if let Some(child) = self.child {
            let _ = child.shutdown().await;
        }
    }
}

/// The client's settings from the command line.
pub(crate) fn client_config(global: &Global) -> Result<ClientConfig, Failure> {
    let mut config = ClientConfig::new(Implementation::new("oxmcp-cli", env!("CARGO_PKG_VERSION")));
    if let Some(v) = &global.protocol_version {
        let version: ProtocolVersion = v.parse().map_err(|_| {
            let known: Vec<&str> = ProtocolVersion::ALL.iter().map(|v| v.as_str()).collect();
            Failure::usage(format!(
                "unknown protocol version `{v}` (known: {})",
                known.join(", ")
            ))
        })?;
        config = config.with_protocol_version(version);
    }
    config = match global.era {
        EraChoice::Legacy => config.with_era(Era::Legacy),
        EraChoice::Modern => config.with_era(Era::Modern),
        EraChoice::Auto => config.with_era_probe(),
    };
    config.initialize_timeout = global.timeout;
    config.discover_timeout = config.discover_timeout.min(global.timeout);
    let mut session = SessionConfig::default();
    session.request_timeout = global.timeout;
    Ok(config.with_session_config(session))
}

/// Connects to `target`.
pub(crate) async fn connect(
    target: &Target,
    global: &Global,
    handler: ClientHandler,
) -> Result<Session, Failure> {
    let config = client_config(global)?;
    match target {
        Target::Http { url, headers } => {
            let refused = Refused::default();
            let transport = http_transport(url, headers, &refused).await?;
            let client = McpClient::connect(transport, config, handler)
                .await
                .map_err(|e| authorization_if(&refused, Failure::initialize(&e)))?;
            Ok(Session {
                client,
                child: None,
                refused,
            })
        }
        Target::Stdio {
            program,
            args,
            env,
            cwd,
        } => {
            let mut child = ChildProcess::new(program)
                .args(args)
                .envs(env.iter().cloned());
            if let Some(dir) = cwd {
                child = child.current_dir(dir);
            }
            let (transport, handle) = child
                .spawn()
                .map_err(|e| Failure::new(Exit::Connection, e.to_string()))?;
            match McpClient::connect(transport, config, handler).await {
                Ok(client) => Ok(Session {
                    client: client.with_extension(ServerPid(handle.pid())),
                    child: Some(handle),
                    refused: Refused::default(),
                }),
                Err(e) => {
                    let _ = handle.shutdown().await;
                    Err(Failure::initialize(&e))
                }
            }
        }
    }
}

/// `failure` as an authorization failure when the server's refusal of authorization stood
/// (the transport reports it as whatever error the response carried).
fn authorization_if(refused: &Refused, mut failure: Failure) -> Failure {
    if refused.happened() && matches!(failure.exit, Exit::Protocol | Exit::Connection) {
        failure.exit = Exit::Authorization;
        failure.code = None;
        failure.message = format!(
            "{} (the server refused authorization: log in with `oxmcp login URL`, or pass --header 'Authorization: ...')",
            failure.message
        );
    }
    failure
}

/// The HTTP transport, with the tokens `oxmcp login` kept for this server unless an
/// `Authorization` header is given.
async fn http_transport(
    url: &str,
    headers: &[(String, String)],
    refused: &Refused,
) -> Result<HttpClientTransport, Failure> {
    let mut config = headers_config(headers)?;
    let mut inner: Option<Arc<dyn oxmcp_http::client::AuthProvider>> = None;
    if !config.headers.contains_key(http::header::AUTHORIZATION)
        && let Some(provider) = login::stored_provider(url).await?
    {
        inner = Some(Arc::new(provider));
    }
    config.auth = Some(Arc::new(Witness {
        inner,
        refused: refused.clone(),
    }));
    HttpClientTransport::with_config(url, config).map_err(|e| Failure::usage(e.to_string()))
}

/// The HTTP transport of `bridge http-to-stdio`: unless an `Authorization` header is
/// given, OAuth with the kept tokens, or a login in the browser when the server asks for
/// one (the authorization URL is checked by oxmcp-auth and opened without a shell).
pub(crate) async fn bridge_transport(
    url: &str,
    headers: &[(String, String)],
) -> Result<HttpClientTransport, Failure> {
    let mut config = headers_config(headers)?;
    if !config.headers.contains_key(http::header::AUTHORIZATION) {
        config.auth = Some(Arc::new(login::browser_provider(url, false).await?));
    }
    HttpClientTransport::with_config(url, config).map_err(|e| Failure::usage(e.to_string()))
}

/// HTTP client settings with these headers.
fn headers_config(headers: &[(String, String)]) -> Result<HttpClientConfig, Failure> {
    let mut config = HttpClientConfig::default();
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Failure::usage(format!("invalid header name `{name}`")))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| Failure::usage(format!("invalid value for header `{name}`")))?;
        config.headers.append(name, value);
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn targets() {
        let mut g = Global {
            headers: s(&["X-A: 1"]),
            envs: s(&["K=v=w"]),
            ..Global::default()
        };
        assert_eq!(
            resolve(Some("https://h/mcp"), &[], &g).unwrap(),
            Target::Http {
                url: "https://h/mcp".into(),
                headers: vec![("X-A".into(), "1".into())]
            }
        );
        assert_eq!(
            resolve(None, &s(&["srv", "-x"]), &g).unwrap(),
            Target::Stdio {
                program: "srv".into(),
                args: s(&["-x"]),
                env: vec![("K".into(), "v=w".into())],
                cwd: None
            }
        );
        assert_eq!(
            resolve(Some("u"), &s(&["srv"]), &g).unwrap_err().exit,
            Exit::Usage
        );
        assert_eq!(
            resolve(Some("ftp://x"), &[], &g).unwrap_err().exit,
            Exit::Usage
        );
        g.headers = s(&["nocolon"]);
        assert_eq!(
            resolve(Some("https://h"), &[], &g).unwrap_err().exit,
            Exit::Usage
        );
    }

    #[test]
    fn words_split() {
        let words = s(&["t", "tool", "a=1"]);
        let (t, rest) = split_words(&words, &[]).unwrap();
        assert_eq!((t, rest), (Some("t"), &words[1..]));
        let (t, rest) = split_words(&words, &s(&["srv"])).unwrap();
        assert_eq!((t, rest), (None, &words[..]));
        assert!(split_words(&[], &[]).is_err());
    }

    #[test]
    fn the_command_line_overrides_the_file() {
        let file = BTreeMap::from([
            ("Authorization".to_owned(), "a".to_owned()),
            ("X".to_owned(), "x".to_owned()),
        ]);
        let merged = merge(file, vec![("authorization".into(), "b".into())]);
        assert_eq!(
            merged,
            vec![
                ("X".into(), "x".into()),
                ("authorization".into(), "b".into())
            ]
        );
    }

    #[test]
    fn protocol_versions_are_checked() {
        let g = Global {
            protocol_version: Some("2025-06-18".into()),
            ..Global::default()
        };
        assert_eq!(
            client_config(&g).unwrap().protocol_version,
            ProtocolVersion::V2025_06_18
        );
        let g = Global {
            protocol_version: Some("1999".into()),
            ..Global::default()
        };
        assert_eq!(client_config(&g).unwrap_err().exit, Exit::Usage);
    }

    #[test]
    fn the_era_is_the_one_asked_for() {
        let era = |era| {
            let g = Global {
                era,
                ..Global::default()
            };
            client_config(&g).unwrap().era
        };
        assert_eq!(era(EraChoice::Legacy), Some(Era::Legacy));
        assert_eq!(era(EraChoice::Modern), Some(Era::Modern));
        assert_eq!(era(EraChoice::Auto), None);
    }
}
