//! Code shared by the route expressions of tools and prompts: capturing `self`, the call of
//! the method, and the generated argument struct.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::attr::RouterOptions;
use crate::method::{Param, SelfKind, Signature};

/// The statements that capture `self` (an `&Arc<Self>`) in the handler closure and clone it
/// for each call.
pub(crate) struct Receiver {
    pub(crate) capture: Option<TokenStream>,
    pub(crate) per_call: Option<TokenStream>,
}

pub(crate) fn receiver(signature: &Signature, private: &TokenStream) -> Receiver {
    match signature.self_kind {
        SelfKind::None => Receiver {
            capture: None,
            per_call: None,
        },
        SelfKind::Ref | SelfKind::Arc => Receiver {
            capture: Some(quote!(let __oxmcp_this = #private::Arc::clone(self);)),
            per_call: Some(quote!(let __oxmcp_this = #private::Arc::clone(&__oxmcp_this);)),
        },
    }
}

/// `Self::method(this, args..., cx)`, awaited if the method is `async`, passed through `check` (a path to a function
/// whose bound reports a wrong return type at `output_span`).
pub(crate) fn call(
    signature: &Signature,
    method: &syn::Ident,
    check: &TokenStream,
    output_span: Span,
) -> TokenStream {
    let receiver = match signature.self_kind {
        SelfKind::None => None,
        SelfKind::Ref => Some(quote!(&*__oxmcp_this,)),
        SelfKind::Arc => Some(quote!(__oxmcp_this,)),
    };
    let args = signature.params.iter().map(|param| match param {
        Param::Context { by_ref: false } => quote!(__oxmcp_cx),
        Param::Context { by_ref: true } => quote!(&__oxmcp_cx),
        Param::Arguments => quote!(__oxmcp_args),
        Param::Field(field) => {
            let ident = &field.ident;
            quote!(__oxmcp_args.#ident)
        }
    });
    if signature.is_async {
        quote_spanned!(output_span=> #check(Self::#method(#receiver #(#args),*).await))
    } else {
        quote_spanned!(output_span=> #check(Self::#method(#receiver #(#args),*)))
    }
}

/// The generated argument struct (if the arguments are plain parameters) and the type of
/// the handler's arguments. `deny_unknown` refuses unknown members when there are no
/// parameters at all.
pub(crate) fn arguments(
    signature: &Signature,
    name: &str,
    router: &RouterOptions,
    deny_unknown: bool,
) -> (Option<TokenStream>, TokenStream) {
    if let Some(ty) = &signature.arguments {
        return (None, quote!(#ty));
    }
    let private = router.private();
    let fields: Vec<_> = signature.fields().collect();
    let deny_unknown =
        (deny_unknown && fields.is_empty()).then(|| quote!(#[serde(deny_unknown_fields)]));
    let ident = format_ident!("{}Arguments", pascal_case(name));
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
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
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
        assert_eq!(pascal_case("résumé"), "RSum");
    }
}
