//! `resources/*`: listing, reading, templates, subscriptions, and changes while serving.

use std::sync::Arc;

use oxmcp_types::{
    EmptyResult, ErrorData, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceResult, ResourceRequestParams,
};

use super::ServerChange;
use super::{McpServer, reply};
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest};
use crate::role::Server;
use crate::server::pagination::ListKind;
use crate::server::resources::{RegisteredTemplate, UriVariables};
use crate::server::resources::{
    ResourceRegistrationError, ResourceRoute, ResourceTemplateRoute, resource_not_found,
};
use crate::server::scope::{self, Guarded, ScopedOperation};

/// What a resource URI names: a static resource, or a resource of a template with the
/// variables it bound.
enum Found {
    Static(Arc<ResourceRoute>),
    Template(Arc<RegisteredTemplate>, UriVariables),
}

impl McpServer {
    /// Registers static resources (all or none) and sends
    /// `notifications/resources/list_changed`. URIs must be unique.
    pub fn add_resources(
        &self,
        routes: impl IntoIterator<Item = ResourceRoute>,
    ) -> Result<(), ResourceRegistrationError> {
        let routes: Vec<_> = routes.into_iter().collect();
        self.shared
            .resources
            .update(|catalog| catalog.insert_all(routes, ResourceRoute::uri))
            .map_err(ResourceRegistrationError::DuplicateUri)?;
        self.resources_changed();
        Ok(())
    }

    /// Registers one static resource; see [`add_resources`](Self::add_resources).
    pub fn add_resource(&self, route: ResourceRoute) -> Result<(), ResourceRegistrationError> {
        self.add_resources([route])
    }

    /// Removes a static resource; returns whether it existed. Sends `list_changed` when it
    /// did.
    pub fn remove_resource(&self, uri: &str) -> bool {
        let removed = self
            .shared
            .resources
            .update(|catalog| catalog.remove(uri).is_some());
        if removed {
            self.resources_changed();
        }
        removed
    }

    /// Registers resource templates (all or none) and sends
    /// `notifications/resources/list_changed`. Templates must parse and be unique.
    pub fn add_resource_templates(
        &self,
        routes: impl IntoIterator<Item = ResourceTemplateRoute>,
    ) -> Result<(), ResourceRegistrationError> {
        let compiled = routes
            .into_iter()
            .map(ResourceTemplateRoute::compile)
            .collect::<Result<Vec<_>, _>>()?;
        self.shared
            .templates
            .update(|catalog| catalog.insert_all(compiled, |t| t.parsed.as_str()))
            .map_err(ResourceRegistrationError::DuplicateTemplate)?;
        self.resources_changed();
        Ok(())
    }

    /// Registers one resource template; see
    /// [`add_resource_templates`](Self::add_resource_templates).
    pub fn add_resource_template(
        &self,
        route: ResourceTemplateRoute,
    ) -> Result<(), ResourceRegistrationError> {
        self.add_resource_templates([route])
    }

    /// Removes a resource template by its URI template; returns whether it existed.
    pub fn remove_resource_template(&self, uri_template: &str) -> bool {
        let removed = self
            .shared
            .templates
            .update(|catalog| catalog.remove(uri_template).is_some());
        if removed {
            self.resources_changed();
        }
        removed
    }

    /// Tells the sessions subscribed to `uri` (or to a resource `uri` is a sub-resource of)
    /// that it changed (`notifications/resources/updated`), and the `subscriptions/listen`
    /// streams that named it (or a resource it is a sub-resource of). Returns how many
    /// sessions and streams were told.
    ///
    /// With a relay ([`relay_changes`](Self::relay_changes)), the other processes of a
    /// scaled-out server hear of it too, and tell their own sessions and streams.
    pub fn notify_resource_updated(&self, uri: &str) -> usize {
        self.changed(&ServerChange::ResourceUpdated(uri.to_owned()))
    }

    fn resources_changed(&self) {
        self.changed(&ServerChange::ResourceListChanged);
    }

    pub(super) fn list_resources(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Server>,
    ) -> HandlerResult {
        let params: PaginatedRequestParams = request.params()?;
        let after = self.decode_cursor(ListKind::Resources, params.cursor.as_deref())?;
        let catalog = self.shared.resources.snapshot();
        let page = catalog.page(after, self.shared.options.page_size);
        let hide = self.shared.options.hide_unauthorized;
        let principal = cx.principal();
        let items = page
            .items
            .iter()
            .filter(|r| !hide || scope::allowed(&r.scopes, principal.as_deref()))
            .map(|r| r.resource.clone())
            .collect();
        let mut result = ListResourcesResult::new(items);
        result.next_cursor = self.next_cursor(ListKind::Resources, page.next_after);
        reply(result, cx)
    }

    pub(super) fn list_resource_templates(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Server>,
    ) -> HandlerResult {
        let params: PaginatedRequestParams = request.params()?;
        let kind = ListKind::ResourceTemplates;
        let after = self.decode_cursor(kind, params.cursor.as_deref())?;
        let catalog = self.shared.templates.snapshot();
        let page = catalog.page(after, self.shared.options.page_size);
        let hide = self.shared.options.hide_unauthorized;
        let principal = cx.principal();
        let items = page
            .items
            .iter()
            .filter(|t| !hide || scope::allowed(&t.route.scopes, principal.as_deref()))
            .map(|t| t.route.template.clone())
            .collect();
        let mut result = ListResourceTemplatesResult::new(items);
        result.next_cursor = self.next_cursor(kind, page.next_after);
        reply(result, cx)
    }

    pub(super) async fn read_resource(
        &self,
        request: &IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let params: ResourceRequestParams = request.params()?;
        let version = cx.protocol_version();
        let uri = params.uri;
        let contents = match self.find_resource(&uri, &cx)? {
            Found::Static(route) => route.read(uri, cx).await?,
            Found::Template(template, vars) => template.read(uri, vars, cx).await?,
        };
        super::reply_version(ReadResourceResult::new(contents), version)
    }

    /// The static resource `uri` names, else the first template it matches; refused as
    /// not found when there is none, and when the caller lacks its scopes (as not found,
    /// or naming the scopes: see [`scope::refusal`]).
    fn find_resource(&self, uri: &str, cx: &RequestContext<Server>) -> Result<Found, ErrorData> {
        let found = match self.shared.resources.snapshot().get(uri) {
            Some(route) => Found::Static(route.clone()),
            None => {
                let templates = self.shared.templates.snapshot();
                let matched = templates
                    .iter()
                    .find_map(|t| t.parsed.matches(uri).map(|vars| (t.clone(), vars)));
                match matched {
                    Some((template, vars)) => Found::Template(template, vars),
                    None => return Err(resource_not_found(uri)),
                }
            }
        };
        let scopes = match &found {
            Found::Static(route) => &route.scopes,
            Found::Template(template, _) => &template.route.scopes,
        };
        let hide = self.shared.options.hide_unauthorized;
        scope::check(
            Guarded::Resource,
            uri,
            scopes,
            cx.principal().as_deref(),
            hide,
        )?;
        Ok(found)
    }

    /// The scopes `operation` needs (none for what is not registered): what a resource
    /// server needs to answer a use without them with 403 `insufficient_scope` before it
    /// reaches the server, and to name the scopes for a step-up. Reads the current
    /// catalogs, so it follows tools, prompts and resources added while serving.
    ///
    /// ```
    /// use oxmcp_core::server::{McpServer, ScopedOperation, prompts::PromptRoute};
    /// use oxmcp_types::{GetPromptResult, Implementation, Prompt};
    ///
    /// let server = McpServer::builder(Implementation::new("demo", "1.0")).build().unwrap();
    /// let secret = PromptRoute::new(Prompt::new("secret"), |_, _| async {
    ///     Ok(GetPromptResult::new(vec![]))
    /// });
    /// server.add_prompt(secret.with_scopes(["admin"])).unwrap();
    /// assert_eq!(server.scopes_of(ScopedOperation::GetPrompt("secret")), ["admin"]);
    /// assert!(server.scopes_of(ScopedOperation::CallTool("secret")).is_empty());
    /// ```
    pub fn scopes_of(&self, operation: ScopedOperation<'_>) -> Vec<String> {
        match operation {
            ScopedOperation::CallTool(name) => self
                .shared
                .tools
                .snapshot()
                .get(name)
                .map(|t| t.scopes.clone()),
            ScopedOperation::GetPrompt(name) => self
                .shared
                .prompts
                .snapshot()
                .get(name)
                .map(|p| p.scopes.clone()),
            ScopedOperation::ReadResource(uri) => self.resource_scopes(uri),
            ScopedOperation::CompleteTemplate(template) => {
                let templates = self.shared.templates.snapshot();
                templates.get(template).map(|t| t.route.scopes.clone())
            }
        }
        .unwrap_or_default()
    }

    fn resource_scopes(&self, uri: &str) -> Option<Vec<String>> {
        if let Some(route) = self.shared.resources.snapshot().get(uri) {
            return Some(route.scopes.clone());
        }
        let templates = self.shared.templates.snapshot();
        templates
            .iter()
            .find(|t| t.parsed.matches(uri).is_some())
            .map(|t| t.route.scopes.clone())
    }

    pub(super) fn subscribe(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Server>,
    ) -> HandlerResult {
        let params: ResourceRequestParams = request.params()?;
        self.find_resource(&params.uri, cx)?;
        let limit = self.shared.options.max_subscriptions;
        if !self.shared.sessions.subscribe(cx.peer(), params.uri, limit) {
            return Err(ErrorData::internal_error(format!(
                "too many resource subscriptions in this session (the limit is {limit})"
            )));
        }
        reply(EmptyResult::default(), cx)
    }

    pub(super) fn unsubscribe(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Server>,
    ) -> HandlerResult {
        let params: ResourceRequestParams = request.params()?;
        self.shared
            .sessions
            .unsubscribe(cx.peer().session_id(), &params.uri);
        reply(EmptyResult::default(), cx)
    }
}
