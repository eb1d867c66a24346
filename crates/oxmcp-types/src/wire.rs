//! Crate-private serde helpers: constant `type` tags, unions dispatched on a tag member, and
//! lenient integers.

use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer};

/// Declares a zero-sized type that serializes as one constant string and deserializes only
/// from that string: the `type` member of a content block or schema type, so that a struct
/// serialized on its own still carries its discriminator.
macro_rules! wire_tag {
    ($($name:ident = $lit:literal;)*) => {$(
        #[doc = concat!("The constant `", $lit, "`.")]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub(crate) struct $name;

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($lit)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::wire::expect_str(d, $lit).map(|()| Self)
            }
        }
    )*};
}
pub(crate) use wire_tag;

/// Declares an enum of newtype variants whose JSON forms are told apart by a string member
/// (`type` for content blocks). Serialization delegates to the variant; deserialization reads
/// the whole object once, looks at the tag and hands the object to the variant's type.
macro_rules! tagged_union {
    (
        $(#[$m:meta])*
        $vis:vis enum $name:ident ($tag:literal) {
            $($(#[$vm:meta])* $variant:ident($ty:ty) = $wire:literal,)*
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        $vis enum $name {
            $($(#[$vm])* $variant($ty),)*
        }

        impl $name {
            /// The value of the discriminating member.
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $wire,)*
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(v) => v.serialize(s),)*
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let (tag, value) = $crate::wire::take_tagged(d, $tag)?;
                let res = match tag.as_str() {
                    $($wire => ::serde_json::from_value(value).map(Self::$variant),)*
                    other => {
                        return Err(::serde::de::Error::unknown_variant(other, &[$($wire),*]));
                    }
                };
                res.map_err(::serde::de::Error::custom)
            }
        }

        $(
            impl From<$ty> for $name {
                fn from(v: $ty) -> Self {
                    Self::$variant(v)
                }
            }
        )*
    };
}
pub(crate) use tagged_union;

/// Deserializes a string and checks it equals `expected`.
pub(crate) fn expect_str<'de, D: Deserializer<'de>>(d: D, expected: &str) -> Result<(), D::Error> {
    let s = <Cow<'de, str>>::deserialize(d)?;
    if s == expected {
        Ok(())
    } else {
        Err(de::Error::invalid_value(
            de::Unexpected::Str(&s),
            &format!("\"{expected}\"").as_str(),
        ))
    }
}

/// Reads an object and the string value of its member `tag` (the object keeps the member).
pub(crate) fn take_tagged<'de, D: Deserializer<'de>>(
    d: D,
    tag: &str,
) -> Result<(String, serde_json::Value), D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    let Some(obj) = value.as_object() else {
        return Err(de::Error::invalid_type(unexpected(&value), &"an object"));
    };
    let kind = match obj.get(tag) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(_) => return Err(de::Error::custom(format_args!("`{tag}` must be a string"))),
        None => return Err(de::Error::missing_field(leak_free(tag))),
    };
    Ok((kind, value))
}

/// `missing_field` wants a `&'static str`; the tags used in this crate are all literals, and
/// the ones that are not fall back to a generic name.
fn leak_free(tag: &str) -> &'static str {
    match tag {
        "type" => "type",
        "mode" => "mode",
        _ => "discriminator",
    }
}

/// What a JSON value is, for error messages.
pub(crate) fn unexpected(v: &serde_json::Value) -> de::Unexpected<'_> {
    match v {
        serde_json::Value::Null => de::Unexpected::Unit,
        serde_json::Value::Bool(b) => de::Unexpected::Bool(*b),
        serde_json::Value::Number(_) => de::Unexpected::Other("a number"),
        serde_json::Value::String(s) => de::Unexpected::Str(s),
        serde_json::Value::Array(_) => de::Unexpected::Seq,
        serde_json::Value::Object(_) => de::Unexpected::Map,
    }
}

/// Converts a JSON number to a `u64`, accepting non-negative floats (rounded): the schema says
/// integer for several fields the TypeScript source types as `number`.
fn number_to_u64<E: de::Error>(n: &serde_json::Number) -> Result<u64, E> {
    if let Some(v) = n.as_u64() {
        return Ok(v);
    }
    match n.as_f64() {
        // Range checked first; rounding a float count of milliseconds or tokens is intended.
        Some(f) if f.is_finite() && f >= 0.0 && f < u64::MAX as f64 => Ok(f.round() as u64),
        _ => Err(E::custom(format_args!(
            "expected a non-negative integer, got {n}"
        ))),
    }
}

/// Lenient `u64`: integers, or non-negative floats rounded to the nearest integer.
pub(crate) mod lenient_u64 {
    use super::{Deserialize, Deserializer, number_to_u64};

    /// Deserializes the number.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let n = serde_json::Number::deserialize(d)?;
        number_to_u64(&n)
    }
}

/// Lenient `Option<u64>` (`null` or absent is `None`).
pub(crate) mod lenient_opt_u64 {
    use super::{Deserialize, Deserializer, number_to_u64};

    /// Deserializes the number or `null`.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Option::<serde_json::Number>::deserialize(d)?
            .map(|n| number_to_u64(&n))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Lenient {
        #[serde(deserialize_with = "super::lenient_u64::deserialize")]
        a: u64,
        #[serde(default, deserialize_with = "super::lenient_opt_u64::deserialize")]
        b: Option<u64>,
    }

    #[test]
    fn lenient_integers_accept_floats() {
        let v: Lenient = serde_json::from_str(r#"{"a": 1500.0, "b": 2.6}"#).unwrap();
        assert_eq!((v.a, v.b), (1500, Some(3)));
        let v: Lenient = serde_json::from_str(r#"{"a": 7, "b": null}"#).unwrap();
        assert_eq!((v.a, v.b), (7, None));
        assert!(serde_json::from_str::<Lenient>(r#"{"a": -1}"#).is_err());
        assert!(serde_json::from_str::<Lenient>(r#"{"a": "1"}"#).is_err());
    }
}
