//! `#[tool_router]`: collects the `#[tool]` methods of an inherent impl and generates the
//! method that turns them into `ToolRoute`s.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{ImplItem, ItemImpl, Result};

use crate::attr::RouterOptions;
use crate::tool::{ToolMethod, is_tool_attr};

/// Expands `#[tool_router(args)] impl ... { ... }`.
pub(crate) fn expand(args: TokenStream, input: TokenStream) -> Result<TokenStream> {
    let options = RouterOptions::parse(args, "tool_routes")?;
    let mut item: ItemImpl = syn::parse2(input)?;
    if let Some((_, path, _)) = &item.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "`#[tool_router]` goes on an inherent impl (`impl MyServer { ... }`), not on a trait impl",
        ));
    }
    let tools = collect(&mut item)?;
    if tools.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "`#[tool_router]` found no `#[tool]` method in this impl",
        ));
    }
    let generated = generate(&item, &options, &tools);
    Ok(quote!(#item #generated))
}

/// Takes the `#[tool]` attributes off the methods and analyses those methods. Every error is
/// reported, not only the first.
fn collect(item: &mut ItemImpl) -> Result<Vec<ToolMethod>> {
    let mut tools = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    let mut seen: HashMap<String, Span> = HashMap::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            if let Some(attr) = misplaced_tool_attr(impl_item) {
                push(syn::Error::new(
                    attr,
                    "`#[tool]` goes on an `async fn` method",
                ));
            }
            continue;
        };
        let Some(index) = method.attrs.iter().position(is_tool_attr) else {
            continue;
        };
        let attr = method.attrs.remove(index);
        if let Some(extra) = method.attrs.iter().find(|a| is_tool_attr(a)) {
            push(syn::Error::new(
                extra.path().span(),
                "a method has at most one `#[tool]` attribute",
            ));
            continue;
        }
        match ToolMethod::new(&attr, method) {
            Ok(tool) => {
                if let Some(first) = seen.get(&tool.name) {
                    let mut error = syn::Error::new(
                        tool.name_span,
                        format_args!(
                            "a tool named {:?} is already defined in this impl",
                            tool.name
                        ),
                    );
                    error.combine(syn::Error::new(*first, "the first definition is here"));
                    push(error);
                } else {
                    seen.insert(tool.name.clone(), tool.name_span);
                    tools.push(tool);
                }
            }
            Err(error) => push(error),
        }
    }
    match errors {
        Some(errors) => Err(errors),
        None => Ok(tools),
    }
}

fn misplaced_tool_attr(item: &ImplItem) -> Option<Span> {
    let attrs = match item {
        ImplItem::Const(c) => &c.attrs,
        ImplItem::Type(t) => &t.attrs,
        ImplItem::Macro(m) => &m.attrs,
        _ => return None,
    };
    attrs
        .iter()
        .find(|a| is_tool_attr(a))
        .map(|a| a.path().span())
}

/// The second impl block, with the method that returns the routes.
fn generate(item: &ItemImpl, options: &RouterOptions, tools: &[ToolMethod]) -> TokenStream {
    let private = options.private();
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let vis = &options.vis;
    let fn_name = &options.fn_name;
    let routes = tools.iter().map(|tool| tool.route(options));
    let names = tools
        .iter()
        .map(|t| format!("`{}`", t.name))
        .collect::<Vec<_>>()
        .join(", ");
    let doc = format!(
        " The MCP tools of this type ({names}), one route per `#[tool]` method, for `McpServerBuilder::tools`."
    );
    let bound_span = self_ty.span();
    let bounds = quote::quote_spanned!(bound_span=> Self: ::core::marker::Send + ::core::marker::Sync + 'static);
    quote! {
        impl #impl_generics #self_ty #where_clause {
            #[doc = #doc]
            #[must_use]
            #vis fn #fn_name(self: &#private::Arc<Self>) -> #private::Vec<#private::ToolRoute>
            where
                #bounds
            {
                #private::vec![#(#routes),*]
            }
        }
    }
}
