//! `resources/*`: listing, reading, templates, subscriptions, and changes while serving.

use oxmcp_types::methods::{
    NotificationMethod, ResourceListChangedNotification, ResourceUpdatedNotification,
};
use oxmcp_types::resources::ResourceUpdatedNotificationParams;
use oxmcp_types::{
    EmptyResult, ErrorData, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, ReadResourceResult, ResourceRequestParams,
};

use super::{McpServer, reply};
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest};
use crate::role::Server;
use crate::server::listen::Change;
use crate::server::pagination::ListKind;
use crate::server::resources::{
    ResourceRegistrationError, ResourceRoute, ResourceTemplateRoute, resource_not_found,
};
use crate::server::sessions::send_now;

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
    pub fn notify_resource_updated(&self, uri: &str) -> usize {
        let streams = self
            .shared
            .listeners
            .publish(&Change::Updated(uri.to_owned()));
        let params = ResourceUpdatedNotificationParams::new(uri);
        let Ok(raw) = serde_json::value::to_raw_value(&params) else {
            return streams;
        };
        let sessions = self
            .shared
            .sessions
            .subscribers(uri)
            .iter()
            .filter(|peer| send_now(peer, ResourceUpdatedNotification::METHOD, Some(raw.clone())))
            .count();
        sessions + streams
    }

    fn resources_changed(&self) {
        self.shared
            .sessions
            .broadcast(ResourceListChangedNotification::METHOD);
        self.shared.listeners.publish(&Change::Resources);
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
        let items = page.items.iter().map(|r| r.resource.clone()).collect();
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
        let items = page
            .items
            .iter()
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
        let contents = if let Some(route) = self.shared.resources.snapshot().get(&params.uri) {
            route.read(params.uri, cx).await?
        } else {
            let templates = self.shared.templates.snapshot();
            let found = templates
                .iter()
                .find_map(|t| t.parsed.matches(&params.uri).map(|vars| (t, vars)));
            match found {
                Some((template, vars)) => template.read(params.uri, vars, cx).await?,
                None => return Err(resource_not_found(&params.uri)),
            }
        };
        super::reply_version(ReadResourceResult::new(contents), version)
    }

    /// Whether `uri` names a registered resource or matches a template.
    fn knows_uri(&self, uri: &str) -> bool {
        self.shared.resources.snapshot().get(uri).is_some()
            || self
                .shared
                .templates
                .snapshot()
                .iter()
                .any(|t| t.parsed.matches(uri).is_some())
    }

    pub(super) fn subscribe(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Server>,
    ) -> HandlerResult {
        let params: ResourceRequestParams = request.params()?;
        if !self.knows_uri(&params.uri) {
            return Err(resource_not_found(&params.uri));
        }
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
