//! Tools: how a typed async function becomes an MCP tool.
//!
//! A [`ToolRoute`] is a tool definition ([`Tool`]) plus its handler. The typed constructor
//! [`ToolRoute::new`] takes an async function of an argument struct and the
//! [`RequestContext`]:
//!
//! - the argument type `A` derives `schemars::JsonSchema` and `serde::Deserialize`; the
//!   tool's `inputSchema` is generated from it (JSON Schema 2020-12, root
//!   `"type": "object"`; use [`NoArguments`] for a tool without arguments);
//! - the return type implements [`ToolOutput`]: text (`String`), content blocks, a whole
//!   [`CallToolResult`], or structured output [`Json<T>`] whose `outputSchema` is generated
//!   from `T`, optionally wrapped in `Result<_, E>` with `E: Into<ToolError>`;
//! - description, title, icons, annotations, `execution.taskSupport` and `_meta` are set
//!   with the `with_*` methods.
//!
//! When the route is registered with [`McpServer`](crate::server::McpServer), its name is
//! checked against the spec's rule ([`check_tool_name`]) and its schemas are compiled once.
//! On every `tools/call` the arguments are validated against `inputSchema` before the
//! handler runs; a violation is answered with an `isError: true` result that lists each
//! problem and where it is, never with a protocol error.
//!
//! ```
//! use oxmcp_core::RequestContext;
//! use oxmcp_core::role::Server;
//! use oxmcp_core::server::tools::{Json, ToolError, ToolRoute};
//! use oxmcp_types::ToolAnnotations;
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct AddArgs {
//!     /// The first number.
//!     a: f64,
//!     /// The second number.
//!     b: f64,
//! }
//!
//! #[derive(serde::Serialize, schemars::JsonSchema)]
//! struct Sum {
//!     sum: f64,
//! }
//!
//! async fn add(args: AddArgs, _cx: RequestContext<Server>) -> Result<Json<Sum>, ToolError> {
//!     if !(args.a + args.b).is_finite() {
//!         return Err(ToolError::execution("the sum overflows"));
//!     }
//!     Ok(Json(Sum { sum: args.a + args.b }))
//! }
//!
//! let route = ToolRoute::new("add", add)
//!     .with_title("Add")
//!     .with_description("Adds two numbers.")
//!     .with_annotations(ToolAnnotations::default().read_only(true));
//! assert_eq!(route.tool().input_schema["required"], serde_json::json!(["a", "b"]));
//! assert!(route.tool().output_schema.is_some());
//!
//! // Closures work too; the context's type is inferred.
//! let echo = ToolRoute::new("echo", |args: EchoArgs, _cx| async move { args.text });
//! # #[derive(serde::Deserialize, schemars::JsonSchema)]
//! # struct EchoArgs { text: String }
//! ```

mod formats;
mod name;
mod output;
mod param_headers;
mod schema;
mod task_boundary;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{
    CallToolResult, ErrorCode, ErrorData, Icon, JsonObject, Meta, Tool, ToolAnnotations,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use name::{MAX_TOOL_NAME_LEN, ToolNameError, ToolNamePolicy, check_tool_name};
pub use output::{Json, NoArguments, ToolError, ToolOutput};
pub use param_headers::ParamHeaders;
use schema::CompiledSchema;
pub use schema::{SchemaError, input_schema_for, output_schema_for};
/// The `schemars` this crate generates schemas with, so that generated code (the
/// `#[tool]` macros) can derive `JsonSchema` through one path:
/// `#[schemars(crate = "oxmcp_core::server::tools::schemars")]`.
pub use schemars;
pub use task_boundary::ContinuesAsTask;
pub(crate) use task_boundary::TaskBoundary;

use crate::context::RequestContext;
use crate::handler::BoxFuture;
use crate::role::Server;

/// The future a type-erased tool handler returns.
pub type ToolFuture = BoxFuture<'static, Result<CallToolResult, ErrorData>>;

/// A type-erased tool handler: validated arguments in, result or JSON-RPC error out.
type DynToolHandler = dyn Fn(Value, RequestContext<Server>) -> ToolFuture + Send + Sync;

/// Why a tool could not be registered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ToolRegistrationError {
    /// A tool with this name is already registered.
    #[error("a tool named `{0}` is already registered")]
    Duplicate(String),
    /// The name breaks the spec's naming rule and the policy is [`ToolNamePolicy::Refuse`].
    #[error("invalid tool name `{name}`: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// What is wrong with it.
        reason: ToolNameError,
    },
    /// The input schema is unusable.
    #[error("the input schema of tool `{name}` is unusable: {source}")]
    InputSchema {
        /// The tool.
        name: String,
        /// Why.
        source: SchemaError,
    },
    /// The output schema is unusable.
    #[error("the output schema of tool `{name}` is unusable: {source}")]
    OutputSchema {
        /// The tool.
        name: String,
        /// Why.
        source: SchemaError,
    },
    /// An `x-mcp-header` annotation of the input schema breaks the spec's constraints
    /// (clients would leave the tool out).
    #[error("tool `{name}`: {source}")]
    ParamHeader {
        /// The tool.
        name: String,
        /// What is wrong.
        source: oxmcp_types::modern::headers::HeaderError,
    },
}

/// A tool definition and its handler, ready to register with
/// [`McpServer`](crate::server::McpServer). See the [module docs](self).
#[derive(Clone)]
pub struct ToolRoute {
    tool: Tool,
    handler: Arc<DynToolHandler>,
    /// A schema problem found while generating the schemas, reported at registration.
    problem: Option<ToolRegistrationError>,
    task_options: ToolTaskOptions,
    /// The scopes a caller needs (see [`ToolRoute::with_scopes`]).
    scopes: Vec<String>,
    /// Whether the schemas were generated from Rust types (and not changed since): they are
    /// then compiled on first use (see [`schema::CompiledSchema`]).
    generated: bool,
}

/// How a tool behaves when it runs as a task (set on its [`ToolRoute`]; read by task
/// extensions through [`McpServer::tool_task_options`](crate::McpServer::tool_task_options)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolTaskOptions {
    /// Whether an interrupted task of this tool runs again after a restart.
    pub(crate) resumable: bool,
    /// The `model-immediate-response` text of its `CreateTaskResult`.
    pub(crate) immediate_response: Option<String>,
    /// Whether a 2026-07-28 call asks its questions before it becomes a task.
    pub(crate) input_before_task: bool,
}

impl ToolTaskOptions {
    /// Whether an interrupted task of this tool runs again after a restart
    /// ([`ToolRoute::resumable`]).
    pub fn resumable(&self) -> bool {
        self.resumable
    }

    /// The text offered to the model at once when it runs as a task
    /// ([`ToolRoute::with_immediate_response`]).
    pub fn immediate_response(&self) -> Option<&str> {
        self.immediate_response.as_deref()
    }

    /// Whether a 2026-07-28 call becomes a task only when its handler calls
    /// [`RequestContext::continue_as_task`] ([`ToolRoute::with_input_before_task`]).
    pub fn input_before_task(&self) -> bool {
        self.input_before_task
    }
}

impl fmt::Debug for ToolRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolRoute")
            .field("tool", &self.tool)
            .field("problem", &self.problem)
            .field("task_options", &self.task_options)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ToolRoute {
    /// A tool named `name` whose handler takes typed arguments `A` and the request context.
    ///
    /// `inputSchema` is generated from `A`, `outputSchema` from `O` when it is structured
    /// ([`Json<T>`], possibly inside a `Result`). Arguments that pass the schema but do not
    /// deserialize into `A` are a tool execution error too.
    pub fn new<A, O, F, Fut>(name: impl Into<String>, handler: F) -> Self
    where
        A: DeserializeOwned + JsonSchema + Send + 'static,
        O: ToolOutput,
        F: Fn(A, RequestContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = O> + Send + 'static,
    {
        let name = name.into();
        let mut problem = None;
        let input_schema = input_schema_for::<A>().unwrap_or_else(|source| {
            problem = Some(ToolRegistrationError::InputSchema {
                name: name.clone(),
                source,
            });
            JsonObject::new()
        });
        let output_schema = match O::output_schema() {
            Some(Ok(schema)) => Some(schema),
            Some(Err(source)) => {
                problem.get_or_insert(ToolRegistrationError::OutputSchema {
                    name: name.clone(),
                    source,
                });
                None
            }
            None => None,
        };
        let mut tool = Tool::new(name.clone(), input_schema);
        tool.output_schema = output_schema;
        Self {
            tool,
            handler: Arc::new(typed_handler(name, handler)),
            problem,
            task_options: ToolTaskOptions::default(),
            scopes: Vec::new(),
            generated: true,
        }
    }

    /// A tool from a hand-written definition: `tool.input_schema` (and `output_schema`, if
    /// any) are used as they are. The handler receives the arguments as a JSON object,
    /// already validated against the input schema.
    ///
    /// ```
    /// use oxmcp_core::server::tools::{ToolError, ToolRoute};
    /// use oxmcp_types::{CallToolResult, Tool};
    ///
    /// let tool = Tool::without_arguments("now").with_description("The time.");
    /// let route = ToolRoute::from_tool(tool, |_args, _cx| async {
    ///     Ok::<_, ToolError>(CallToolResult::text("12:00"))
    /// });
    /// assert_eq!(route.name(), "now");
    /// ```
    pub fn from_tool<F, Fut>(tool: Tool, handler: F) -> Self
    where
        F: Fn(JsonObject, RequestContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CallToolResult, ToolError>> + Send + 'static,
    {
        let handler = move |args: Value, cx: RequestContext<Server>| -> ToolFuture {
            let args = match args {
                Value::Object(object) => object,
                _ => JsonObject::new(),
            };
            let work = handler(args, cx);
            Box::pin(async move { work.await.into_call_tool_result() })
        };
        Self {
            tool,
            handler: Arc::new(handler),
            problem: None,
            task_options: ToolTaskOptions::default(),
            scopes: Vec::new(),
            generated: false,
        }
    }

    /// The tool's name.
    pub fn name(&self) -> &str {
        &self.tool.name
    }

    /// The definition `tools/list` shows.
    pub fn tool(&self) -> &Tool {
        &self.tool
    }

    /// The definition, to change what the `with_*` methods do not cover. Schemas changed
    /// here are checked when the server is built, as hand-written ones are.
    pub fn tool_mut(&mut self) -> &mut Tool {
        self.generated = false;
        &mut self.tool
    }

    /// Sets the description (the macros pass the doc comment).
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.tool.description = Some(description.into());
        self
    }

    /// Sets the display title.
    #[must_use]
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.tool.title = Some(title.into());
        self
    }

    /// Sets the icons.
    #[must_use]
    pub fn with_icons(mut self, icons: Vec<Icon>) -> Self {
        self.tool.icons = Some(icons);
        self
    }

    /// Sets the annotations (behaviour hints).
    #[must_use]
    pub fn with_annotations(mut self, annotations: ToolAnnotations) -> Self {
        self.tool.annotations = Some(annotations);
        self
    }

    /// Sets `execution.taskSupport`.
    #[must_use]
    pub fn with_task_support(mut self, support: TaskSupport) -> Self {
        self.tool = self.tool.with_task_support(support);
        self
    }

    /// Lets a 2026-07-28 call of this tool ask the client its questions before it becomes
    /// a task of the tasks extension (`io.modelcontextprotocol/tasks`), as the extension
    /// recommends for input a server needs before it commits to the work. Without this, a
    /// call that runs as a task becomes one at once, and every question of its handler
    /// goes to the task's `inputRequests` (answered by `tasks/update`).
    ///
    /// With it, such a call runs its handler at once, as a multi round-trip request (see
    /// [`crate::server::mrtr`]): its questions end the call `input_required` and the
    /// client's retry runs it again with the answers. The call becomes a task when the
    /// handler calls [`RequestContext::continue_as_task`] with every question answered: the
    /// handler stops there, and runs again from the start as the task's work, where its
    /// earlier questions get the answers of the rounds at once and later ones go to the
    /// task's `inputRequests`. So what a handler does before that call runs once per
    /// round and once more in the task: keep side effects after it. A handler that
    /// returns without calling it is answered directly, or (a tool whose `taskSupport`
    /// is `required`) by a task that holds its result. The rounds' answers are not stored
    /// with the task: a [`resumable`](Self::resumable) task that runs again after a restart
    /// asks those questions again, as the task's `inputRequests`.
    ///
    /// Legacy sessions (2025-11-25) and calls that do not run as tasks are unchanged:
    /// `continue_as_task` does nothing there.
    ///
    /// ```
    /// use oxmcp_core::server::client_requests::ElicitOutcome;
    /// use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
    /// use oxmcp_core::{RequestContext, role::Server};
    /// use oxmcp_types::tools::TaskSupport;
    ///
    /// #[derive(serde::Deserialize, schemars::JsonSchema)]
    /// struct Confirm { ok: bool }
    ///
    /// async fn wipe(_: NoArguments, cx: RequestContext<Server>) -> Result<String, ToolError> {
    ///     let answer = cx.elicit::<Confirm>("Wipe the disk?").await?;
    ///     if !matches!(answer, ElicitOutcome::Accepted(Confirm { ok: true })) {
    ///         return Ok("kept the disk".to_owned());
    ///     }
    ///     cx.continue_as_task()?;
    ///     // ... the long work, as a task ...
    ///     Ok("wiped".to_owned())
    /// }
    ///
    /// let route = ToolRoute::new("wipe", wipe)
    ///     .with_task_support(TaskSupport::Optional)
    ///     .with_input_before_task();
    /// assert!(route.task_options().input_before_task());
    /// ```
    #[must_use]
    pub fn with_input_before_task(mut self) -> Self {
        self.task_options.input_before_task = true;
        self
    }

    /// Sets `_meta`.
    #[must_use]
    pub fn with_meta(mut self, meta: Meta) -> Self {
        self.tool.meta = Some(meta);
        self
    }

    /// Marks the tool's task work as safe to run again: when the server stops while a task
    /// of this tool runs and restarts on the same durable store,
    /// `TasksServerExt::recover_tasks` of the `oxmcp-tasks` crate runs the call
    /// again with the stored arguments, in a context without a connection to the client.
    /// Tasks of other tools fail with an "interrupted" status message instead. Only for
    /// tools whose work may be repeated (idempotent, or checkpointing on its own).
    ///
    /// The resumed task keeps its owner, so its result is reachable only when the server
    /// gives its tasks a fixed owner (`OwnerPolicy::Fixed` of `oxmcp-tasks`,
    /// or later an authenticated principal): a task owned by a session of the stopped
    /// process runs again, but no session of the new one can read it.
    #[must_use]
    pub fn resumable(mut self) -> Self {
        self.task_options.resumable = true;
        self
    }

    /// Sets the text a task-augmented call of this tool returns in its `CreateTaskResult`
    /// under `_meta["io.modelcontextprotocol/model-immediate-response"]`: what a host may
    /// hand to the model while the task runs.
    #[must_use]
    pub fn with_immediate_response(mut self, text: impl Into<String>) -> Self {
        self.task_options.immediate_response = Some(text.into());
        self
    }

    /// Sets the OAuth scopes a caller needs to use this tool. A call from an
    /// authenticated [`Principal`](crate::Principal) that lacks one of them is refused, and
    /// with [`hide_unauthorized`](crate::server::McpServerBuilder::hide_unauthorized) the
    /// tool is left out of that caller's `tools/list`. Calls without a principal (a server
    /// without authentication) are not checked. Over HTTP, let the resource server read
    /// them (`ScopePolicy::server(server)` of `oxmcp-auth`) so that the refusal is a 403
    /// `insufficient_scope` the client can step up from.
    ///
    /// ```
    /// # use oxmcp_core::server::tools::{NoArguments, ToolRoute};
    /// let route = ToolRoute::new("wipe", |_: NoArguments, _cx| async { "wiped" })
    ///     .with_scopes(["files:write"]);
    /// assert_eq!(route.scopes(), ["files:write"]);
    /// ```
    #[must_use]
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes a caller needs ([`with_scopes`](Self::with_scopes)).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// How the tool behaves as a task ([`resumable`](Self::resumable),
    /// [`with_immediate_response`](Self::with_immediate_response),
    /// [`with_input_before_task`](Self::with_input_before_task)).
    pub fn task_options(&self) -> &ToolTaskOptions {
        &self.task_options
    }

    /// Checks the route and compiles its schemas.
    pub(crate) fn compile(
        self,
        policy: ToolNamePolicy,
    ) -> Result<RegisteredTool, ToolRegistrationError> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        policy.apply(&self.tool.name)?;
        let mut tool = self.tool;
        let name = &tool.name;
        schema::check_root(&mut tool.input_schema).map_err(|source| {
            ToolRegistrationError::InputSchema {
                name: name.clone(),
                source,
            }
        })?;
        let input = if self.generated {
            CompiledSchema::on_first_use()
        } else {
            CompiledSchema::now(&tool.input_schema).map_err(|source| {
                ToolRegistrationError::InputSchema {
                    name: name.clone(),
                    source,
                }
            })?
        };
        let output = match &tool.output_schema {
            Some(output_schema) => Some(compile_output(name, output_schema, self.generated)?),
            None => None,
        };
        let param_headers = oxmcp_types::modern::headers::param_headers(&tool.input_schema)
            .map_err(|source| ToolRegistrationError::ParamHeader {
                name: name.clone(),
                source,
            })?;
        Ok(RegisteredTool {
            tool,
            handler: self.handler,
            input,
            output,
            param_headers,
            task_options: self.task_options,
            scopes: self.scopes,
        })
    }
}

fn compile_output(
    name: &str,
    output_schema: &JsonObject,
    generated: bool,
) -> Result<CompiledSchema, ToolRegistrationError> {
    let error = |source| ToolRegistrationError::OutputSchema {
        name: name.to_owned(),
        source,
    };
    match output_schema.get("type") {
        Some(Value::String(t)) if t == "object" => {}
        other => {
            let found = other.map_or_else(|| "absent".to_owned(), Value::to_string);
            return Err(error(SchemaError::RootNotObject { found }));
        }
    }
    if generated {
        return Ok(CompiledSchema::on_first_use());
    }
    CompiledSchema::now(output_schema).map_err(error)
}

/// Wraps a typed handler: deserializes the arguments, runs it, converts its output.
fn typed_handler<A, O, F, Fut>(
    name: String,
    handler: F,
) -> impl Fn(Value, RequestContext<Server>) -> ToolFuture + Send + Sync + 'static
where
    A: DeserializeOwned + Send + 'static,
    O: ToolOutput,
    F: Fn(A, RequestContext<Server>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = O> + Send + 'static,
{
    move |args: Value, cx: RequestContext<Server>| -> ToolFuture {
        match serde_json::from_value::<A>(args) {
            Ok(args) => {
                let work = handler(args, cx);
                Box::pin(async move { work.await.into_call_tool_result() })
            }
            Err(e) => {
                let text = format!("invalid arguments for tool `{name}`: {e}");
                Box::pin(std::future::ready(Ok(CallToolResult::error_text(text))))
            }
        }
    }
}

/// A tool as the server keeps it: definition, handler, compiled schemas.
pub(crate) struct RegisteredTool {
    pub(crate) tool: Tool,
    handler: Arc<DynToolHandler>,
    input: CompiledSchema,
    output: Option<CompiledSchema>,
    /// The parameters mirrored into `Mcp-Param-*` headers (`x-mcp-header`).
    param_headers: Vec<oxmcp_types::modern::headers::ParamHeader>,
    pub(crate) task_options: ToolTaskOptions,
    pub(crate) scopes: Vec<String>,
}

impl fmt::Debug for RegisteredTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisteredTool")
            .field("tool", &self.tool.name)
            .finish_non_exhaustive()
    }
}

impl RegisteredTool {
    /// Checks the `Mcp-Param-*` headers a request came with against its arguments
    /// (-32020 on a mismatch; see [`ParamHeaders`]).
    pub(crate) fn check_param_headers(
        &self,
        arguments: Option<&JsonObject>,
        received: &ParamHeaders,
    ) -> Result<(), ErrorData> {
        param_headers::check(&self.param_headers, arguments, received)
    }

    /// Validates the arguments, runs the handler, and checks its structured output.
    pub(crate) async fn call(
        &self,
        arguments: Option<JsonObject>,
        cx: RequestContext<Server>,
    ) -> Result<CallToolResult, ErrorData> {
        let arguments = Value::Object(arguments.unwrap_or_default());
        let input = self.input.get(&self.tool.input_schema).map_err(|e| {
            ErrorData::internal_error(format!(
                "the input schema of tool `{}` is unusable: {e}",
                self.tool.name
            ))
        })?;
        if let Some(problems) = schema::describe_errors(input, &arguments) {
            let text = format!(
                "invalid arguments for tool `{}`: {problems}",
                self.tool.name
            );
            return Ok(CallToolResult::error_text(text));
        }
        let modern = cx.protocol_version().is_modern();
        let result = match (self.handler)(arguments, cx).await {
            Ok(result) => result,
            // -32021 is modern; a legacy request gets an execution error, as it always did.
            Err(e) if !modern && e.code == ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY => {
                return Ok(CallToolResult::error_text(e.message));
            }
            Err(e) => return Err(e),
        };
        self.check_output(&result)?;
        Ok(result)
    }

    /// A successful result of a tool with an output schema must carry conforming
    /// `structuredContent` (a MUST of the spec); anything else is the server's bug.
    fn check_output(&self, result: &CallToolResult) -> Result<(), ErrorData> {
        let (Some(output), Some(output_schema)) = (&self.output, &self.tool.output_schema) else {
            return Ok(());
        };
        if result.is_error == Some(true) {
            return Ok(());
        }
        let name = &self.tool.name;
        let Some(structured) = &result.structured_content else {
            return Err(ErrorData::internal_error(format!(
                "tool `{name}` has an output schema but returned no structured content"
            )));
        };
        let validator = output.get(output_schema).map_err(|e| {
            ErrorData::internal_error(format!(
                "the output schema of tool `{name}` is unusable: {e}"
            ))
        })?;
        match schema::describe_errors(validator, &Value::Object(structured.clone())) {
            None => Ok(()),
            Some(problems) => Err(ErrorData::internal_error(format!(
                "tool `{name}` returned structured content that does not match its output schema: {problems}"
            ))),
        }
    }
}
