//! Adaptation between the eras: the members only 2026-07-28 has (set or filled when adapting
//! to it, removed when adapting to a legacy revision) and the impls of the types that carry
//! them. The rule is described in [`crate::modern`].

use super::AdaptToVersion;
use crate::completion::CompleteResult;
use crate::meta::EmptyResult;
use crate::modern::{CacheScope, InputResponses, ResultType};
use crate::prompts::{GetPromptRequestParams, ListPromptsResult};
use crate::resources::{
    ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult, ResourceRequestParams,
};
use crate::roots::ListRootsResult;
use crate::tasks::ListTasksResult;
use crate::tools::ListToolsResult;
use crate::version::ProtocolVersion;

/// `resultType`: `complete` when unset in the modern era, absent in the legacy era.
pub(super) fn result_type(rt: &mut Option<ResultType>, version: ProtocolVersion) {
    if version.is_modern() {
        rt.get_or_insert(ResultType::Complete);
    } else {
        *rt = None;
    }
}

/// `ttlMs`/`cacheScope`: required by the modern era, so filled when unset with the values
/// that promise nothing (stale at once, private); absent in the legacy era.
pub(super) fn cache_hints(
    ttl_ms: &mut Option<u64>,
    scope: &mut Option<CacheScope>,
    version: ProtocolVersion,
) {
    if version.is_modern() {
        ttl_ms.get_or_insert(0);
        scope.get_or_insert(CacheScope::Private);
    } else {
        *ttl_ms = None;
        *scope = None;
    }
}

/// `inputResponses`/`requestState` of a retried request: absent in the legacy era.
pub(super) fn mrtr(
    responses: &mut Option<InputResponses>,
    state: &mut Option<String>,
    version: ProtocolVersion,
) {
    if !version.is_modern() {
        *responses = None;
        *state = None;
    }
}

impl AdaptToVersion for EmptyResult {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        result_type(&mut self.result_type, version);
    }
}

impl AdaptToVersion for CompleteResult {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        result_type(&mut self.result_type, version);
    }
}

impl AdaptToVersion for ResourceRequestParams {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        mrtr(&mut self.input_responses, &mut self.request_state, version);
    }
}

impl AdaptToVersion for GetPromptRequestParams {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        mrtr(&mut self.input_responses, &mut self.request_state, version);
    }
}

/// Declares the cacheable results (lists and `resources/read`), whose items need adapting.
macro_rules! adapt_cacheable {
    ($($ty:ty => $field:ident),*) => {$(
        impl AdaptToVersion for $ty {
            fn adapt_to(&mut self, version: ProtocolVersion) {
                self.$field.adapt_to(version);
                result_type(&mut self.result_type, version);
                cache_hints(&mut self.ttl_ms, &mut self.cache_scope, version);
            }
        }
    )*};
}

adapt_cacheable!(
    ListToolsResult => tools,
    ListPromptsResult => prompts,
    ListResourcesResult => resources,
    ListResourceTemplatesResult => resource_templates,
    ReadResourceResult => contents
);

impl AdaptToVersion for ListRootsResult {
    fn adapt_to(&mut self, version: ProtocolVersion) {
        self.roots.adapt_to(version);
        // An input response of the modern era: `roots` only.
        if version.is_modern() {
            self.meta = None;
        }
    }
}

/// Modern-only payloads: they have no legacy form to adapt to and nothing to fill.
macro_rules! modern_only {
    ($($ty:ty),*) => {$(
        impl AdaptToVersion for $ty {
            fn adapt_to(&mut self, _version: ProtocolVersion) {}
        }
    )*};
}

modern_only!(
    crate::modern::SubscriptionsListenRequestParams,
    crate::modern::SubscriptionsAcknowledgedNotificationParams,
    crate::modern::SubscriptionsListenResult,
    crate::modern::DiscoverResult,
    crate::modern::InputRequiredResult,
    crate::modern::InputResponseRequestParams
);

impl AdaptToVersion for ListTasksResult {
    /// `tasks/list` is legacy-only (the tasks extension has none): never cacheable.
    fn adapt_to(&mut self, _version: ProtocolVersion) {
        self.result_type = None;
        self.ttl_ms = None;
        self.cache_scope = None;
    }
}
