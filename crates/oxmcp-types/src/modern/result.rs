//! `resultType` and the cache hints of 2026-07-28 results.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How to read a result object (`ResultType`): its `resultType` member.
///
/// A result from a legacy-era server has no `resultType`; a client reads that as
/// [`ResultType::Complete`] (see [`ResultType::of`]).
///
/// ```
/// use oxmcp_types::modern::ResultType;
/// let t: ResultType = serde_json::from_str(r#""input_required""#).unwrap();
/// assert_eq!(t, ResultType::InputRequired);
/// let other: ResultType = serde_json::from_str(r#""streaming""#).unwrap();
/// assert_eq!(other.as_str(), "streaming");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ResultType {
    /// `"complete"`: the request's own result.
    #[default]
    Complete,
    /// `"input_required"`: an [`InputRequiredResult`](super::InputRequiredResult); retry the
    /// request with the answers.
    InputRequired,
    /// `"task"`: a task handle of the tasks extension
    /// ([`ext_tasks::CreateTaskResult`](crate::ext_tasks::CreateTaskResult)).
    Task,
    /// Any other value, kept as it came (newer revisions or extensions).
    Other(String),
}

impl ResultType {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Complete => "complete",
            Self::InputRequired => "input_required",
            Self::Task => "task",
            Self::Other(s) => s,
        }
    }

    /// The type of a result object: its `resultType`, `Complete` when absent (a legacy-era
    /// peer), `None` when present but not a string.
    ///
    /// ```
    /// use oxmcp_types::modern::ResultType;
    /// let legacy = serde_json::json!({"tools": []});
    /// assert_eq!(ResultType::of(legacy.as_object().unwrap()), Some(ResultType::Complete));
    /// ```
    pub fn of(result: &crate::JsonObject) -> Option<Self> {
        match result.get("resultType") {
            None => Some(Self::Complete),
            Some(serde_json::Value::String(s)) => Some(Self::from(s.as_str())),
            Some(_) => None,
        }
    }
}

impl From<&str> for ResultType {
    fn from(s: &str) -> Self {
        match s {
            "complete" => Self::Complete,
            "input_required" => Self::InputRequired,
            "task" => Self::Task,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ResultType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ResultType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ResultType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Self::from(s.as_ref()))
    }
}

/// Who may cache a result (`cacheScope` of `CacheableResult`), like HTTP
/// `Cache-Control: public` / `private`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CacheScope {
    /// Any cache, shared ones included, may keep and serve the result across authorization
    /// contexts: it holds nothing user-specific.
    Public,
    /// Only caches of the same authorization context may keep it (the safe default).
    #[default]
    Private,
}

/// The cache hints a server puts on list and `resources/read` results (`CacheableResult`):
/// how long the result stays fresh and who may cache it.
///
/// ```
/// use oxmcp_types::modern::result::CacheHints;
/// use oxmcp_types::modern::CacheScope;
/// let h = CacheHints::new(60_000, CacheScope::Public);
/// assert_eq!((h.ttl_ms, h.cache_scope), (60_000, CacheScope::Public));
/// assert_eq!(CacheHints::default().ttl_ms, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct CacheHints {
    /// Milliseconds the result stays fresh; `0`: stale at once.
    pub ttl_ms: u64,
    /// Who may cache it.
    pub cache_scope: CacheScope,
}

impl CacheHints {
    /// Hints with a lifetime and a scope.
    pub const fn new(ttl_ms: u64, cache_scope: CacheScope) -> Self {
        Self {
            ttl_ms,
            cache_scope,
        }
    }
}
