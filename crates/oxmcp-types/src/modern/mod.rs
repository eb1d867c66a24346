//! The modern era (2026-07-28): what it adds to the wire model, and how one Rust type serves
//! both eras.
//!
//! # The rule
//!
//! - **Shapes that agree share one type.** A definition both eras have (`Tool`,
//!   `CallToolResult`, `ListToolsResult`, the content blocks, the capabilities, ...) is one
//!   Rust type. Members only the modern era defines are `Option` fields that are skipped
//!   when `None`, so a value built for the legacy era serializes byte for byte as before:
//!   `resultType` on results ([`ResultType`]), `ttlMs`/`cacheScope` on list and read
//!   results ([`CacheScope`]), `inputResponses`/`requestState` on the params of `tools/call`,
//!   `prompts/get` and `resources/read` (multi round-trip requests).
//! - **Adaptation moves a value between eras.** [`AdaptToVersion`](crate::AdaptToVersion)
//!   to a modern revision removes what the modern era dropped (`Tool.execution`, the `task`
//!   member of params, the `tasks` capabilities, `roots.listChanged`, `elicitationId` of URL
//!   elicitation, `_meta` of input-request params and of `ElicitResult`/`ListRootsResult`)
//!   and sets `resultType` to `"complete"` where it is unset. Adaptation to a legacy revision
//!   removes every modern-only member. The cache hints `ttlMs`/`cacheScope` are required by
//!   2026-07-28 but are a server's policy, so adaptation fills them only when unset, with
//!   the most conservative values (`0`, `"private"`); a server sets its own per route.
//! - **Shapes that do not agree get their own types**, in this module and in
//!   [`ext_tasks`](crate::ext_tasks): `server/discover` ([`DiscoverResult`]), multi
//!   round-trip requests ([`InputRequest`], [`InputResponse`], [`InputRequiredResult`]),
//!   `subscriptions/listen` ([`SubscriptionFilter`] and friends), the per-request `_meta`
//!   ([`RequestMeta`]), the errors -32020/-32021/-32022 ([`errors`]), the HTTP headers that
//!   mirror body fields and their encoding ([`headers`]), and the tasks
//!   extension, whose `Task` has `ttlMs`/`pollIntervalMs` where the 2025-11-25 task has
//!   `ttl`/`pollInterval`.
//! - **Legacy-only definitions stay legacy-only**: `initialize`, `ping`,
//!   `logging/setLevel`, `resources/subscribe`, the 2025-11-25 task methods and
//!   `notifications/elicitation/complete` have no modern form; the engine must not send
//!   them to a modern peer (adaptation cannot turn a message into another).
//!
//! Requests themselves are told apart by [`crate::era::classify_request`].

pub mod discover;
pub mod errors;
pub mod headers;
pub mod meta;
pub mod mrtr;
pub mod result;
pub mod subscriptions;

pub use discover::DiscoverResult;
pub use errors::{MissingRequiredClientCapabilityData, UnsupportedProtocolVersionData};
pub use meta::{RequestMeta, RequestMetaError};
pub use mrtr::{
    InputRequest, InputRequests, InputRequiredResult, InputResponse, InputResponseRequestParams,
    InputResponses,
};
pub use result::{CacheScope, ResultType};
pub use subscriptions::{
    SubscriptionFilter, SubscriptionsAcknowledgedNotificationParams,
    SubscriptionsListenRequestParams, SubscriptionsListenResult,
};
