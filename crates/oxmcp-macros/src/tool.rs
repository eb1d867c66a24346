//! One `#[tool]` method: its options, its name, and the `ToolRoute` expression built from it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, ImplItemFn, Result, ReturnType};

use crate::attr::{RouterOptions, ToolOptions};
use crate::docs;
use crate::method::{self, Param, SelfKind, Signature};
use crate::name::check_tool_name;

/// A tool method, analysed.
pub(crate) struct ToolMethod {
    /// The tool's name and where to point errors about it.
    pub(crate) name: String,
    pub(crate) name_span: Span,
    method: Ident,
    options: ToolOptions,
    description: Option<TokenStream>,
    signature: Signature,
    output_span: Span,
}

/// Is this the `#[tool]` attribute (also written `#[oxmcp::tool]`)?
pub(crate) fn is_tool_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "tool")
}

impl ToolMethod {
    /// Analyses `method`, whose `#[tool]` attribute is `attr` (already removed from it).
    pub(crate) fn new(attr: &Attribute, method: &mut ImplItemFn) -> Result<Self> {
        let mut options = ToolOptions::default();
        if !matches!(attr.meta, syn::Meta::Path(_)) {
            attr.parse_nested_meta(|meta| options.parse_key(&meta))?;
        }
        let (name, name_span) = match &options.name {
            Some(lit) => (lit.value(), lit.span()),
            None => {
                let ident = &method.sig.ident;
                let text = ident.to_string();
                let text = text.strip_prefix("r#").map_or(text.clone(), str::to_owned);
                (text, ident.span())
            }
        };
        if let Err(reason) = check_tool_name(&name) {
            return Err(syn::Error::new(
                name_span,
                format_args!(
                    "invalid tool name {name:?}: {reason} (MCP tool names are 1 to 128 characters from A-Z a-z 0-9 _ - .)"
                ),
            ));
        }
        let signature = method::analyse(method, "tool")?;
        let output_span = match &method.sig.output {
            ReturnType::Default => method.sig.paren_token.span.close(),
            ReturnType::Type(_, ty) => ty.span(),
        };
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

    /// The expression that builds this tool's `ToolRoute`, inside the generated method
    /// (where `self` is `&Arc<Self>`).
    pub(crate) fn route(&self, router: &RouterOptions) -> TokenStream {
        let private = router.private();
        let (arguments_def, arguments_ty) = self.arguments(router);
        let this_capture = match self.signature.self_kind {
            SelfKind::None => None,
            SelfKind::Ref | SelfKind::Arc => {
                Some(quote!(let __oxmcp_this = #private::Arc::clone(self);))
            }
        };
        let this_per_call = this_capture
            .as_ref()
            .map(|_| quote!(let __oxmcp_this = #private::Arc::clone(&__oxmcp_this);));
        let receiver = match self.signature.self_kind {
            SelfKind::None => None,
            SelfKind::Ref => Some(quote!(&*__oxmcp_this,)),
            SelfKind::Arc => Some(quote!(__oxmcp_this,)),
        };
        let args = self.signature.params.iter().map(|param| match param {
            Param::Context { by_ref: false } => quote!(__oxmcp_cx),
            Param::Context { by_ref: true } => quote!(&__oxmcp_cx),
            Param::Arguments => quote!(__oxmcp_args),
            Param::Field(field) => {
                let ident = &field.ident;
                quote!(__oxmcp_args.#ident)
            }
        });
        let method = &self.method;
        let call = quote_spanned!(self.output_span=>
            #private::tool_output(Self::#method(#receiver #(#args),*).await)
        );
        let name = &self.name;
        let settings = self.settings(&private);
        quote!({
            #arguments_def
            #this_capture
            #private::ToolRoute::new(
                #name,
                move |__oxmcp_args: #arguments_ty,
                      __oxmcp_cx: #private::RequestContext<#private::Server>| {
                    #this_per_call
                    async move { #call }
                },
            )
            #settings
        })
    }

    /// The generated argument struct (if any) and the type of the handler's arguments.
    fn arguments(&self, router: &RouterOptions) -> (Option<TokenStream>, TokenStream) {
        let private = router.private();
        if let Some(ty) = &self.signature.arguments {
            return (None, quote!(#ty));
        }
        let fields: Vec<_> = self.signature.fields().collect();
        // A tool without arguments accepts none, as the spec recommends:
        // `{"type": "object", "additionalProperties": false}`.
        let deny_unknown = fields
            .is_empty()
            .then(|| quote!(#[serde(deny_unknown_fields)]));
        let ident = format_ident!("{}Arguments", pascal_case(&self.name));
        let serde_crate = router.private_str("serde");
        let schemars_crate = router.private_str("schemars");
        let fields = fields.iter().map(|field| {
            let (attrs, ident, ty) = (&field.attrs, &field.ident, &field.ty);
            quote!(#(#attrs)* #ident: #ty,)
        });
        let def = quote! {
            #[derive(#private::serde::Deserialize, #private::schemars::JsonSchema)]
            #[serde(crate = #serde_crate)]
            #[schemars(crate = #schemars_crate)]
            #deny_unknown
            struct #ident { #(#fields)* }
        };
        (Some(def), quote!(#ident))
    }

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
        quote!(#description #title #annotations #icons #meta #task_support)
    }
}

/// `get_user.v2` → `GetUserV2`: a readable struct name for the generated arguments (only
/// seen in diagnostics; the schema's root title is dropped).
fn pascal_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pascal_case;

    #[test]
    fn struct_names() {
        assert_eq!(pascal_case("echo"), "Echo");
        assert_eq!(pascal_case("get_user.v2"), "GetUserV2");
        assert_eq!(pascal_case("9lives"), "T9lives");
        assert_eq!(pascal_case("a-b"), "AB");
    }
}
