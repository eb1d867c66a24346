//! Doc comments as descriptions.
//!
//! `/// text` becomes `#[doc = " text"]`. The description is the doc text with the common
//! indentation removed and the leading and trailing blank lines dropped, the way rustdoc
//! reads it. A `#[doc = include_str!(...)]` (or any other non-literal) is kept as an
//! expression, so the description becomes a `concat!` evaluated by the compiler.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// One piece of documentation.
enum Piece {
    Text(String),
    Expr(Expr),
}

/// The description the doc attributes of an item give, as an expression of type
/// `&'static str`, or `None` when there is no documentation.
pub(crate) fn description(attrs: &[Attribute]) -> Option<TokenStream> {
    let pieces = pieces(attrs);
    if pieces.is_empty() {
        return None;
    }
    if pieces.iter().all(|p| matches!(p, Piece::Text(_))) {
        let texts: Vec<&str> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Text(text) => Some(text.as_str()),
                Piece::Expr(_) => None,
            })
            .collect();
        let text = unindent(&texts.join("\n"));
        return (!text.is_empty()).then(|| quote!(#text));
    }
    let parts = pieces.iter().map(|piece| match piece {
        Piece::Text(text) => {
            let text = text.strip_prefix(' ').unwrap_or(text);
            quote!(#text)
        }
        Piece::Expr(expr) => quote!(#expr),
    });
    let mut joined = Vec::new();
    for (i, part) in parts.enumerate() {
        if i > 0 {
            joined.push(quote!("\n"));
        }
        joined.push(part);
    }
    Some(quote!(::core::concat!(#(#joined),*)))
}

fn pieces(attrs: &[Attribute]) -> Vec<Piece> {
    attrs
        .iter()
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(nv) if nv.path.is_ident("doc") => Some(match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Piece::Text(s.value()),
                other => Piece::Expr(other.clone()),
            }),
            _ => None,
        })
        .collect()
}

/// Removes the indentation common to all non-blank lines, trailing whitespace, and the
/// blank lines at both ends.
fn unindent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.get(indent..).unwrap_or("").trim_end())
        .collect();
    lines.join("\n").trim_matches('\n').to_owned()
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    fn of(attrs: &[Attribute]) -> Option<String> {
        description(attrs).map(|tokens| tokens.to_string())
    }

    #[test]
    fn line_comments_are_joined_and_unindented() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = " Adds two numbers."]),
            parse_quote!(#[doc = ""]),
            parse_quote!(#[doc = " Both are `f64`.  "]),
        ];
        assert_eq!(
            of(&attrs).as_deref(),
            Some(r#""Adds two numbers.\n\nBoth are `f64`.""#)
        );
    }

    #[test]
    fn block_comments_lose_their_common_indentation() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[doc = "\n    First.\n      Indented.\n"])];
        assert_eq!(of(&attrs).as_deref(), Some(r#""First.\n  Indented.""#));
    }

    #[test]
    fn no_docs_no_description() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[inline]), parse_quote!(#[doc = "   "])];
        assert_eq!(of(&attrs), None);
    }

    #[test]
    fn expressions_become_concat() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = " Intro."]),
            parse_quote!(#[doc = include_str!("x.md")]),
        ];
        let text = of(&attrs).unwrap_or_default();
        assert!(text.starts_with(":: core :: concat !"), "{text}");
        assert!(text.contains("include_str !"), "{text}");
    }
}
