//! `#[schema]`: the serde and schemars derives of a type, through the `oxmcp` crate's
//! re-exports, so that argument and output types need no direct `serde`/`schemars`
//! dependency and no `#[serde(crate = ...)]` lines.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{LitStr, Path, Result};

use crate::attr::{path_name, set_once};

/// Which serde derives to add (`JsonSchema` is always derived).
struct SchemaOptions {
    serialize: bool,
    deserialize: bool,
    krate: Path,
}

const SCHEMA_KEYS: &str = "`serialize`, `deserialize`, `crate`";

impl SchemaOptions {
    fn parse(args: TokenStream) -> Result<Self> {
        let (mut serialize, mut deserialize, mut krate) = (None, None, None);
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("serialize") {
                set_once(&mut serialize, &meta, true)
            } else if meta.path.is_ident("deserialize") {
                set_once(&mut deserialize, &meta, true)
            } else if meta.path.is_ident("crate") {
                let value: LitStr = meta.value()?.parse()?;
                set_once(&mut krate, &meta, value.parse::<Path>()?)
            } else {
                let key = path_name(&meta.path);
                Err(meta.error(format_args!(
                    "unknown `#[schema]` option `{key}`; expected one of {SCHEMA_KEYS}"
                )))
            }
        });
        syn::parse::Parser::parse2(parser, args)?;
        // Neither named: both.
        let both = serialize.is_none() && deserialize.is_none();
        Ok(Self {
            serialize: both || serialize.is_some(),
            deserialize: both || deserialize.is_some(),
            krate: krate.unwrap_or_else(|| syn::parse_quote!(::oxmcp)),
        })
    }
}

/// Expands `#[schema(...)]` on a struct or an enum.
pub(crate) fn expand(args: TokenStream, input: TokenStream) -> Result<TokenStream> {
    let options = SchemaOptions::parse(args)?;
    let item: syn::DeriveInput = syn::parse2(input)?;
    if let syn::Data::Union(union) = &item.data {
        return Err(syn::Error::new(
            union.union_token.span,
            "`#[schema]` goes on a struct or an enum",
        ));
    }
    let krate = &options.krate;
    let krate_str = path_name(krate);
    let serde_crate = format!("{krate_str}::__private::serde");
    let schemars_crate = format!("{krate_str}::__private::schemars");
    let serialize = options
        .serialize
        .then(|| quote!(#krate::__private::serde::Serialize,));
    let deserialize = options
        .deserialize
        .then(|| quote!(#krate::__private::serde::Deserialize,));
    Ok(quote! {
        #[derive(#serialize #deserialize #krate::__private::schemars::JsonSchema)]
        #[serde(crate = #serde_crate)]
        #[schemars(crate = #schemars_crate)]
        #item
    })
}
