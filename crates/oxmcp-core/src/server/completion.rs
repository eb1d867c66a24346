//! Completers: suggestions for prompt arguments and resource template variables
//! (`completion/complete`).

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use oxmcp_types::ErrorData;

use crate::context::RequestContext;
use crate::handler::BoxFuture;
use crate::role::Server;

/// What a completer is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CompletionRequest {
    /// The argument (or template variable) being completed.
    pub argument: String,
    /// What the user typed so far.
    pub value: String,
    /// Values of the other arguments, already resolved (`context.arguments`).
    pub context: BTreeMap<String, String>,
}

/// The future a completer returns: suggestions, best first. The router sends at most 100
/// and sets `total` and `hasMore` when there are more.
pub type CompletionFuture = BoxFuture<'static, Result<Vec<String>, ErrorData>>;

type DynCompleter =
    dyn Fn(CompletionRequest, RequestContext<Server>) -> CompletionFuture + Send + Sync;

/// Suggests values for one argument.
///
/// ```
/// use oxmcp_core::server::completion::Completer;
///
/// let languages = Completer::from_values(["python", "pascal", "rust"]);
/// let custom = Completer::new(|request, _cx| async move {
///     Ok(vec![format!("{}-suffix", request.value)])
/// });
/// # let _ = (languages, custom);
/// ```
#[derive(Clone)]
pub struct Completer(Arc<DynCompleter>);

impl fmt::Debug for Completer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Completer")
    }
}

impl Completer {
    /// A completer from an async function.
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(CompletionRequest, RequestContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<String>, ErrorData>> + Send + 'static,
    {
        Self(Arc::new(move |request, cx| -> CompletionFuture {
            Box::pin(f(request, cx))
        }))
    }

    /// A completer over a fixed list: the values that start with what was typed (ignoring
    /// ASCII case), in list order.
    pub fn from_values<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values: Arc<[String]> = values.into_iter().map(Into::into).collect();
        Self::new(move |request: CompletionRequest, _cx| {
            let values = values.clone();
            async move { Ok(filter_prefix(&values, &request.value)) }
        })
    }

    pub(crate) fn complete(
        &self,
        request: CompletionRequest,
        cx: RequestContext<Server>,
    ) -> CompletionFuture {
        (self.0)(request, cx)
    }
}

/// The values that start with `typed`, ignoring ASCII case.
fn filter_prefix(values: &[String], typed: &str) -> Vec<String> {
    values
        .iter()
        .filter(|v| {
            v.get(..typed.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(typed))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::filter_prefix;

    #[test]
    fn prefix_filter_ignores_case() {
        let values = ["Rust".to_owned(), "ruby".to_owned(), "go".to_owned()];
        assert_eq!(filter_prefix(&values, "ru"), ["Rust", "ruby"]);
        assert_eq!(filter_prefix(&values, ""), ["Rust", "ruby", "go"]);
        assert!(filter_prefix(&values, "rustacean").is_empty());
    }
}
