//! `scopes = ["files:read", ...]` of `#[tool(...)]`, `#[prompt(...)]` and `#[resource(...)]`:
//! the OAuth scopes a caller needs (`with_scopes` of the route). Kept apart so that the
//! option parsers only dispatch here.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprArray, Lit, LitStr, Result};

/// The scopes of one tool, prompt or resource template, checked at compile time.
pub(crate) struct Scopes(Vec<LitStr>);

/// An RFC 6749 §3.3 `scope-token`: one or more of `%x21 / %x23-5B / %x5D-7E`.
fn is_scope_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// Parses the value of `scopes = [...]`: a non-empty array of string literals, each a
/// valid scope token.
pub(crate) fn parse(meta: &ParseNestedMeta<'_>) -> Result<Scopes> {
    let array: ExprArray = meta.value()?.parse()?;
    if array.elems.is_empty() {
        return Err(syn::Error::new_spanned(
            &array,
            "`scopes` needs at least one scope",
        ));
    }
    let mut scopes = Vec::with_capacity(array.elems.len());
    for elem in &array.elems {
        let Expr::Lit(syn::ExprLit {
            lit: Lit::Str(scope),
            ..
        }) = elem
        else {
            return Err(syn::Error::new_spanned(elem, "a scope is a string literal"));
        };
        if !is_scope_token(&scope.value()) {
            return Err(syn::Error::new(
                scope.span(),
                format_args!(
                    "{:?} is not an OAuth scope (printable ASCII without space, `\"` or `\\`)",
                    scope.value()
                ),
            ));
        }
        scopes.push(scope.clone());
    }
    Ok(Scopes(scopes))
}

impl Scopes {
    /// The `.with_scopes([...])` call.
    pub(crate) fn to_tokens(&self) -> TokenStream {
        let scopes = &self.0;
        quote!(.with_scopes([#(#scopes),*]))
    }
}

#[cfg(test)]
mod tests {
    use super::is_scope_token;

    #[test]
    fn scope_tokens() {
        for ok in ["files:read", "a", "https://x/y.read", "!#[]~"] {
            assert!(is_scope_token(ok), "{ok}");
        }
        for bad in ["", "a b", "a\"b", "a\\b", "é"] {
            assert!(!is_scope_token(bad), "{bad}");
        }
    }
}
