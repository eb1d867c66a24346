//! Resources: static resources ([`ResourceRoute`]) and resource templates
//! ([`ResourceTemplateRoute`], RFC 6570, see [`UriTemplate`]) with their readers.
//!
//! `resources/read` looks for a static resource with exactly the requested URI first, then
//! tries the templates in registration order; the first that matches reads the resource.
//! A URI nothing matches is answered with -32002 and `data: {"uri": ...}`.
//!
//! ```
//! use oxmcp_core::server::resources::{ResourceRoute, ResourceTemplateRoute};
//! use oxmcp_core::server::completion::Completer;
//! use oxmcp_types::{Resource, ResourceTemplate, TextResourceContents};
//!
//! let readme = ResourceRoute::text(
//!     Resource::new("file:///README.md", "README").with_mime_type("text/markdown"),
//!     "# Hello",
//! );
//! let users = ResourceTemplateRoute::new(
//!     ResourceTemplate::new("users://{id}/profile", "user profile"),
//!     |uri, vars, _cx| async move {
//!         let text = format!("profile of {}", vars["id"]);
//!         Ok(vec![TextResourceContents::new(uri, text).into()])
//!     },
//! )
//! .with_completion("id", Completer::from_values(["alice", "bob"]));
//! # let _ = (readme, users);
//! ```

pub mod template;
mod typed;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use oxmcp_types::{
    BlobResourceContents, ErrorCode, ErrorData, Resource, ResourceContents, ResourceTemplate,
    TextResourceContents,
};

pub use template::{UriTemplate, UriTemplateError, UriVariables};
pub use typed::from_variables;

use crate::context::RequestContext;
use crate::handler::BoxFuture;
use crate::role::Server;
use crate::server::completion::Completer;

/// The future a resource reader returns: the contents (one item, or several for
/// sub-resources), or a JSON-RPC error.
pub type ReadResourceFuture = BoxFuture<'static, Result<Vec<ResourceContents>, ErrorData>>;

type DynReader = dyn Fn(String, RequestContext<Server>) -> ReadResourceFuture + Send + Sync;
type DynTemplateReader =
    dyn Fn(String, UriVariables, RequestContext<Server>) -> ReadResourceFuture + Send + Sync;

/// The -32002 "resource not found" error, with `data: {"uri": uri}`.
///
/// ```
/// let e = oxmcp_core::server::resources::resource_not_found("file:///nope");
/// assert_eq!(e.code.0, -32002);
/// assert_eq!(e.data.unwrap()["uri"], "file:///nope");
/// ```
pub fn resource_not_found(uri: &str) -> ErrorData {
    ErrorData::new(
        ErrorCode::RESOURCE_NOT_FOUND,
        format!("resource not found: {uri}"),
    )
    .with_data(serde_json::json!({ "uri": uri }))
}

/// Why a resource or template could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResourceRegistrationError {
    /// A resource with this URI is already registered.
    #[error("a resource with URI `{0}` is already registered")]
    DuplicateUri(String),
    /// A template with this URI template is already registered.
    #[error("a resource template `{0}` is already registered")]
    DuplicateTemplate(String),
    /// The URI template does not parse.
    #[error("invalid URI template `{template}`: {source}")]
    InvalidTemplate {
        /// The template.
        template: String,
        /// Why.
        source: UriTemplateError,
    },
    /// A completer was given for a variable the template does not have.
    #[error("resource template `{template}` has no variable `{variable}` to complete")]
    UnknownVariable {
        /// The template.
        template: String,
        /// The variable.
        variable: String,
    },
}

/// A static resource and how to read it.
#[derive(Clone)]
pub struct ResourceRoute {
    pub(crate) resource: Resource,
    reader: Arc<DynReader>,
    pub(crate) scopes: Vec<String>,
}

impl fmt::Debug for ResourceRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceRoute")
            .field("resource", &self.resource)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ResourceRoute {
    /// A resource read by `reader`, which receives the URI and the request context.
    pub fn new<F, Fut>(resource: Resource, reader: F) -> Self
    where
        F: Fn(String, RequestContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<ResourceContents>, ErrorData>> + Send + 'static,
    {
        Self {
            resource,
            reader: Arc::new(move |uri, cx| -> ReadResourceFuture { Box::pin(reader(uri, cx)) }),
            scopes: Vec::new(),
        }
    }

    /// A resource whose contents are this text (with the resource's MIME type).
    pub fn text(resource: Resource, text: impl Into<String>) -> Self {
        let mut contents = TextResourceContents::new(resource.uri.clone(), text);
        contents.mime_type = resource.mime_type.clone();
        Self::fixed(resource, contents.into())
    }

    /// A resource whose contents are these bytes, sent base64-encoded (with the resource's
    /// MIME type; `size` is set to the number of bytes).
    pub fn blob(mut resource: Resource, bytes: impl AsRef<[u8]>) -> Self {
        let bytes = bytes.as_ref();
        resource.size = u64::try_from(bytes.len()).ok();
        let mut contents = BlobResourceContents::new(resource.uri.clone(), STANDARD.encode(bytes));
        contents.mime_type = resource.mime_type.clone();
        Self::fixed(resource, contents.into())
    }

    fn fixed(resource: Resource, contents: ResourceContents) -> Self {
        Self::new(resource, move |_uri, _cx| {
            let contents = contents.clone();
            async move { Ok(vec![contents]) }
        })
    }

    /// Sets the OAuth scopes a caller needs to use this resource. A use from an
    /// authenticated principal lacking any of them is refused (-32600 naming the scopes;
    /// with [`hide_unauthorized`](crate::server::McpServerBuilder::hide_unauthorized) the
    /// resource is left out of its list and answered as unknown). Calls without a principal
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

    /// The resource's URI.
    pub fn uri(&self) -> &str {
        &self.resource.uri
    }

    /// The definition `resources/list` shows.
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    pub(crate) fn read(&self, uri: String, cx: RequestContext<Server>) -> ReadResourceFuture {
        (self.reader)(uri, cx)
    }
}

/// A resource template, how to read the resources it describes, and completers for its
/// variables.
#[derive(Clone)]
pub struct ResourceTemplateRoute {
    pub(crate) template: ResourceTemplate,
    reader: Arc<DynTemplateReader>,
    pub(crate) completers: HashMap<String, Completer>,
    pub(crate) scopes: Vec<String>,
}

impl fmt::Debug for ResourceTemplateRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceTemplateRoute")
            .field("template", &self.template)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl ResourceTemplateRoute {
    /// A template whose resources are read by `reader`, which receives the URI, the
    /// variables the template bound, and the request context.
    pub fn new<F, Fut>(template: ResourceTemplate, reader: F) -> Self
    where
        F: Fn(String, UriVariables, RequestContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<ResourceContents>, ErrorData>> + Send + 'static,
    {
        Self {
            template,
            reader: Arc::new(move |uri, vars, cx| -> ReadResourceFuture {
                Box::pin(reader(uri, vars, cx))
            }),
            completers: HashMap::new(),
            scopes: Vec::new(),
        }
    }

    /// Completes the template variable `variable` (`completion/complete` with
    /// `ref/resource`).
    #[must_use]
    pub fn with_completion(mut self, variable: impl Into<String>, completer: Completer) -> Self {
        self.completers.insert(variable.into(), completer);
        self
    }

    /// Sets the OAuth scopes a caller needs to use this resource template: to read or
    /// subscribe to a resource it matches, or to complete its variables. A use from an
    /// authenticated principal lacking any of them is refused (-32600 naming the scopes;
    /// with [`hide_unauthorized`](crate::server::McpServerBuilder::hide_unauthorized) the
    /// template is left out of its list and answered as unknown). Calls without a principal
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

    /// The definition `resources/templates/list` shows.
    pub fn template(&self) -> &ResourceTemplate {
        &self.template
    }

    /// Parses the template and checks the completers.
    pub(crate) fn compile(self) -> Result<RegisteredTemplate, ResourceRegistrationError> {
        let source = &self.template.uri_template;
        let parsed =
            UriTemplate::parse(source).map_err(|e| ResourceRegistrationError::InvalidTemplate {
                template: source.clone(),
                source: e,
            })?;
        if let Some(variable) = self.completers.keys().find(|v| !parsed.has_variable(v)) {
            return Err(ResourceRegistrationError::UnknownVariable {
                template: source.clone(),
                variable: variable.clone(),
            });
        }
        Ok(RegisteredTemplate {
            route: self,
            parsed,
        })
    }
}

/// A template as the server keeps it.
#[derive(Debug)]
pub(crate) struct RegisteredTemplate {
    pub(crate) route: ResourceTemplateRoute,
    pub(crate) parsed: UriTemplate,
}

impl RegisteredTemplate {
    pub(crate) fn read(
        &self,
        uri: String,
        vars: UriVariables,
        cx: RequestContext<Server>,
    ) -> ReadResourceFuture {
        (self.route.reader)(uri, vars, cx)
    }
}
