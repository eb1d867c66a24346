//! Cursor-based pagination of the `*/list` methods.

use serde::{Deserialize, Serialize};

use crate::meta::{JsonObject, Meta};

/// An opaque pagination position (`Cursor`). Clients must not parse, modify or keep it
/// across sessions.
pub type Cursor = String;

/// Params of a paginated request (`PaginatedRequestParams`): `tools/list`, `prompts/list`,
/// `resources/list`, `resources/templates/list` and `tasks/list`.
///
/// ```
/// use oxmcp_types::pagination::PaginatedRequestParams;
/// let p = PaginatedRequestParams::default().with_cursor("c2");
/// assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"cursor":"c2"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaginatedRequestParams {
    /// Where to continue; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl PaginatedRequestParams {
    /// Sets the cursor.
    #[must_use]
    pub fn with_cursor(mut self, cursor: impl Into<Cursor>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }
}

/// The members every paginated result has (`PaginatedResult`). The concrete results
/// ([`ListToolsResult`](crate::tools::ListToolsResult), ...) repeat them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaginatedResult {
    /// Cursor of the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Cursor>,
    /// How to read the result (2026-07-28; `None` in the legacy era, where it is absent).
    #[serde(
        rename = "resultType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub result_type: Option<crate::modern::ResultType>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Declares a paginated list result with one required array member.
macro_rules! list_result {
    ($(#[$m:meta])* $name:ident { $(#[$fm:meta])* $field:ident : $item:ty => $wire:literal }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $(#[$fm])*
            #[serde(rename = $wire)]
            pub $field: Vec<$item>,
            /// Cursor of the next page; absent on the last page.
            #[serde(rename = "nextCursor", default, skip_serializing_if = "Option::is_none")]
            pub next_cursor: Option<$crate::pagination::Cursor>,
            /// How to read the result (2026-07-28; `None` in the legacy era).
            #[serde(rename = "resultType", default, skip_serializing_if = "Option::is_none")]
            pub result_type: Option<$crate::modern::ResultType>,
            /// Milliseconds the result stays fresh (2026-07-28 `CacheableResult`; `None` in
            /// the legacy era).
            #[serde(
                rename = "ttlMs",
                default,
                skip_serializing_if = "Option::is_none",
                deserialize_with = "crate::wire::lenient_opt_u64::deserialize"
            )]
            pub ttl_ms: Option<u64>,
            /// Who may cache the result (2026-07-28 `CacheableResult`; `None` in the legacy
            /// era).
            #[serde(rename = "cacheScope", default, skip_serializing_if = "Option::is_none")]
            pub cache_scope: Option<$crate::modern::CacheScope>,
            /// Metadata.
            #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
            pub meta: Option<$crate::meta::Meta>,
            /// Members this revision does not define, kept as they came.
            #[serde(flatten)]
            pub extra: $crate::meta::JsonObject,
        }

        impl $name {
            /// A page of items.
            pub fn new($field: Vec<$item>) -> Self {
                Self {
                    $field,
                    ..Self::default()
                }
            }

            /// Sets the cache hints (2026-07-28).
            #[must_use]
            pub fn with_cache(mut self, hints: $crate::modern::result::CacheHints) -> Self {
                self.ttl_ms = Some(hints.ttl_ms);
                self.cache_scope = Some(hints.cache_scope);
                self
            }

            /// Sets the cursor of the next page.
            #[must_use]
            pub fn with_next_cursor(mut self, cursor: impl Into<$crate::pagination::Cursor>) -> Self {
                self.next_cursor = Some(cursor.into());
                self
            }
        }
    };
}
pub(crate) use list_result;
