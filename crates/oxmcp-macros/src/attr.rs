//! The options of `#[tool(...)]` and `#[tool_router(...)]`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Expr, Ident, LitBool, LitStr, Path, Result, Visibility};

/// Sets `slot` once; a second occurrence of the key is an error at that key.
pub(crate) fn set_once<T>(
    slot: &mut Option<T>,
    meta: &ParseNestedMeta<'_>,
    value: T,
) -> Result<()> {
    if slot.is_some() {
        let key = path_name(&meta.path);
        return Err(meta.error(format_args!("`{key}` is given more than once")));
    }
    *slot = Some(value);
    Ok(())
}

pub(crate) fn path_name(path: &Path) -> String {
    quote!(#path).to_string().replace(' ', "")
}

/// `key` alone means `true`; `key = true` / `key = false` say it explicitly.
fn flag(meta: &ParseNestedMeta<'_>) -> Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        Ok(meta.value()?.parse::<LitBool>()?.value)
    } else {
        Ok(true)
    }
}

/// The options of one `#[tool(...)]`.
#[derive(Default)]
pub(crate) struct ToolOptions {
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<Expr>,
    pub(crate) description: Option<Expr>,
    pub(crate) annotations: Option<Annotations>,
    pub(crate) icons: Option<Expr>,
    pub(crate) meta: Option<Expr>,
    pub(crate) task_support: Option<(Ident, Span)>,
    pub(crate) scopes: Option<crate::scopes::Scopes>,
}

/// `annotations(...)`: the behaviour hints of a tool.
#[derive(Default)]
pub(crate) struct Annotations {
    pub(crate) title: Option<Expr>,
    pub(crate) read_only: Option<bool>,
    pub(crate) destructive: Option<bool>,
    pub(crate) idempotent: Option<bool>,
    pub(crate) open_world: Option<bool>,
}

const TOOL_KEYS: &str = "`name`, `title`, `description`, `annotations(...)`, `icons`, `meta`, \
                         `task_support`, `scopes`";
const ANNOTATION_KEYS: &str = "`title`, `read_only`, `destructive`, `idempotent`, `open_world`";

impl ToolOptions {
    /// Parses one key of `#[tool(...)]`.
    pub(crate) fn parse_key(&mut self, meta: &ParseNestedMeta<'_>) -> Result<()> {
        let path = &meta.path;
        if path.is_ident("name") {
            let value: LitStr = meta.value()?.parse()?;
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
        } else if path.is_ident("meta") {
            let value: Expr = meta.value()?.parse()?;
            set_once(&mut self.meta, meta, value)
        } else if path.is_ident("task_support") {
            let value = task_support(&meta.value()?.parse()?)?;
            set_once(&mut self.task_support, meta, value)
        } else if path.is_ident("scopes") {
            let value = crate::scopes::parse(meta)?;
            set_once(&mut self.scopes, meta, value)
        } else if path.is_ident("annotations") {
            let mut annotations = Annotations::default();
            meta.parse_nested_meta(|inner| annotations.parse_key(&inner))?;
            set_once(&mut self.annotations, meta, annotations)
        } else {
            let key = path_name(path);
            Err(meta.error(format_args!(
                "unknown tool option `{key}`; expected one of {TOOL_KEYS}"
            )))
        }
    }
}

fn task_support(value: &LitStr) -> Result<(Ident, Span)> {
    let variant = match value.value().as_str() {
        "forbidden" => "Forbidden",
        "optional" => "Optional",
        "required" => "Required",
        other => {
            return Err(syn::Error::new(
                value.span(),
                format_args!(
                    "unknown task support {other:?}; expected \"forbidden\", \"optional\" or \"required\""
                ),
            ));
        }
    };
    Ok((Ident::new(variant, value.span()), value.span()))
}

impl Annotations {
    fn parse_key(&mut self, meta: &ParseNestedMeta<'_>) -> Result<()> {
        let path = &meta.path;
        if path.is_ident("title") {
            let value: Expr = meta.value()?.parse()?;
            set_once(&mut self.title, meta, value)
        } else if path.is_ident("read_only") {
            let value = flag(meta)?;
            set_once(&mut self.read_only, meta, value)
        } else if path.is_ident("destructive") {
            let value = flag(meta)?;
            set_once(&mut self.destructive, meta, value)
        } else if path.is_ident("idempotent") {
            let value = flag(meta)?;
            set_once(&mut self.idempotent, meta, value)
        } else if path.is_ident("open_world") {
            let value = flag(meta)?;
            set_once(&mut self.open_world, meta, value)
        } else {
            let key = path_name(path);
            Err(meta.error(format_args!(
                "unknown annotation `{key}`; expected one of {ANNOTATION_KEYS}"
            )))
        }
    }

    /// The expression building the `ToolAnnotations`.
    pub(crate) fn to_tokens(&self, private: &TokenStream) -> TokenStream {
        let hint = |name: &str, value: Option<bool>| {
            let method = Ident::new(name, Span::call_site());
            value.map(|v| quote!(.#method(#v)))
        };
        let hints = [
            hint("read_only", self.read_only),
            hint("destructive", self.destructive),
            hint("idempotent", self.idempotent),
            hint("open_world", self.open_world),
        ];
        let title = self.title.as_ref().map(|title| {
            quote!(annotations.title = ::core::option::Option::Some(::core::convert::Into::into(#title));)
        });
        quote!({
            let mut annotations = <#private::ToolAnnotations as ::core::default::Default>::default()
                #(#hints)*;
            #title
            annotations
        })
    }
}

/// The options of `#[tool_router(...)]`.
pub(crate) struct RouterOptions {
    /// The visibility of the generated method (default `pub`).
    pub(crate) vis: Visibility,
    /// The name of the generated method (default `tool_routes`).
    pub(crate) fn_name: Ident,
    /// The path of the facade crate (default `::oxmcp`).
    pub(crate) krate: Path,
}

const ROUTER_KEYS: &str = "`vis`, `fn_name`, `crate`";

impl RouterOptions {
    /// Parses `#[tool_router(...)]`'s arguments; `default_fn` names the generated method.
    pub(crate) fn parse(args: TokenStream, default_fn: &str) -> Result<Self> {
        let mut vis = None;
        let mut fn_name = None;
        let mut krate = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("vis") {
                let value: Visibility = meta.value()?.parse()?;
                set_once(&mut vis, &meta, value)
            } else if meta.path.is_ident("fn_name") {
                let value: Ident = meta.value()?.parse()?;
                set_once(&mut fn_name, &meta, value)
            } else if meta.path.is_ident("crate") {
                let value: LitStr = meta.value()?.parse()?;
                let path: Path = value.parse()?;
                set_once(&mut krate, &meta, path)
            } else {
                let key = path_name(&meta.path);
                Err(meta.error(format_args!(
                    "unknown router option `{key}`; expected one of {ROUTER_KEYS}"
                )))
            }
        });
        syn::parse::Parser::parse2(parser, args)?;
        Ok(Self {
            vis: vis.unwrap_or_else(|| syn::parse_quote!(pub)),
            fn_name: fn_name.unwrap_or_else(|| Ident::new(default_fn, Span::call_site())),
            krate: krate.unwrap_or_else(|| syn::parse_quote!(::oxmcp)),
        })
    }

    /// `<crate>::__private`.
    pub(crate) fn private(&self) -> TokenStream {
        let krate = &self.krate;
        quote!(#krate::__private)
    }

    /// `"<crate>::__private::<name>"`, for the `crate = "..."` options of serde and schemars.
    pub(crate) fn private_str(&self, name: &str) -> String {
        let krate = path_name(&self.krate);
        format!("{krate}::__private::{name}")
    }
}
