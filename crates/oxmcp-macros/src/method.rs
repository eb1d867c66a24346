//! What a tool method looks like: its receiver, its parameters (context, one argument
//! struct, or plain arguments), and the checks that make a misuse a precise compile error.

use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, ImplItemFn, Pat, PatType, Receiver, Result, Type};

/// How the method takes `self`.
pub(crate) enum SelfKind {
    /// An associated function without `self`.
    None,
    /// `&self`.
    Ref,
    /// `self: Arc<Self>`.
    Arc,
}

/// What one parameter receives.
pub(crate) enum Param {
    /// The `RequestContext`, by value or by reference.
    Context { by_ref: bool },
    /// The whole argument struct.
    Arguments,
    /// One field of the generated argument struct.
    Field(Box<Field>),
}

/// A field of the argument struct generated from plain parameters.
pub(crate) struct Field {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    /// Doc comments and `#[serde]` / `#[schemars]` attributes, moved to the field.
    pub(crate) attrs: Vec<Attribute>,
}

/// The analysed signature of a tool method.
pub(crate) struct Signature {
    /// `async fn`, awaited; a plain `fn` is called in place.
    pub(crate) is_async: bool,
    pub(crate) self_kind: SelfKind,
    pub(crate) params: Vec<Param>,
    /// The argument struct's type, when one parameter is the whole struct.
    pub(crate) arguments: Option<Type>,
}

impl Signature {
    /// The fields of the generated argument struct.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &Field> {
        self.params.iter().filter_map(|param| match param {
            Param::Field(field) => Some(&**field),
            _ => None,
        })
    }
}

/// Types that are never a tool's whole argument struct: a lone parameter of one of these is
/// a plain argument (a field of the generated struct).
const VALUE_TYPES: &[&str] = &[
    "String", "str", "bool", "char", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16",
    "u32", "u64", "u128", "usize", "f32", "f64", "Option", "Vec", "VecDeque", "HashMap",
    "BTreeMap", "HashSet", "BTreeSet", "Box", "Rc", "Arc", "Cow", "Value", "Number", "Map",
    "PathBuf",
];

/// Is this parameter attribute one the macro moves to the generated field?
fn is_field_attr(attr: &Attribute) -> bool {
    let path = attr.path();
    path.is_ident("doc") || path.is_ident("serde") || path.is_ident("schemars")
}

/// Is this the `#[arg]` marker that makes a lone parameter a plain argument?
fn is_arg_marker(attr: &Attribute) -> bool {
    attr.path().is_ident("arg")
}

/// Is this a parameter attribute the macro consumes (moved to a field, or `#[arg]`)?
pub(crate) fn is_param_attr(attr: &Attribute) -> bool {
    is_field_attr(attr) || is_arg_marker(attr)
}

/// Analyses `method`'s signature and strips the attributes the macro consumes from its
/// parameters (they are not allowed there once the macro is done).
pub(crate) fn analyse(method: &mut ImplItemFn, what: &str) -> Result<Signature> {
    let sig = &method.sig;
    let is_async = sig.asyncness.is_some();
    if let Some(unsafety) = &sig.unsafety {
        return Err(syn::Error::new(
            unsafety.span(),
            format_args!("a {what} method cannot be `unsafe`"),
        ));
    }
    if let Some(param) = sig.generics.params.first() {
        return Err(syn::Error::new(
            param.span(),
            format_args!("a {what} method cannot have generic parameters"),
        ));
    }
    let mut self_kind = SelfKind::None;
    let mut raw = Vec::new();
    for input in &mut method.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => self_kind = receiver_kind(receiver, what)?,
            FnArg::Typed(typed) => raw.push(take_param(typed)),
        }
    }
    let mut signature = classify(raw, self_kind)?;
    signature.is_async = is_async;
    Ok(signature)
}

fn receiver_kind(receiver: &Receiver, what: &str) -> Result<SelfKind> {
    if receiver.colon_token.is_none() {
        return match (&receiver.reference, &receiver.mutability) {
            (Some(_), None) => Ok(SelfKind::Ref),
            (Some(_), Some(mutability)) => Err(syn::Error::new(
                mutability.span(),
                format_args!(
                    "a {what} method cannot take `&mut self`: calls run concurrently; take `&self` and use interior mutability"
                ),
            )),
            (None, _) => Err(syn::Error::new(
                receiver.span(),
                format_args!(
                    "a {what} method cannot take `self` by value: it is called once per request; take `&self` or `self: Arc<Self>`"
                ),
            )),
        };
    }
    if is_arc_self(&receiver.ty) {
        return Ok(SelfKind::Arc);
    }
    if let Type::Reference(reference) = &*receiver.ty
        && reference.mutability.is_none()
        && matches!(&*reference.elem, Type::Path(p) if p.path.is_ident("Self"))
    {
        return Ok(SelfKind::Ref);
    }
    Err(syn::Error::new(
        receiver.ty.span(),
        format_args!("a {what} method takes `&self` or `self: Arc<Self>`"),
    ))
}

fn is_arc_self(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    last.ident == "Arc"
        && args.args.len() == 1
        && matches!(args.args.first(), Some(syn::GenericArgument::Type(Type::Path(p))) if p.path.is_ident("Self"))
}

/// A parameter with the attributes the macro consumes taken off it.
struct RawParam {
    pat: Pat,
    ty: Type,
    field_attrs: Vec<Attribute>,
    marked_arg: bool,
}

fn take_param(typed: &mut PatType) -> RawParam {
    let mut field_attrs = Vec::new();
    let mut marked_arg = false;
    typed.attrs.retain(|attr| {
        if is_arg_marker(attr) {
            marked_arg = true;
            false
        } else if is_field_attr(attr) {
            field_attrs.push(attr.clone());
            false
        } else {
            true
        }
    });
    RawParam {
        pat: (*typed.pat).clone(),
        ty: (*typed.ty).clone(),
        field_attrs,
        marked_arg,
    }
}

/// Is `ty` `RequestContext<..>` (or a reference to one)? Returns `Some(by_ref)`.
fn context_type(ty: &Type) -> Option<bool> {
    let (ty, by_ref) = match ty {
        Type::Reference(reference) if reference.mutability.is_none() => (&*reference.elem, true),
        other => (other, false),
    };
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    (last.ident == "RequestContext").then_some(by_ref)
}

/// Would a lone parameter of this type be the whole argument struct?
fn looks_like_struct(ty: &Type) -> bool {
    let Type::Path(path) = ty else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    path.path
        .segments
        .last()
        .is_some_and(|last| !VALUE_TYPES.iter().any(|v| last.ident == v))
}

fn classify(raw: Vec<RawParam>, self_kind: SelfKind) -> Result<Signature> {
    let mut context_seen: Option<proc_macro2::Span> = None;
    let others = raw.iter().filter(|p| context_type(&p.ty).is_none()).count();
    let mut params = Vec::new();
    let mut arguments = None;
    for param in raw {
        if let Some(by_ref) = context_type(&param.ty) {
            if let Some(first) = context_seen {
                let mut error = syn::Error::new(
                    param.ty.span(),
                    "a method takes at most one `RequestContext`",
                );
                error.combine(syn::Error::new(first, "the first one is here"));
                return Err(error);
            }
            if let Some(attr) = param.field_attrs.first() {
                return Err(syn::Error::new(
                    attr.path().span(),
                    "the `RequestContext` parameter is not an argument and takes no argument attributes",
                ));
            }
            context_seen = Some(param.ty.span());
            params.push(Param::Context { by_ref });
            continue;
        }
        check_owned(&param.ty)?;
        let lone_struct = others == 1
            && !param.marked_arg
            && param.field_attrs.is_empty()
            && looks_like_struct(&param.ty);
        if lone_struct {
            arguments = Some(param.ty);
            params.push(Param::Arguments);
        } else {
            params.push(Param::Field(Box::new(field(param)?)));
        }
    }
    Ok(Signature {
        is_async: true,
        self_kind,
        params,
        arguments,
    })
}

fn check_owned(ty: &Type) -> Result<()> {
    match ty {
        Type::Reference(reference) => {
            let hint = match &*reference.elem {
                Type::Path(p) if p.path.is_ident("str") => " (use `String` instead of `&str`)",
                Type::Slice(_) => " (use `Vec<T>` instead of `&[T]`)",
                _ => "",
            };
            Err(syn::Error::new(
                reference.elem.span(),
                format_args!("arguments are deserialized into owned values{hint}"),
            ))
        }
        Type::ImplTrait(_) => Err(syn::Error::new(
            ty.span(),
            "arguments need a concrete type that implements `Deserialize` and `JsonSchema`",
        )),
        _ => Ok(()),
    }
}

fn field(param: RawParam) -> Result<Field> {
    let ident = match &param.pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
        other => {
            return Err(syn::Error::new(
                other.span(),
                "an argument parameter needs a plain name, which becomes the argument's name",
            ));
        }
    };
    Ok(Field {
        ident,
        ty: param.ty,
        attrs: param.field_attrs,
    })
}

/// The item's name: the `name = "..."` option when given, else the method's identifier
/// without a raw-identifier `r#` prefix; with the span to report errors at.
pub(crate) fn item_name(
    option: Option<&syn::LitStr>,
    method: &ImplItemFn,
) -> (String, proc_macro2::Span) {
    match option {
        Some(lit) => (lit.value(), lit.span()),
        None => {
            let ident = &method.sig.ident;
            let text = ident.to_string();
            let text = text
                .strip_prefix("r#")
                .map_or_else(|| text.clone(), str::to_owned);
            (text, ident.span())
        }
    }
}

/// Where to report a wrong return type: the return type, or the closing parenthesis when
/// there is none.
pub(crate) fn output_span(method: &ImplItemFn) -> proc_macro2::Span {
    match &method.sig.output {
        syn::ReturnType::Default => method.sig.paren_token.span.close(),
        syn::ReturnType::Type(_, ty) => ty.span(),
    }
}
