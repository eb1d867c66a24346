//! [`ScopePolicy`]: the scopes each tool, prompt and resource needs, checked on every
//! request before it reaches the engine.

use std::collections::HashMap;

use oxmcp_types::jsonrpc::Request;
use serde::Deserialize;

/// The scopes needed per operation: a `tools/call` of a tool, a `prompts/get` of a
/// prompt, a `resources/read` (or `resources/subscribe`) of a resource URI. A request for
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
#[derive(Debug, Clone, Default)]
pub struct ScopePolicy {
    tools: HashMap<String, Vec<String>>,
    prompts: HashMap<String, Vec<String>>,
    resources: HashMap<String, Vec<String>>,
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

    /// The scopes the tool `name` needs, if it has any.
    pub fn tool_scopes(&self, name: &str) -> Option<&[String]> {
        self.tools.get(name).map(Vec::as_slice)
    }

    /// Whether no operation needs a scope.
    pub fn is_empty(&self) -> bool {
        self.tools.is_empty() && self.prompts.is_empty() && self.resources.is_empty()
    }

    /// The scopes `request` needs, if it is an operation with any. Params that do not
    /// parse (when some operation of the kind needs scopes) are refused, so that no
    /// spelling of a name the engine would accept can slip past the check.
    pub(crate) fn required(&self, request: &Request) -> Result<Option<&[String]>, ()> {
        #[derive(Deserialize)]
        struct Named {
            name: Option<String>,
            uri: Option<String>,
        }
        let (map, by_uri) = match request.method.as_str() {
            "tools/call" => (&self.tools, false),
            "prompts/get" => (&self.prompts, false),
            "resources/read" | "resources/subscribe" => (&self.resources, true),
            _ => return Ok(None),
        };
        if map.is_empty() {
            return Ok(None);
        }
        let params = request.params.as_deref().ok_or(())?;
        let named: Named = serde_json::from_str(params.get()).map_err(|_| ())?;
        let key = if by_uri { named.uri } else { named.name }.ok_or(())?;
        Ok(map.get(&key).map(Vec::as_slice))
    }
}
