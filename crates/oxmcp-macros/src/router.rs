//! `#[tool_router]` and `#[prompt_router]`: collect the marked methods of an inherent impl
//! and generate the method that turns them into routes.

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, ImplItem, ImplItemFn, ItemImpl, Result};

use crate::attr::RouterOptions;

/// A kind of method a router collects: tools or prompts.
pub(crate) trait RouteMethod: Sized {
    /// The marker attribute, `tool` or `prompt`.
    const ATTR: &'static str;
    /// The router attribute, `tool_router` or `prompt_router`.
    const ROUTER: &'static str;
    /// The default name of the generated method.
    const DEFAULT_FN: &'static str;
    /// The route type under `__private`.
    const ROUTE: &'static str;
    /// The builder method that takes the routes, for the generated docs.
    const BUILDER: &'static str;

    /// Analyses `method`, whose marker attribute `attr` was taken off it.
    fn new(attr: &Attribute, method: &mut ImplItemFn) -> Result<Self>;
    /// The name and where to point errors about it.
    fn name(&self) -> (&str, Span);
    /// The expression building the route, where `self` is `&Arc<Self>`.
    fn route(&self, router: &RouterOptions) -> TokenStream;
}

/// Is this the `#[name]` attribute (also written with a path, `#[oxmcp::name]`)?
pub(crate) fn is_attr(attr: &Attribute, name: &str) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == name)
}

/// Expands `#[<router>(args)] impl ... { ... }`.
pub(crate) fn expand<M: RouteMethod>(args: TokenStream, input: TokenStream) -> Result<TokenStream> {
    let options = RouterOptions::parse(args, M::DEFAULT_FN)?;
    let mut item: ItemImpl = syn::parse2(input)?;
    if let Some((_, path, _)) = &item.trait_ {
        return Err(syn::Error::new(
            path.span(),
            format_args!(
                "`#[{}]` goes on an inherent impl (`impl MyServer {{ ... }}`), not on a trait impl",
                M::ROUTER
            ),
        ));
    }
    let methods = collect::<M>(&mut item)?;
    if methods.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            format_args!(
                "`#[{}]` found no `#[{}]` method in this impl",
                M::ROUTER,
                M::ATTR
            ),
        ));
    }
    let generated = generate(&item, &options, &methods);
    Ok(quote!(#item #generated))
}

/// Takes the marker attributes off the methods and analyses those methods. Every error is
/// reported, not only the first.
fn collect<M: RouteMethod>(item: &mut ItemImpl) -> Result<Vec<M>> {
    let mut methods = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    let mut seen: HashMap<String, Span> = HashMap::new();
    for impl_item in &mut item.items {
        let ImplItem::Fn(method) = impl_item else {
            if let Some(span) = misplaced_attr(impl_item, M::ATTR) {
                let message = format!("`#[{}]` goes on a method", M::ATTR);
                push(syn::Error::new(span, message));
            }
            continue;
        };
        let Some(index) = method.attrs.iter().position(|a| is_attr(a, M::ATTR)) else {
            continue;
        };
        let attr = method.attrs.remove(index);
        if let Some(extra) = method.attrs.iter().find(|a| is_attr(a, M::ATTR)) {
            let message = format!("a method has at most one `#[{}]` attribute", M::ATTR);
            push(syn::Error::new(extra.path().span(), message));
            continue;
        }
        match M::new(&attr, method) {
            Ok(found) => {
                let (name, span) = found.name();
                if let Some(first) = seen.get(name) {
                    let mut error = syn::Error::new(
                        span,
                        format_args!(
                            "a {} named {name:?} is already defined in this impl",
                            M::ATTR
                        ),
                    );
                    error.combine(syn::Error::new(*first, "the first definition is here"));
                    push(error);
                } else {
                    seen.insert(name.to_owned(), span);
                    methods.push(found);
                }
            }
            Err(error) => push(error),
        }
    }
    match errors {
        Some(errors) => Err(errors),
        None => Ok(methods),
    }
}

fn misplaced_attr(item: &ImplItem, name: &str) -> Option<Span> {
    let attrs = match item {
        ImplItem::Const(c) => &c.attrs,
        ImplItem::Type(t) => &t.attrs,
        ImplItem::Macro(m) => &m.attrs,
        _ => return None,
    };
    attrs
        .iter()
        .find(|a| is_attr(a, name))
        .map(|a| a.path().span())
}

/// The second impl block, with the method that returns the routes.
fn generate<M: RouteMethod>(
    item: &ItemImpl,
    options: &RouterOptions,
    methods: &[M],
) -> TokenStream {
    let private = options.private();
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let vis = &options.vis;
    let fn_name = &options.fn_name;
    let route_ty = format_ident!("{}", M::ROUTE);
    let routes = methods.iter().map(|m| m.route(options));
    let names = methods
        .iter()
        .map(|m| format!("`{}`", m.name().0))
        .collect::<Vec<_>>()
        .join(", ");
    let doc = format!(
        " The MCP {attr}s of this type ({names}): one route per `#[{attr}]` method, for `McpServerBuilder::{builder}`.",
        attr = M::ATTR,
        builder = M::BUILDER,
    );
    let bounds = quote_spanned!(self_ty.span()=>
        Self: ::core::marker::Send + ::core::marker::Sync + 'static
    );
    quote! {
        impl #impl_generics #self_ty #where_clause {
            #[doc = #doc]
            #[must_use]
            #vis fn #fn_name(self: &#private::Arc<Self>) -> #private::Vec<#private::#route_ty>
            where
                #bounds
            {
                #private::vec![#(#routes),*]
            }
        }
    }
}
