//! One `#[resource]` method of a `#[resource_router]` impl: a resource template whose
//! variables are the method's (typed) parameters, and the `ResourceTemplateRoute` built
//! from it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, ImplItemFn, LitStr, Result};

use crate::attr::{RouterOptions, path_name, set_once};
use crate::method::{self, Signature};
use crate::router::RouteMethod;
use crate::{codegen, docs};

const RESOURCE_KEYS: &str = "`uri_template`, `name`, `title`, `description`, `mime_type`, `scopes`";

/// The options of one `#[resource(...)]`.
#[derive(Default)]
struct ResourceOptions {
    uri_template: Option<LitStr>,
    name: Option<LitStr>,
    title: Option<Expr>,
    description: Option<Expr>,
    mime_type: Option<LitStr>,
    scopes: Option<crate::scopes::Scopes>,
}

impl ResourceOptions {
    fn parse_key(&mut self, meta: &ParseNestedMeta<'_>) -> Result<()> {
        let path = &meta.path;
        if path.is_ident("uri_template") {
            let value: LitStr = meta.value()?.parse()?;
            set_once(&mut self.uri_template, meta, value)
        } else if path.is_ident("name") {
            let value: LitStr = meta.value()?.parse()?;
            set_once(&mut self.name, meta, value)
        } else if path.is_ident("title") {
            let value: Expr = meta.value()?.parse()?;
            set_once(&mut self.title, meta, value)
        } else if path.is_ident("description") {
            let value: Expr = meta.value()?.parse()?;
            set_once(&mut self.description, meta, value)
        } else if path.is_ident("mime_type") {
            let value: LitStr = meta.value()?.parse()?;
            set_once(&mut self.mime_type, meta, value)
        } else if path.is_ident("scopes") {
            let value = crate::scopes::parse(meta)?;
            set_once(&mut self.scopes, meta, value)
        } else {
            let key = path_name(path);
            Err(meta.error(format_args!(
                "unknown resource option `{key}`; expected one of {RESOURCE_KEYS}"
            )))
        }
    }
}

/// The variable names of an RFC 6570 template, roughly: what stands between braces, without
/// the operator, the prefix and explode modifiers. Enough to check the parameters; the
/// server parses the template for real when it is registered.
fn template_variables(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    for expression in template.split('{').skip(1) {
        let Some((inner, _)) = expression.split_once('}') else {
            continue;
        };
        let inner = inner.trim_start_matches(['+', '#', '.', '/', ';', '?', '&']);
        for spec in inner.split(',') {
            let name = spec.split(':').next().unwrap_or("").trim_end_matches('*');
            names.push(name.to_owned());
        }
    }
    names
}

/// A resource template method, analysed.
pub(crate) struct ResourceMethod {
    name: String,
    name_span: Span,
    template: LitStr,
    method: Ident,
    options: ResourceOptions,
    description: Option<TokenStream>,
    signature: Signature,
    output_span: Span,
}

impl RouteMethod for ResourceMethod {
    const ATTR: &'static str = "resource";
    const ROUTER: &'static str = "resource_router";
    const DEFAULT_FN: &'static str = "resource_templates";
    const ROUTE: &'static str = "ResourceTemplateRoute";
    const BUILDER: &'static str = "resource_templates";

    fn new(attr: &Attribute, method: &mut ImplItemFn) -> Result<Self> {
        let mut options = ResourceOptions::default();
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            attr.parse_nested_meta(|meta| options.parse_key(&meta))?;
        }
        let Some(template) = options.uri_template.clone() else {
            return Err(syn::Error::new(
                attr.span(),
                "a resource needs its URI template: `#[resource(uri_template = \"notes://{id}\")]`",
            ));
        };
        let (name, name_span) = method::item_name(options.name.as_ref(), method);
        let signature = method::analyse(method, "resource")?;
        let variables = template_variables(&template.value());
        if let Some(field) = signature
            .fields()
            .find(|f| !variables.iter().any(|v| f.ident == v))
        {
            return Err(syn::Error::new(
                field.ident.span(),
                format_args!(
                    "`{}` is not a variable of the URI template {:?}",
                    field.ident,
                    template.value()
                ),
            ));
        }
        Ok(Self {
            name,
            name_span,
            template,
            method: method.sig.ident.clone(),
            description: docs::description(&method.attrs),
            options,
            output_span: method::output_span(method),
            signature,
        })
    }

    fn name(&self) -> (&str, Span) {
        (&self.name, self.name_span)
    }

    fn route(&self, router: &RouterOptions) -> TokenStream {
        let private = router.private();
        let (arguments_def, arguments_ty) = self.variables_struct(router);
        let codegen::Receiver { capture, per_call } = codegen::receiver(&self.signature, &private);
        let check = quote!(#private::resource_output);
        let call = codegen::call(&self.signature, &self.method, &check, self.output_span);
        let (name, template) = (&self.name, &self.template);
        let options = &self.options;
        let description = options
            .description
            .as_ref()
            .map(|d| quote!(#d))
            .or_else(|| self.description.clone())
            .map(|d| quote!(.with_description(#d)));
        let title = options.title.as_ref().map(|t| quote!(.with_title(#t)));
        let (mime, with_mime) = match &options.mime_type {
            Some(mime) => (
                quote!(::core::option::Option::Some(#mime)),
                Some(quote!(.with_mime_type(#mime))),
            ),
            None => (quote!(::core::option::Option::None), None),
        };
        let scopes = options
            .scopes
            .as_ref()
            .map(crate::scopes::Scopes::to_tokens);
        quote!({
            #arguments_def
            #capture
            #private::ResourceTemplateRoute::typed(
                #private::ResourceTemplate::new(#template, #name) #description #title #with_mime,
                move |__oxmcp_uri: #private::String,
                      __oxmcp_args: #arguments_ty,
                      __oxmcp_cx: #private::RequestContext<#private::Server>| {
                    #per_call
                    async move {
                        #private::ResourceOutput::into_resource_contents(
                            #call,
                            __oxmcp_uri,
                            #mime,
                        )
                    }
                },
            )
            #scopes
        })
    }
}

impl ResourceMethod {
    /// The struct the variables are deserialized into, generated from plain parameters
    /// (only `Deserialize`: a resource template has no schema), and its type.
    fn variables_struct(&self, router: &RouterOptions) -> (Option<TokenStream>, TokenStream) {
        if let Some(ty) = &self.signature.arguments {
            return (None, quote!(#ty));
        }
        let private = router.private();
        let serde_crate = router.private_str("serde");
        let ident = format_ident!("__OxmcpResourceVariables");
        let fields = self.signature.fields().map(|field| {
            let (attrs, ident, ty) = (&field.attrs, &field.ident, &field.ty);
            let attrs = attrs.iter().filter(|a| !a.path().is_ident("schemars"));
            quote!(#(#attrs)* #ident: #ty,)
        });
        let def = quote! {
            #[derive(#private::serde::Deserialize)]
            #[serde(crate = #serde_crate)]
            struct #ident { #(#fields)* }
        };
        (Some(def), quote!(#ident))
    }
}

#[cfg(test)]
mod tests {
    use super::template_variables;

    #[test]
    fn variables_of_templates() {
        assert_eq!(template_variables("note://{id}"), ["id"]);
        assert_eq!(
            template_variables("books://{book}/pages{/page*}{?q,lang:2}"),
            ["book", "page", "q", "lang"]
        );
        assert!(template_variables("file:///readme").is_empty());
    }
}
