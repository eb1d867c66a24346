//! Prompts: [`PromptRoute`] is a prompt definition, its handler, and completers for its
//! arguments. Required arguments are checked before the handler runs (-32602 naming the
//! missing ones).
//!
//! ```
//! use oxmcp_core::server::prompts::PromptRoute;
//! use oxmcp_types::prompts::{Prompt, PromptArgument, PromptMessage};
//! use oxmcp_types::{GetPromptResult, Role, TextContent};
//!
//! let greet = PromptRoute::new(
//!     Prompt::new("greet").with_arguments(vec![PromptArgument::new("name").with_required(true)]),
//!     |args, _cx| async move {
//!         let text = format!("Say hello to {}.", args["name"]);
//!         Ok(GetPromptResult::new(vec![PromptMessage::new(Role::User, TextContent::new(text))]))
//!     },
//! );
//!
//! // Or with typed arguments: the prompt's arguments come from the struct.
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Review {
//!     /// The code to review.
//!     code: String,
//!     /// What to focus on.
//!     focus: Option<String>,
//! }
//! let review = PromptRoute::typed("review", |args: Review, _cx| async move {
//!     let text = format!("Review this code ({}): {}", args.focus.as_deref().unwrap_or("all"), args.code);
//!     Ok(GetPromptResult::new(vec![PromptMessage::new(Role::User, TextContent::new(text))]))
//! });
//! let arguments = review.prompt().arguments.as_ref().unwrap();
//! assert_eq!((arguments[0].name.as_str(), arguments[0].required), ("code", Some(true)));
//! assert_eq!(arguments[1].description.as_deref(), Some("What to focus on."));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use oxmcp_types::prompts::{Prompt, PromptArgument};
use oxmcp_types::{ErrorData, GetPromptResult, Icon};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::context::RequestContext;
use crate::handler::BoxFuture;
use crate::role::Server;
use crate::server::completion::Completer;
use crate::server::resources::from_variables;
use crate::server::tools::input_schema_for;

/// The arguments of a `prompts/get`, by name.
pub type PromptArguments = BTreeMap<String, String>;

/// The future a prompt handler returns.
pub type PromptFuture = BoxFuture<'static, Result<GetPromptResult, ErrorData>>;

type DynPromptHandler =
    dyn Fn(PromptArguments, RequestContext<Server>) -> PromptFuture + Send + Sync;

/// Why a prompt could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PromptRegistrationError {
    /// A prompt with this name is already registered.
    #[error("a prompt named `{0}` is already registered")]
    Duplicate(String),
    /// A completer was given for an argument the prompt does not declare.
    #[error("prompt `{prompt}` has no argument `{argument}` to complete")]
    UnknownArgument {
        /// The prompt.
        prompt: String,
        /// The argument.
        argument: String,
    },
}

/// A prompt, its handler and its argument completers.
#[derive(Clone)]
pub struct PromptRoute {
    pub(crate) prompt: Prompt,
    handler: Arc<DynPromptHandler>,
    pub(crate) completers: HashMap<String, Completer>,
    pub(crate) scopes: Vec<String>,
}

impl fmt::Debug for PromptRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PromptRoute")
            .field("prompt", &self.prompt)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl PromptRoute {
    /// A prompt whose handler receives the arguments as strings. Required arguments (per
    /// `prompt.arguments`) are present when it runs.
    pub fn new<F, Fut>(prompt: Prompt, handler: F) -> Self
    where
        F: Fn(PromptArguments, RequestContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<GetPromptResult, ErrorData>> + Send + 'static,
    {
        Self {
            prompt,
            handler: Arc::new(move |args, cx| -> PromptFuture { Box::pin(handler(args, cx)) }),
            completers: HashMap::new(),
            scopes: Vec::new(),
        }
    }

    /// A prompt whose arguments are the fields of `A` (from its JSON Schema: names, doc
    /// comments as descriptions, non-`Option` fields required). The strings the client sends
    /// are deserialized into `A`, as a resource template's variables are: `String`, or any
    /// type that parses from text (integers, floats, `bool`, `char`, unit enum variants),
    /// `Option` for an optional argument. A value that does not parse is -32602, saying why.
    pub fn typed<A, F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        F: Fn(A, RequestContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<GetPromptResult, ErrorData>> + Send + 'static,
    {
        let prompt = Prompt::new(name).with_arguments(arguments_of::<A>());
        let handler = Arc::new(handler);
        Self::new(prompt, move |args: PromptArguments, cx| {
            let handler = handler.clone();
            async move {
                let typed = from_variables::<A>(args).map_err(|e| {
                    ErrorData::invalid_params(format!("invalid prompt arguments: {e}"))
                })?;
                handler(typed, cx).await
            }
        })
    }

    /// Sets the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.prompt.description = Some(description.into());
        self
    }

    /// Sets the display title.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.prompt.title = Some(title.into());
        self
    }

    /// Sets the icons.
    #[must_use]
    pub fn with_icons(mut self, icons: Vec<Icon>) -> Self {
        self.prompt.icons = Some(icons);
        self
    }

    /// Completes the argument `argument` (`completion/complete` with `ref/prompt`).
    #[must_use]
    pub fn with_completion(mut self, argument: impl Into<String>, completer: Completer) -> Self {
        self.completers.insert(argument.into(), completer);
        self
    }

    /// Sets the OAuth scopes a caller needs to use this prompt. A use from an
    /// authenticated principal lacking any of them is refused (-32600 naming the scopes;
    /// with [`hide_unauthorized`](crate::server::McpServerBuilder::hide_unauthorized) the
    /// prompt is left out of its list and answered as unknown). Calls without a principal
    /// are not checked. Over HTTP, `ScopePolicy::server` of `oxmcp-auth` answers such a use
    /// with 403 `insufficient_scope` before it reaches the server.
    #[must_use]
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes a caller needs ([`with_scopes`](Self::with_scopes)).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The prompt's name.
    pub fn name(&self) -> &str {
        &self.prompt.name
    }

    /// The definition `prompts/list` shows.
    pub fn prompt(&self) -> &Prompt {
        &self.prompt
    }

    pub(crate) fn check(&self) -> Result<(), PromptRegistrationError> {
        let declared = self.prompt.arguments.as_deref().unwrap_or_default();
        match self
            .completers
            .keys()
            .find(|name| !declared.iter().any(|a| &a.name == *name))
        {
            Some(argument) => Err(PromptRegistrationError::UnknownArgument {
                prompt: self.prompt.name.clone(),
                argument: argument.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Checks the required arguments, then runs the handler.
    pub(crate) async fn get(
        &self,
        args: PromptArguments,
        cx: RequestContext<Server>,
    ) -> Result<GetPromptResult, ErrorData> {
        let missing: Vec<&str> = self
            .prompt
            .arguments
            .iter()
            .flatten()
            .filter(|a| a.required == Some(true) && !args.contains_key(&a.name))
            .map(|a| a.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(ErrorData::invalid_params(format!(
                "prompt `{}` is missing the required argument(s): {}",
                self.prompt.name,
                missing.join(", ")
            ))
            .with_data(serde_json::json!({ "prompt": self.prompt.name, "missing": missing })));
        }
        (self.handler)(args, cx).await
    }
}

/// The prompt arguments described by `A`'s schema.
fn arguments_of<A: JsonSchema>() -> Vec<PromptArgument> {
    let Ok(schema) = input_schema_for::<A>() else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let mut argument =
                PromptArgument::new(name.clone()).with_required(required.contains(&name.as_str()));
            if let Some(description) = property.get("description").and_then(Value::as_str) {
                argument = argument.with_description(description);
            }
            if let Some(title) = property.get("title").and_then(Value::as_str) {
                argument = argument.with_title(title);
            }
            argument
        })
        .collect()
}
