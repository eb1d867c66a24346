//! The scopes of tools: who may call them and see them.

use oxmcp_types::{ErrorCode, ErrorData};

use crate::Principal;

/// Whether `principal` holds every one of `scopes`. A call without a principal (no
/// authentication) is not checked.
pub(crate) fn allowed(scopes: &[String], principal: Option<&Principal>) -> bool {
    principal.is_none_or(|p| scopes.iter().all(|s| p.has_scope(s)))
}

/// The error of a call to the tool `name` without its `scopes`: the same as for an unknown
/// tool when the tools a caller may not use are `hidden`, else an invalid request naming
/// the scopes.
pub(crate) fn refusal(name: &str, scopes: &[String], hidden: bool) -> ErrorData {
    if hidden {
        return ErrorData::invalid_params(format!("unknown tool: {name}"));
    }
    ErrorData::new(
        ErrorCode::INVALID_REQUEST,
        format!(
            "insufficient scope: tool `{name}` needs the scopes `{}`",
            scopes.join(" ")
        ),
    )
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
            refusal("t", &scopes, true).message,
            ErrorData::invalid_params("unknown tool: t").message
        );
        assert!(refusal("t", &scopes, false).message.contains("`a b`"));
    }
}
