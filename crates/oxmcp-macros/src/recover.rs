//! What a router macro emits when the impl is wrong: the errors, and beside them the impl as
//! written (without the attributes only the macro understands) and an empty routes method,
//! so that the precise error is not followed by a cascade (`no method named
//! 'tool_routes'`, unused imports, `#[tool]` outside a router).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{FnArg, ImplItem, ItemImpl};

use crate::attr::RouterOptions;
use crate::method::is_param_attr;
use crate::router::{RouteMethod, expand, is_attr};

/// Expands the router, or reports its errors beside the recovered impl.
pub(crate) fn expand_or_recover<M: RouteMethod>(
    args: TokenStream,
    input: TokenStream,
) -> TokenStream {
    match expand::<M>(args.clone(), input.clone()) {
        Ok(tokens) => tokens,
        Err(error) => {
            let error = error.into_compile_error();
            let recovered = recover::<M>(args, input.clone()).unwrap_or(input);
            quote!(#error #recovered)
        }
    }
}

/// The impl without the marker attributes and the parameter attributes the macro consumes,
/// and (for an inherent impl) the routes method returning no route. `None` if the input is
/// not an impl: it is then emitted as it is.
fn recover<M: RouteMethod>(args: TokenStream, input: TokenStream) -> Option<TokenStream> {
    let mut item: ItemImpl = syn::parse2(input).ok()?;
    for impl_item in &mut item.items {
        let method = match impl_item {
            ImplItem::Fn(method) => method,
            ImplItem::Const(c) => {
                c.attrs.retain(|a| !is_attr(a, M::ATTR));
                continue;
            }
            ImplItem::Type(t) => {
                t.attrs.retain(|a| !is_attr(a, M::ATTR));
                continue;
            }
            ImplItem::Macro(m) => {
                m.attrs.retain(|a| !is_attr(a, M::ATTR));
                continue;
            }
            _ => continue,
        };
        let before = method.attrs.len();
        method.attrs.retain(|a| !is_attr(a, M::ATTR));
        if method.attrs.len() == before {
            continue;
        }
        for input in &mut method.sig.inputs {
            if let FnArg::Typed(typed) = input {
                typed.attrs.retain(|a| !is_param_attr(a));
            }
        }
    }
    if item.trait_.is_some() {
        return Some(quote!(#item));
    }
    let options = RouterOptions::parse(args, M::DEFAULT_FN)
        .or_else(|_| RouterOptions::parse(TokenStream::new(), M::DEFAULT_FN))
        .ok()?;
    let private = options.private();
    let (vis, fn_name) = (&options.vis, &options.fn_name);
    let route_ty = format_ident!("{}", M::ROUTE);
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    Some(quote! {
        #item
        impl #impl_generics #self_ty #where_clause {
            #[doc(hidden)]
            #vis fn #fn_name(self: &#private::Arc<Self>) -> #private::Vec<#private::#route_ty> {
                #private::Vec::new()
            }
        }
    })
}
