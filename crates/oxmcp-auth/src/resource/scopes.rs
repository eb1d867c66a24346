//! [`ScopePolicy`]: the scopes each tool, prompt, resource and resource template needs,
//! checked on every request before it reaches the engine.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use oxmcp_core::server::{McpServer, ScopedOperation};
use oxmcp_types::jsonrpc::Request;
use serde::Deserialize;

/// The scopes needed per operation: a `tools/call` of a tool, a `prompts/get` (or a
/// `completion/complete`) of a prompt, a `resources/read` (or `resources/subscribe`) of a
/// resource URI, and with [`server`](Self::server) a completion of a resource template's
/// variables. A request for
/// one of them whose token lacks any of its scopes gets 403 `insufficient_scope`, with
/// the scopes in the challenge (step-up authorization).
///
/// ```
/// use oxmcp_auth::resource::ScopePolicy;
///
/// let policy = ScopePolicy::default()
///     .tool("delete_file", ["files:write"])
///     .prompt("summarize", ["files:read"])
///     .resource("file:///etc/motd", ["files:read"]);
/// assert_eq!(policy.tool_scopes("delete_file"), Some(&["files:write".to_owned()][..]));
/// ```
///
/// With [`server`](Self::server), the scopes the server's own routes declare
/// (`with_scopes`, `#[tool(scopes = [..])]`, ...) are read from it on each request, so that
/// tools, prompts, resources and templates added while serving are covered too.
#[derive(Clone, Default)]
pub struct ScopePolicy {
    tools: HashMap<String, Vec<String>>,
    prompts: HashMap<String, Vec<String>>,
    resources: HashMap<String, Vec<String>>,
    server: Option<McpServer>,
}

impl fmt::Debug for ScopePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopePolicy")
            .field("tools", &self.tools)
            .field("prompts", &self.prompts)
            .field("resources", &self.resources)
            .field("server", &self.server.is_some())
            .finish()
    }
}

fn owned(scopes: impl IntoIterator<Item = impl Into<String>>) -> Vec<String> {
    scopes.into_iter().map(Into::into).collect()
}

impl ScopePolicy {
    /// The tool `name` needs `scopes`.
    #[must_use]
    pub fn tool(
        mut self,
        name: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.tools.insert(name.into(), owned(scopes));
        self
    }

    /// Every tool of `tools` needs its scopes (for example the list a router gives).
    #[must_use]
    pub fn tools<N, S, I>(mut self, tools: I) -> Self
    where
        N: Into<String>,
        S: IntoIterator<Item: Into<String>>,
        I: IntoIterator<Item = (N, S)>,
    {
        for (name, scopes) in tools {
            self = self.tool(name, scopes);
        }
        self
    }

    /// The prompt `name` needs `scopes`.
    #[must_use]
    pub fn prompt(
        mut self,
        name: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.prompts.insert(name.into(), owned(scopes));
        self
    }

    /// The resource `uri` (exactly) needs `scopes`.
    #[must_use]
    pub fn resource(
        mut self,
        uri: impl Into<String>,
        scopes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.resources.insert(uri.into(), owned(scopes));
        self
    }

    /// Also requires the scopes `server`'s routes declare (`ToolRoute::with_scopes` and the
    /// like, read on each request: [`McpServer::scopes_of`]). A request for an operation
    /// of both this policy and the server needs the scopes of both.
    ///
    /// ```
    /// use oxmcp_auth::resource::ScopePolicy;
    /// use oxmcp_core::server::McpServer;
    /// use oxmcp_types::Implementation;
    ///
    /// let server = McpServer::builder(Implementation::new("demo", "1.0")).build().unwrap();
    /// let policy = ScopePolicy::default().server(server.clone());
    /// assert!(!policy.is_empty());
    /// ```
    #[must_use]
    pub fn server(mut self, server: McpServer) -> Self {
        self.server = Some(server);
        self
    }

    /// The scopes the tool `name` needs, if it has any.
    pub fn tool_scopes(&self, name: &str) -> Option<&[String]> {
        self.tools.get(name).map(Vec::as_slice)
    }

    /// Whether no operation needs a scope (false when a server is consulted).
    pub fn is_empty(&self) -> bool {
        self.server.is_none()
            && self.tools.is_empty()
            && self.prompts.is_empty()
            && self.resources.is_empty()
    }

    /// The scopes `request` needs, if it is an operation with any. Params that do not
    /// parse (when some operation of the kind needs scopes here) are refused, so that no
    /// spelling of a name the engine would accept can slip past the check. (The server's
    /// own scopes are checked by the server too, so an unreadable request is left to it.)
    pub(crate) fn required(&self, request: &Request) -> Result<Option<Cow<'_, [String]>>, ()> {
        let method = request.method.as_str();
        let here_any = match method {
            "tools/call" => !self.tools.is_empty(),
            "prompts/get" | "completion/complete" => !self.prompts.is_empty(),
            "resources/read" | "resources/subscribe" => !self.resources.is_empty(),
            _ => return Ok(None),
        };
        if !here_any && self.server.is_none() {
            return Ok(None);
        }
        let target = match Target::of(request) {
            Ok(Some(target)) => target,
            Ok(None) => return Ok(None),
            Err(()) if here_any => return Err(()),
            Err(()) => return Ok(None),
        };
        let here = match &target {
            Target::Tool(name) => self.tools.get(name),
            Target::Prompt(name) => self.prompts.get(name),
            Target::Resource(uri) => self.resources.get(uri),
            Target::Template(_) => None,
        };
        let here = here.map(Vec::as_slice).unwrap_or_default();
        let theirs = self.server.as_ref().map_or_else(Vec::new, |server| {
            server.scopes_of(match &target {
                Target::Tool(name) => ScopedOperation::CallTool(name),
                Target::Prompt(name) => ScopedOperation::GetPrompt(name),
                Target::Resource(uri) => ScopedOperation::ReadResource(uri),
                Target::Template(template) => ScopedOperation::CompleteTemplate(template),
            })
        });
        Ok(match (here.is_empty(), theirs.is_empty()) {
            (true, true) => None,
            (false, true) => Some(Cow::Borrowed(here)),
            (true, false) => Some(Cow::Owned(theirs)),
            (false, false) => {
                let mut both = here.to_vec();
                both.extend(theirs.into_iter().filter(|s| !here.contains(s)));
                Some(Cow::Owned(both))
            }
        })
    }
}

/// What a scoped request operates on.
enum Target {
    Tool(String),
    Prompt(String),
    Resource(String),
    Template(String),
}

impl Target {
    /// The target of a `tools/call`, `prompts/get`, `resources/read`, `resources/subscribe`
    /// or `completion/complete` (of a prompt or a resource template; `Ok(None)` for another
    /// kind of reference); `Err` when the params do not name one.
    fn of(request: &Request) -> Result<Option<Self>, ()> {
        #[derive(Deserialize)]
        struct Named {
            name: Option<String>,
            uri: Option<String>,
            #[serde(rename = "ref")]
            reference: Option<Reference>,
        }
        #[derive(Deserialize)]
        struct Reference {
            #[serde(rename = "type")]
            kind: String,
            name: Option<String>,
            uri: Option<String>,
        }
        let params = request.params.as_deref().ok_or(())?;
        let named: Named = serde_json::from_str(params.get()).map_err(|_| ())?;
        Ok(Some(match request.method.as_str() {
            "tools/call" => Self::Tool(named.name.ok_or(())?),
            "prompts/get" => Self::Prompt(named.name.ok_or(())?),
            "completion/complete" => {
                let reference = named.reference.ok_or(())?;
                match reference.kind.as_str() {
                    "ref/prompt" => Self::Prompt(reference.name.ok_or(())?),
                    "ref/resource" => Self::Template(reference.uri.ok_or(())?),
                    _ => return Ok(None),
                }
            }
            _ => Self::Resource(named.uri.ok_or(())?),
        }))
    }
}
