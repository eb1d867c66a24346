//! `prompts/list`, `prompts/get`, `completion/complete`, and prompt changes while serving.

use oxmcp_types::{
    CompleteRequestParams, CompleteResult, CompletionReference, ErrorData, GetPromptRequestParams,
    ListPromptsResult, PaginatedRequestParams,
};

use super::ServerChange;
use super::{McpServer, reply, reply_version};
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest};
use crate::role::Server;
use crate::server::completion::{Completer, CompletionRequest};
use crate::server::pagination::ListKind;
use crate::server::prompts::{PromptRegistrationError, PromptRoute};
use crate::server::scope::{self, Guarded};

impl McpServer {
    /// Registers prompts (all or none) and sends `notifications/prompts/list_changed`.
    /// Names must be unique.
    pub fn add_prompts(
        &self,
        routes: impl IntoIterator<Item = PromptRoute>,
    ) -> Result<(), PromptRegistrationError> {
        let routes: Vec<_> = routes.into_iter().collect();
        for route in &routes {
            route.check()?;
        }
        self.shared
            .prompts
            .update(|catalog| catalog.insert_all(routes, PromptRoute::name))
            .map_err(PromptRegistrationError::Duplicate)?;
        self.prompts_changed();
        Ok(())
    }

    /// Registers one prompt; see [`add_prompts`](Self::add_prompts).
    pub fn add_prompt(&self, route: PromptRoute) -> Result<(), PromptRegistrationError> {
        self.add_prompts([route])
    }

    /// Removes a prompt; returns whether it existed. Sends `list_changed` when it did.
    pub fn remove_prompt(&self, name: &str) -> bool {
        let removed = self
            .shared
            .prompts
            .update(|catalog| catalog.remove(name).is_some());
        if removed {
            self.prompts_changed();
        }
        removed
    }

    fn prompts_changed(&self) {
        self.changed(&ServerChange::PromptListChanged);
    }

    pub(super) fn list_prompts(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<Server>,
    ) -> HandlerResult {
        let params: PaginatedRequestParams = request.params()?;
        let after = self.decode_cursor(ListKind::Prompts, params.cursor.as_deref())?;
        let catalog = self.shared.prompts.snapshot();
        let page = catalog.page(after, self.shared.options.page_size);
        let hide = self.shared.options.hide_unauthorized;
        let principal = cx.principal();
        let items = page
            .items
            .iter()
            .filter(|p| !hide || scope::allowed(&p.scopes, principal.as_deref()))
            .map(|p| p.prompt.clone())
            .collect();
        let mut result = ListPromptsResult::new(items);
        result.next_cursor = self.next_cursor(ListKind::Prompts, page.next_after);
        reply(result, cx)
    }

    pub(super) async fn get_prompt(
        &self,
        request: &IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let params: GetPromptRequestParams = request.params()?;
        let catalog = self.shared.prompts.snapshot();
        let Some(prompt) = catalog.get(&params.name) else {
            return Err(ErrorData::invalid_params(format!(
                "unknown prompt: {}",
                params.name
            )));
        };
        scope::check(
            Guarded::Prompt,
            &params.name,
            &prompt.scopes,
            cx.principal().as_deref(),
            self.shared.options.hide_unauthorized,
        )?;
        let version = cx.protocol_version();
        let result = prompt.get(params.arguments.unwrap_or_default(), cx).await?;
        reply_version(result, version)
    }

    pub(super) async fn complete(
        &self,
        request: &IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let params: CompleteRequestParams = request.params()?;
        let argument = params.argument.name;
        let completer = self.completer_for(&params.reference, &argument, &cx)?;
        let version = cx.protocol_version();
        let values = match completer {
            Some(completer) => {
                let request = CompletionRequest {
                    argument,
                    value: params.argument.value,
                    context: params.context.and_then(|c| c.arguments).unwrap_or_default(),
                };
                completer.complete(request, cx).await?
            }
            None => Vec::new(),
        };
        // At most 100 values; `total` and `hasMore` say how many there were.
        reply_version(CompleteResult::new(values), version)
    }

    /// The completer for an argument of the referenced prompt or template: -32602 for an
    /// unknown prompt, template or argument; `None` when the argument has no completer.
    fn completer_for(
        &self,
        reference: &CompletionReference,
        argument: &str,
        cx: &RequestContext<Server>,
    ) -> Result<Option<Completer>, ErrorData> {
        let hide = self.shared.options.hide_unauthorized;
        let principal = cx.principal();
        let principal = principal.as_deref();
        match reference {
            CompletionReference::Prompt(p) => {
                let catalog = self.shared.prompts.snapshot();
                let prompt = catalog.get(&p.name).ok_or_else(|| {
                    ErrorData::invalid_params(format!("unknown prompt: {}", p.name))
                })?;
                scope::check(Guarded::Prompt, &p.name, &prompt.scopes, principal, hide)?;
                let declared = prompt
                    .prompt
                    .arguments
                    .iter()
                    .flatten()
                    .any(|a| a.name == argument);
                if !declared {
                    return Err(ErrorData::invalid_params(format!(
                        "prompt `{}` has no argument `{argument}`",
                        p.name
                    )));
                }
                Ok(prompt.completers.get(argument).cloned())
            }
            CompletionReference::ResourceTemplate(r) => {
                let catalog = self.shared.templates.snapshot();
                let template = catalog.get(&r.uri).ok_or_else(|| {
                    ErrorData::invalid_params(format!("unknown resource template: {}", r.uri))
                })?;
                let scopes = &template.route.scopes;
                scope::check(Guarded::Template, &r.uri, scopes, principal, hide)?;
                if !template.parsed.has_variable(argument) {
                    return Err(ErrorData::invalid_params(format!(
                        "resource template `{}` has no variable `{argument}`",
                        r.uri
                    )));
                }
                Ok(template.route.completers.get(argument).cloned())
            }
            _ => Err(ErrorData::invalid_params(
                "unsupported completion reference type",
            )),
        }
    }
}
