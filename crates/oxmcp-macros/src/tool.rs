//! One `#[tool]` method: its options, its name, and the `ToolRoute` expression built from it.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::{Attribute, Ident, ImplItemFn, Result};

use crate::attr::{RouterOptions, ToolOptions};
use crate::method::{self, Signature};
use crate::name::check_tool_name;
use crate::router::RouteMethod;
use crate::{codegen, docs};

/// A tool method, analysed.
pub(crate) struct ToolMethod {
    name: String,
    name_span: Span,
    method: Ident,
    options: ToolOptions,
    description: Option<TokenStream>,
    signature: Signature,
    output_span: Span,
}

impl RouteMethod for ToolMethod {
    const ATTR: &'static str = "tool";
    const ROUTER: &'static str = "tool_router";
    const DEFAULT_FN: &'static str = "tool_routes";
    const ROUTE: &'static str = "ToolRoute";
    const BUILDER: &'static str = "tools";

    fn new(attr: &Attribute, method: &mut ImplItemFn) -> Result<Self> {
        let mut options = ToolOptions::default();
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            attr.parse_nested_meta(|meta| options.parse_key(&meta))?;
        }
        let (name, name_span) = method::item_name(options.name.as_ref(), method);
        if let Err(reason) = check_tool_name(&name) {
            return Err(syn::Error::new(
                name_span,
                format_args!(
                    "invalid tool name {name:?}: {reason} (MCP tool names are 1 to 128 characters from A-Z a-z 0-9 _ - .)"
                ),
            ));
        }
        let signature = method::analyse(method, "tool")?;
        let output_span = method::output_span(method);
        Ok(Self {
            name,
            name_span,
            method: method.sig.ident.clone(),
            description: docs::description(&method.attrs),
            options,
            signature,
            output_span,
        })
    }

    fn name(&self) -> (&str, Span) {
        (&self.name, self.name_span)
    }

    fn route(&self, router: &RouterOptions) -> TokenStream {
        let private = router.private();
        let (arguments_def, arguments_ty) =
            codegen::arguments(&self.signature, &self.name, router, true);
        let codegen::Receiver { capture, per_call } = codegen::receiver(&self.signature, &private);
        let check = quote!(#private::tool_output);
        let call = codegen::call(&self.signature, &self.method, &check, self.output_span);
        let name = &self.name;
        let settings = self.settings(&private);
        quote!({
            #arguments_def
            #capture
            #private::ToolRoute::new(
                #name,
                move |__oxmcp_args: #arguments_ty,
                      __oxmcp_cx: #private::RequestContext<#private::Server>| {
                    #per_call
                    async move { #call }
                },
            )
            #settings
        })
    }
}

impl ToolMethod {
    /// The `.with_*` calls for the description, title and the other options.
    fn settings(&self, private: &TokenStream) -> TokenStream {
        let options = &self.options;
        let description = options
            .description
            .as_ref()
            .map(|d| quote!(#d))
            .or_else(|| self.description.clone())
            .map(|d| quote!(.with_description(#d)));
        let title = options.title.as_ref().map(|t| quote!(.with_title(#t)));
        let annotations = options.annotations.as_ref().map(|a| {
            let a = a.to_tokens(private);
            quote!(.with_annotations(#a))
        });
        let icons = options.icons.as_ref().map(|i| quote!(.with_icons(#i)));
        let meta = options.meta.as_ref().map(|m| quote!(.with_meta(#m)));
        let task_support = options
            .task_support
            .as_ref()
            .map(|(variant, span)| quote_spanned!(*span=> .with_task_support(#private::TaskSupport::#variant)));
        let scopes = options
            .scopes
            .as_ref()
            .map(crate::scopes::Scopes::to_tokens);
        quote!(#description #title #annotations #icons #meta #task_support #scopes)
    }
}
