//! One `#[prompt]` method of a `#[prompt_router]` impl, and the `PromptRoute` built from it.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, Ident, ImplItemFn, LitStr, Result};

use crate::attr::{RouterOptions, path_name, set_once};
use crate::method::{self, Signature};
use crate::router::RouteMethod;
use crate::{codegen, docs};

/// The options of one `#[prompt(...)]`.
#[derive(Default)]
struct PromptOptions {
    name: Option<LitStr>,
    title: Option<Expr>,
    description: Option<Expr>,
    icons: Option<Expr>,
    scopes: Option<crate::scopes::Scopes>,
}

impl PromptOptions {
    fn parse_key(&mut self, meta: &ParseNestedMeta<'_>) -> Result<()> {
        let path = &meta.path;
        if path.is_ident("name") {
            let value: LitStr = meta.value()?.parse()?;
            if value.value().is_empty() {
                return Err(syn::Error::new(
                    value.span(),
                    "a prompt name cannot be empty",
                ));
            }
            set_once(&mut self.name, meta, value)
        } else if path.is_ident("title") {
            let value: Expr = meta.value()?.parse()?;
            set_once(&mut self.title, meta, value)
        } else if path.is_ident("description") {
            let value: Expr = meta.value()?.parse()?;
            set_once(&mut self.description, meta, value)
        } else if path.is_ident("icons") {
            let value: Expr = meta.value()?.parse()?;
            set_once(&mut self.icons, meta, value)
        } else if path.is_ident("scopes") {
            let value = crate::scopes::parse(meta)?;
            set_once(&mut self.scopes, meta, value)
        } else {
            let key = path_name(path);
            Err(meta.error(format_args!(
                "unknown prompt option `{key}`; expected one of `name`, `title`, `description`, \
                 `icons`, `scopes`"
            )))
        }
    }
}

/// A prompt method, analysed.
pub(crate) struct PromptMethod {
    name: String,
    name_span: Span,
    method: Ident,
    options: PromptOptions,
    description: Option<TokenStream>,
    signature: Signature,
    output_span: Span,
}

impl RouteMethod for PromptMethod {
    const ATTR: &'static str = "prompt";
    const ROUTER: &'static str = "prompt_router";
    const DEFAULT_FN: &'static str = "prompt_routes";
    const ROUTE: &'static str = "PromptRoute";
    const BUILDER: &'static str = "prompt";

    fn new(attr: &Attribute, method: &mut ImplItemFn) -> Result<Self> {
        let mut options = PromptOptions::default();
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            attr.parse_nested_meta(|meta| options.parse_key(&meta))?;
        }
        let (name, name_span) = method::item_name(options.name.as_ref(), method);
        let signature = method::analyse(method, "prompt")?;
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
            codegen::arguments(&self.signature, &self.name, router, false);
        let codegen::Receiver { capture, per_call } = codegen::receiver(&self.signature, &private);
        let check = quote!(#private::prompt_output);
        let call = codegen::call(&self.signature, &self.method, &check, self.output_span);
        let name = &self.name;
        let options = &self.options;
        let description = options
            .description
            .as_ref()
            .map(|d| quote!(#d))
            .or_else(|| self.description.clone())
            .map(|d| quote!(.with_description(#d)));
        let title = options.title.as_ref().map(|t| quote!(.with_title(#t)));
        let icons = options.icons.as_ref().map(|i| quote!(.with_icons(#i)));
        let scopes = options
            .scopes
            .as_ref()
            .map(crate::scopes::Scopes::to_tokens);
        quote!({
            #arguments_def
            #capture
            #private::PromptRoute::typed(
                #name,
                move |__oxmcp_args: #arguments_ty,
                      __oxmcp_cx: #private::RequestContext<#private::Server>| {
                    #per_call
                    async move { #private::PromptOutput::into_prompt_result(#call) }
                },
            )
            #description #title #icons #scopes
        })
    }
}
