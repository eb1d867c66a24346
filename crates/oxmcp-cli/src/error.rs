//! Why a command failed, and the exit code of each kind of failure.

use oxmcp_core::{InitializeError, RequestError};
use oxmcp_http::HttpFailure;
use oxmcp_types::{ErrorCode, ErrorData};

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Everything went well.
    Ok = 0,
    /// The tool answered with `isError: true`.
    ToolError = 1,
    /// Bad arguments, an unknown server name, an unreadable config file.
    Usage = 2,
    /// The server could not be reached, or the connection broke.
    Connection = 3,
    /// The server refused the credentials, or logging in failed.
    Authorization = 4,
    /// The server answered with a JSON-RPC error, or broke the protocol.
    Protocol = 5,
    /// The server did not answer in time.
    Timeout = 6,
    /// Ctrl-C.
    Interrupted = 130,
}

impl Exit {
    /// The name in `--json` errors.
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::ToolError => "tool",
            Self::Usage => "usage",
            Self::Connection => "connection",
            Self::Authorization => "authorization",
            Self::Protocol => "protocol",
            Self::Timeout => "timeout",
            Self::Interrupted => "interrupted",
        }
    }
}

/// A failure of a command: what to say, and how to exit.
#[derive(Debug)]
pub(crate) struct Failure {
    /// How to exit.
    pub(crate) exit: Exit,
    /// One line for the user.
    pub(crate) message: String,
    /// The JSON-RPC error code, when the server sent one.
    pub(crate) code: Option<i64>,
}

impl Failure {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            code: None,
        }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }

    /// A failed request, classified.
    pub(crate) fn request(what: &str, error: &RequestError) -> Self {
        match error {
            RequestError::Remote(data) => {
                let (exit, message) = classify_remote(data);
                Self {
                    exit,
                    message: format!("{what}: {message}"),
                    // The transport's own failures carry no code of the server.
                    code: (exit == Exit::Protocol).then_some(i64::from(data.code.0)),
                }
            }
            RequestError::Timeout(after) => {
                Self::new(Exit::Timeout, format!("{what}: no answer within {after:?}"))
            }
            RequestError::Cancelled => Self::new(Exit::Interrupted, format!("{what}: cancelled")),
            RequestError::Closed => Self::new(
                Exit::Connection,
                format!("{what}: the connection to the server closed"),
            ),
            other => Self::new(Exit::Protocol, format!("{what}: {other}")),
        }
    }

    /// A failed connection.
    pub(crate) fn initialize(error: &InitializeError) -> Self {
        match error {
            InitializeError::Request(e) => Self::request("cannot connect", e),
            other => Self::new(Exit::Protocol, format!("cannot connect: {other}")),
        }
    }
}

/// The HTTP transport tags the errors it makes for what went wrong on the wire
/// ([`HttpFailure`]); the engine's own end of a session has its message. Anything else is
/// the server's answer.
fn classify_remote(error: &ErrorData) -> (Exit, String) {
    let message = error.message.as_str();
    if let Some(failure) = HttpFailure::of(error) {
        if failure.is_authorization() {
            return (Exit::Authorization, with_login_hint(message));
        }
        return (Exit::Connection, message.to_owned());
    }
    if error.code == ErrorCode::INTERNAL_ERROR && message.starts_with("the MCP session ended") {
        return (Exit::Connection, message.to_owned());
    }
    (Exit::Protocol, format!("{message} (code {})", error.code.0))
}

fn with_login_hint(message: &str) -> String {
    format!("{message} (log in with `oxmcp login URL`, or pass --header 'Authorization: ...')")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(data: ErrorData) -> Exit {
        Failure::request("x", &RequestError::Remote(data)).exit
    }

    #[test]
    fn transport_failures_are_told_from_server_errors() {
        let internal = ErrorData::internal_error;
        let tagged = |kind: serde_json::Value| {
            internal("on the wire").with_data(serde_json::json!({ "httpFailure": kind }))
        };
        assert_eq!(
            remote(tagged(serde_json::json!({"kind": "unreachable"}))),
            Exit::Connection
        );
        assert_eq!(
            remote(tagged(serde_json::json!({"kind": "status", "status": 401}))),
            Exit::Authorization
        );
        assert_eq!(
            remote(tagged(serde_json::json!({"kind": "authorization"}))),
            Exit::Authorization
        );
        assert_eq!(
            remote(tagged(serde_json::json!({"kind": "status", "status": 502}))),
            Exit::Connection
        );
        // A server's own error that reads like one of the transport's is the server's.
        assert_eq!(
            remote(internal("the server answered HTTP 401 Unauthorized")),
            Exit::Protocol
        );
        assert_eq!(
            remote(internal("the MCP session ended: the server answered 404")),
            Exit::Connection
        );
        assert_eq!(remote(internal("the database is down")), Exit::Protocol);
        assert_eq!(remote(ErrorData::method_not_found("x")), Exit::Protocol);
        assert_eq!(
            Failure::request(
                "x",
                &RequestError::Timeout(std::time::Duration::from_secs(1))
            )
            .exit,
            Exit::Timeout
        );
        assert_eq!(
            Failure::request("x", &RequestError::Closed).exit,
            Exit::Connection
        );
    }
}
