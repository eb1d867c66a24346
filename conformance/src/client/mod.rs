//! The client scenarios of the suite: for each, the suite starts a mock server and runs
//! `conformance-client <url>` with the scenario's name in `MCP_CONFORMANCE_SCENARIO`. The
//! oxmcp client connects over Streamable HTTP ([`HttpClientTransport`]) and does what the
//! scenario expects of a client; the mock server records the checks.
//!
//! The authorization scenarios (`auth/...`) run through oxmcp-auth ([`auth`]).

pub mod auth;
mod elicitation;
pub mod modern;

use std::str::FromStr;
use std::time::Duration;

use oxmcp_core::client::{ClientHandler, PaginationError};
use oxmcp_core::{ClientConfig, InitializeError, McpClient, RequestError};
use oxmcp_http::{HttpClientError, HttpClientTransport};
use oxmcp_types::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, Era, Implementation, JsonObject,
};
use serde_json::json;

/// The `clientInfo` name the client sends.
pub const CLIENT_NAME: &str = "oxmcp-conformance-client";

/// A client scenario this binary knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scenario {
    /// `initialize`: connect (initialize with a supported version and `clientInfo`), list the
    /// tools if the server offers any, close.
    Initialize,
    /// `tools_call`: list the tools and call `add_numbers` with two numbers.
    ToolsCall,
    /// `elicitation-sep1034-client-defaults`: call `test_client_elicitation_defaults` and
    /// accept its form with the schema's defaults filled in (SEP-1034).
    ElicitationDefaults,
    /// `sse-retry`: call `test_reconnection`, whose SSE stream the server closes; the
    /// transport reconnects after the server's `retry` with `Last-Event-ID` (SEP-1699).
    SseRetry,
    /// `request-metadata` (2026-07-28): requests carrying `_meta` and the version header,
    /// retried after -32022.
    RequestMetadata,
    /// `sep-2322-client-request-state` (2026-07-28): multi round-trip requests.
    RequestState,
    /// `http-standard-headers` (2026-07-28): `Mcp-Method` and `Mcp-Name`.
    StandardHeaders,
    /// `http-custom-headers` (2026-07-28): `Mcp-Param-*` headers.
    CustomHeaders,
    /// `http-invalid-tool-headers` (2026-07-28): tools with invalid `x-mcp-header`
    /// annotations are left out.
    InvalidToolHeaders,
    /// `json-schema-ref-no-deref` (2026-07-28): list the tools, fetch no `$ref`.
    SchemaRefNoDeref,
    /// `json-schema-2020-12-preservation`: hand a tool's schema back as received.
    SchemaPreservation,
    /// An authorization scenario (`auth/...`, one of [`auth::SCENARIOS`]): connect through
    /// OAuth, list the tools, call `test-tool` if offered.
    Auth(&'static str),
}

impl Scenario {
    /// Every scenario, by its name in the suite.
    pub const ALL: [(&'static str, Self); 11] = [
        ("initialize", Self::Initialize),
        ("tools_call", Self::ToolsCall),
        (
            "elicitation-sep1034-client-defaults",
            Self::ElicitationDefaults,
        ),
        ("sse-retry", Self::SseRetry),
        ("request-metadata", Self::RequestMetadata),
        ("sep-2322-client-request-state", Self::RequestState),
        ("http-standard-headers", Self::StandardHeaders),
        ("http-custom-headers", Self::CustomHeaders),
        ("http-invalid-tool-headers", Self::InvalidToolHeaders),
        ("json-schema-ref-no-deref", Self::SchemaRefNoDeref),
        ("json-schema-2020-12-preservation", Self::SchemaPreservation),
    ];

    /// The scenario's name in the suite.
    pub fn name(self) -> &'static str {
        if let Self::Auth(name) = self {
            return name;
        }
        Self::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("unknown", |(name, _)| name)
    }
}

impl FromStr for Scenario {
    type Err = ScenarioError;

    fn from_str(name: &str) -> Result<Self, ScenarioError> {
        if let Some(known) = auth::SCENARIOS.iter().find(|n| **n == name) {
            return Ok(Self::Auth(known));
        }
        Self::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .ok_or_else(|| ScenarioError::Unknown(name.to_owned()))
    }
}

/// Why a scenario could not be run to its end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// A name this binary does not know.
    #[error(
        "unknown scenario `{0}` (known: initialize, tools_call, elicitation-sep1034-client-defaults, sse-retry, the 2026-07-28 ones and the auth/ scenarios)"
    )]
    Unknown(String),
    /// The OAuth client could not be set up.
    #[error("cannot set up authorization: {0}")]
    Auth(#[from] oxmcp_auth::client::OAuthError),
    /// `MCP_CONFORMANCE_CONTEXT` is unusable.
    #[error("{0}")]
    Context(String),
    /// The transport could not be made.
    #[error("cannot use the server URL: {0}")]
    Transport(#[from] HttpClientError),
    /// `initialize` failed.
    #[error("initialize failed: {0}")]
    Initialize(#[from] InitializeError),
    /// A request failed.
    #[error("request failed: {0}")]
    Request(#[from] RequestError),
    /// Listing failed.
    #[error("listing failed: {0}")]
    List(#[from] PaginationError),
    /// The server did not offer what the scenario needs.
    #[error("{0}")]
    Unexpected(String),
}

fn config() -> ClientConfig {
    ClientConfig::new(Implementation::new(CLIENT_NAME, env!("CARGO_PKG_VERSION")))
}

/// How long one scenario may take (the suite kills the client after 30 s).
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(25);

/// Runs `scenario` against the server at `url`.
pub async fn run(scenario: Scenario, url: &str) -> Result<(), ScenarioError> {
    let handler = match scenario {
        Scenario::ElicitationDefaults => elicitation::accept_with_defaults(ClientHandler::new()),
        Scenario::RequestState => modern::accepting(ClientHandler::new()),
        _ => ClientHandler::new(),
    };
    let (transport, config) = match scenario {
        Scenario::Auth(name) => {
            let context = auth::Context::from_env().map_err(ScenarioError::Context)?;
            let (http, extension) = auth::http_config(name, url, &context)?;
            let mut config = config();
            if let Some(extension) = extension {
                let caps: ClientCapabilities =
                    serde_json::from_value(json!({ "extensions": { extension: {} } }))
                        .unwrap_or_default();
                config = config.with_capabilities(caps);
            }
            (HttpClientTransport::with_config(url, http)?, config)
        }
        _ => (HttpClientTransport::new(url)?, config()),
    };
    // The suite names the revision to speak; 2026-07-28 is the modern era.
    let config = if modern::asked() {
        config.with_era(Era::Modern)
    } else {
        config
    };
    let client = McpClient::connect(transport, config, handler).await?;
    let outcome = match scenario {
        Scenario::Initialize => {
            let has_tools = client
                .peer()
                .session()
                .is_some_and(|s| s.peer_capabilities.tools.is_some());
            if has_tools {
                list_tools(&client).await.map(drop)
            } else {
                Ok(())
            }
        }
        Scenario::ToolsCall => tools_call(&client).await,
        Scenario::ElicitationDefaults => call(
            &client,
            "test_client_elicitation_defaults",
            JsonObject::new(),
        )
        .await
        .map(drop),
        Scenario::SseRetry => call(&client, "test_reconnection", JsonObject::new())
            .await
            .map(drop),
        Scenario::Auth(_) => authorized_calls(&client).await,
        Scenario::RequestMetadata => modern::request_metadata(&client).await,
        Scenario::RequestState => modern::request_state(&client).await,
        Scenario::StandardHeaders => modern::standard_headers(&client).await,
        Scenario::CustomHeaders => modern::custom_headers(&client).await,
        Scenario::InvalidToolHeaders => modern::invalid_tool_headers(&client).await,
        Scenario::SchemaRefNoDeref => list_tools(&client).await.map(drop),
        Scenario::SchemaPreservation => modern::schema_preservation(&client).await,
    };
    client.close().await;
    outcome
}

async fn list_tools(client: &McpClient) -> Result<Vec<String>, ScenarioError> {
    let tools = client.peer().list_tools().collect_all().await?;
    Ok(tools.into_iter().map(|t| t.name).collect())
}

async fn call(
    client: &McpClient,
    name: &str,
    arguments: JsonObject,
) -> Result<CallToolResult, ScenarioError> {
    let params = CallToolRequestParams::new(name).with_arguments(arguments);
    let result = client.peer().call_tool(params).await?;
    if result.is_error == Some(true) {
        return Err(ScenarioError::Unexpected(format!(
            "`{name}` failed: {}",
            serde_json::to_string(&result.content).unwrap_or_default()
        )));
    }
    Ok(result)
}

async fn tools_call(client: &McpClient) -> Result<(), ScenarioError> {
    let tools = list_tools(client).await?;
    if !tools.iter().any(|t| t == "add_numbers") {
        return Err(ScenarioError::Unexpected(format!(
            "the server does not list `add_numbers` (it lists {tools:?})"
        )));
    }
    let arguments = match json!({ "a": 5, "b": 3 }) {
        serde_json::Value::Object(object) => object,
        _ => JsonObject::new(),
    };
    call(client, "add_numbers", arguments).await.map(drop)
}

/// What an authorization scenario does once connected: list the tools (the first request
/// that needs a token in the step-up scenarios) and call `test-tool` when offered.
async fn authorized_calls(client: &McpClient) -> Result<(), ScenarioError> {
    let tools = list_tools(client).await?;
    if tools.iter().any(|t| t == "test-tool") {
        call(client, "test-tool", JsonObject::new()).await?;
    }
    Ok(())
}
