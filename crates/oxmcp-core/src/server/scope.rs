//! The scopes of tools, prompts, resources and resource templates: who may use them and
//! see them.

use oxmcp_types::{ErrorCode, ErrorData};

use crate::Principal;
use crate::server::resources::resource_not_found;

/// What a scoped operation acts on, for [`McpServer::scopes_of`](crate::server::McpServer::scopes_of).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScopedOperation<'a> {
    /// `tools/call` of the tool with this name.
    CallTool(&'a str),
    /// `prompts/get` of the prompt with this name (or a completion of its arguments).
    GetPrompt(&'a str),
    /// `resources/read` or `resources/subscribe` of this URI: the static resource with this
    /// URI, else the first resource template it matches.
    ReadResource(&'a str),
    /// A completion of the variables of the resource template with this URI template
    /// (`completion/complete` with `ref/resource`).
    CompleteTemplate(&'a str),
}

/// The kinds of things a scope guards, as errors name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guarded {
    Tool,
    Prompt,
    Resource,
    Template,
}

/// Whether `principal` holds every one of `scopes`. A call without a principal (no
/// authentication) is not checked.
pub(crate) fn allowed(scopes: &[String], principal: Option<&Principal>) -> bool {
    principal.is_none_or(|p| scopes.iter().all(|s| p.has_scope(s)))
}

/// Refuses the use of `name` (a name, a URI or a URI template) of this kind unless
/// `principal` holds its `scopes`; see [`refusal`].
pub(crate) fn check(
    kind: Guarded,
    name: &str,
    scopes: &[String],
    principal: Option<&Principal>,
    hidden: bool,
) -> Result<(), ErrorData> {
    if allowed(scopes, principal) {
        Ok(())
    } else {
        Err(refusal(kind, name, scopes, hidden))
    }
}

/// The error of a use of `name` without its `scopes`: the same as for an unknown tool,
/// prompt, resource or template when what a caller may not use is `hidden`, else an
/// invalid request naming the scopes.
pub(crate) fn refusal(kind: Guarded, name: &str, scopes: &[String], hidden: bool) -> ErrorData {
    let what = match kind {
        Guarded::Tool => "tool",
        Guarded::Prompt => "prompt",
        Guarded::Resource => "resource",
        Guarded::Template => "resource template",
    };
    if hidden {
        return match kind {
            Guarded::Resource => resource_not_found(name),
            _ => ErrorData::invalid_params(format!("unknown {what}: {name}")),
        };
    }
    ErrorData::new(
        ErrorCode::INVALID_REQUEST,
        format!(
            "insufficient scope: {what} `{name}` needs the scopes `{}`",
            scopes.join(" ")
        ),
    )
    .with_data(serde_json::json!({ "scopes": scopes }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_is_needed_and_anonymous_calls_are_not_checked() {
        let scopes = vec!["a".to_owned(), "b".to_owned()];
        assert!(allowed(&scopes, None));
        assert!(allowed(
            &scopes,
            Some(&Principal::new("x").with_scopes(["b", "a", "c"]))
        ));
        assert!(!allowed(
            &scopes,
            Some(&Principal::new("x").with_scopes(["a"]))
        ));
        assert!(allowed(&[], Some(&Principal::new("x"))));
        assert_eq!(
            refusal(Guarded::Tool, "t", &scopes, true).message,
            ErrorData::invalid_params("unknown tool: t").message
        );
        let named = refusal(Guarded::Tool, "t", &scopes, false);
        assert!(named.message.contains("`a b`"), "{}", named.message);
        assert_eq!(named.data.unwrap()["scopes"], serde_json::json!(["a", "b"]));
    }

    #[test]
    fn hidden_things_look_unknown() {
        let scopes = vec!["a".to_owned()];
        let hidden = refusal(Guarded::Resource, "x://1", &scopes, true);
        assert_eq!(hidden.code, resource_not_found("x://1").code);
        assert_eq!(
            refusal(Guarded::Prompt, "p", &scopes, true).message,
            "unknown prompt: p"
        );
        let shown = refusal(Guarded::Template, "x://{id}", &scopes, false);
        assert!(shown.message.contains("resource template `x://{id}`"));
        let who = Principal::new("x");
        assert!(check(Guarded::Tool, "t", &scopes, Some(&who), false).is_err());
        assert!(check(Guarded::Tool, "t", &scopes, None, false).is_ok());
    }
}
