//! Procedural macros of [oxmcp](https://docs.rs/oxmcp). Use them through the `oxmcp` crate
//! (`oxmcp::tool_router`, `oxmcp::tool`, also in `oxmcp::prelude`): the generated code names
//! `::oxmcp::__private` paths, so `oxmcp` is the only dependency they need.

mod attr;
mod codegen;
mod docs;
mod method;
mod name;
mod prompt;
mod recover;
mod resource;
mod router;
mod schema;
mod scopes;
mod tool;

use proc_macro::TokenStream;

/// Turns the `#[tool]` methods of an inherent impl into MCP tools.
///
/// The impl keeps its methods as they are (they can still be called directly), and a second
/// impl gains a method, by default
/// `pub fn tool_routes(self: &Arc<Self>) -> Vec<ToolRoute>`, returning one `ToolRoute` per
/// tool, ready for `McpServerBuilder::tools`. It requires `Self: Send + Sync + 'static`:
/// tools run concurrently, each call on a clone of the `Arc`.
///
/// Options:
/// - `vis = pub(crate)`: the visibility of the generated method (default `pub`);
/// - `fn_name = admin_tools`: its name (default `tool_routes`), needed when a type has
///   several `#[tool_router]` impls;
/// - `crate = "::my_oxmcp"`: the path of the `oxmcp` crate, when it is renamed.
///
/// A tool method is an `async fn` or a plain `fn`, not generic, taking `&self`,
/// `self: Arc<Self>` or no `self` at all (a plain `fn` runs on the runtime's thread, like
/// the code of an `async fn` between two `.await`s: keep it short, or make it `async` and
/// use `tokio::task::spawn_blocking` for blocking work). Its parameters are, in any order:
/// - at most one `RequestContext<Server>` (or `&RequestContext<Server>`), recognised by its
///   type name;
/// - the arguments: either one parameter whose type is the argument struct (it derives
///   `Deserialize` and `JsonSchema`), or plain parameters, from which the macro generates
///   that struct, one field per parameter with the parameter's name, doc comments and
///   `#[serde(...)]` / `#[schemars(...)]` attributes. A lone parameter counts as the
///   argument struct when its type is a path other than `String`, `bool`, `char`, the
///   integer and float types, `Option`, `Vec`, `VecDeque`, the maps and sets, `Box`, `Rc`,
///   `Arc`, `Cow`, `Value`, `Number`, `Map` and `PathBuf`, and it has no doc comment or
///   attribute; mark it `#[arg]` to make it a plain argument (a newtype, say);
/// - no arguments at all: the input schema accepts only `{}`.
///
/// The return type implements `ToolOutput`. Misuse is a compile error at the offending
/// token: `self` by value or `&mut self`, borrowed argument types, unknown or repeated
/// options, duplicate tool names, and names that break the spec's rule (1 to 128 characters
/// from `A-Z a-z 0-9 _ - .`). The impl is still emitted beside the error (without the
/// marker attributes, with an empty routes method), so that the error stands alone instead
/// of being followed by errors about the missing method.
#[proc_macro_attribute]
pub fn tool_router(args: TokenStream, input: TokenStream) -> TokenStream {
    recover::expand_or_recover::<tool::ToolMethod>(args.into(), input.into()).into()
}

/// Marks a method of a `#[tool_router]` impl as an MCP tool (see
/// `tool_router` for the method's shape).
///
/// Options: `name = "..."` (default: the method's name), `title = "..."`,
/// `description = "..."` (default: the doc comment), `annotations(title = "...",
/// read_only, destructive = false, idempotent, open_world = false)`, `icons = <expr>`
/// (a `Vec<Icon>`), `meta = <expr>` (a `Meta`), `task_support = "optional"` (or
/// `"required"`, `"forbidden"`), `scopes = ["files:write"]` (the OAuth scopes a caller
/// needs: `ToolRoute::with_scopes`).
///
/// Outside a `#[tool_router]` impl this attribute is an error.
#[proc_macro_attribute]
pub fn tool(_args: TokenStream, input: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[tool]` only works on a method of an impl marked `#[tool_router]`",
    )
    .into_compile_error();
    let input = proc_macro2::TokenStream::from(input);
    quote::quote!(#error #input).into()
}

/// Turns the `#[prompt]` methods of an inherent impl into MCP prompts.
///
/// Like `tool_router`, for prompts: the generated method (by default
/// `pub fn prompt_routes(self: &Arc<Self>) -> Vec<PromptRoute>`) returns one `PromptRoute`
/// per prompt, to register with `McpServerBuilder::prompts`. The options and the
/// method's shape are those of `tool_router`.
///
/// The prompt's arguments come from the fields of the argument struct, or of the struct
/// generated from plain parameters: the field name, its doc comment as the description, and
/// `required` unless the field is an `Option` (or has a `#[serde(default)]`). Clients send
/// argument values as strings, so fields are `String` or `Option<String>` (or types that
/// deserialize from a string); a missing required argument or a value that does not fit is
/// answered with -32602 before the method runs.
///
/// The return type is `GetPromptResult`, `Vec<PromptMessage>`, `PromptMessage`, `String`
/// (one user message), or a `Result` of one of these whose error converts into `ErrorData`.
#[proc_macro_attribute]
pub fn prompt_router(args: TokenStream, input: TokenStream) -> TokenStream {
    recover::expand_or_recover::<prompt::PromptMethod>(args.into(), input.into()).into()
}

/// Marks a method (`async fn` or plain `fn`) of a `#[prompt_router]` impl as an MCP
/// prompt.
///
/// Options: `name = "..."` (default: the method's name), `title = "..."`,
/// `description = "..."` (default: the doc comment), `icons = <expr>` (a `Vec<Icon>`),
/// `scopes = ["files:read"]` (the OAuth scopes a caller needs: `PromptRoute::with_scopes`).
///
/// Outside a `#[prompt_router]` impl this attribute is an error.
#[proc_macro_attribute]
pub fn prompt(_args: TokenStream, input: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[prompt]` only works on a method of an impl marked `#[prompt_router]`",
    )
    .into_compile_error();
    let input = proc_macro2::TokenStream::from(input);
    quote::quote!(#error #input).into()
}

/// Derives `Serialize`, `Deserialize` and `JsonSchema` for a struct or an enum through the
/// `oxmcp` crate's re-exports of serde and schemars: a tool's argument struct or
/// structured output (`Json<T>`), an elicitation form, needs no direct dependency on either
/// crate.
///
/// `#[schema(serialize)]` derives only `Serialize` and `JsonSchema` (an output type),
/// `#[schema(deserialize)]` only `Deserialize` and `JsonSchema` (arguments);
/// `crate = "::my_oxmcp"` names the `oxmcp` crate when it is renamed. The type's
/// `#[serde(...)]` and `#[schemars(...)]` attributes work as usual; do not derive the same
/// traits again.
#[proc_macro_attribute]
pub fn schema(args: TokenStream, input: TokenStream) -> TokenStream {
    schema::expand(args.into(), input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Turns the `#[resource]` methods of an inherent impl into MCP resource templates whose
/// variables arrive typed.
///
/// Like `tool_router`, for resource templates: the generated method (by default
/// `pub fn resource_templates(self: &Arc<Self>) -> Vec<ResourceTemplateRoute>`) returns one
/// route per method, to register with `McpServerBuilder::resource_templates`. The options
/// and the method's shape are those of `tool_router`.
///
/// The template's variables are the method's plain parameters (each must be a variable of
/// the template: a compile error says so otherwise), or the fields of one struct parameter
/// that derives `Deserialize`. The strings the URI binds are parsed into the parameter
/// types: `String`, integers, floats, `bool`, `char`, unit enums, and `Option` for a
/// variable that may be absent. A URI whose variables do not parse is answered with -32002
/// (resource not found) before the method runs.
///
/// The method returns a `String` (one text contents with the URI and the `mime_type`),
/// `TextResourceContents`, `BlobResourceContents`, `ResourceContents`,
/// `Vec<ResourceContents>`, or a `Result` of one of these whose error converts into
/// `ErrorData` (`resource_not_found(&uri)` for a resource that does not exist).
///
/// Static resources (a fixed URI) need no macro: `ResourceRoute::text`, `ResourceRoute::new`.
#[proc_macro_attribute]
pub fn resource_router(args: TokenStream, input: TokenStream) -> TokenStream {
    recover::expand_or_recover::<resource::ResourceMethod>(args.into(), input.into()).into()
}

/// Marks a method (`async fn` or plain `fn`) of a `#[resource_router]` impl as an MCP
/// resource template.
///
/// Options: `uri_template = "notes://{id}"` (required, RFC 6570), `name = "..."` (default:
/// the method's name), `title = "..."`, `description = "..."` (default: the doc comment),
/// `mime_type = "text/plain"`, `scopes = ["notes:read"]` (the OAuth scopes a caller needs
/// to read a resource of the template: `ResourceTemplateRoute::with_scopes`).
///
/// Outside a `#[resource_router]` impl this attribute is an error.
#[proc_macro_attribute]
pub fn resource(_args: TokenStream, input: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[resource]` only works on a method of an impl marked `#[resource_router]`",
    )
    .into_compile_error();
    let input = proc_macro2::TokenStream::from(input);
    quote::quote!(#error #input).into()
}
