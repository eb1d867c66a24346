//! Typed template variables: the strings a URI template bound, deserialized into a struct
//! (with serde) whose numeric, boolean and `Option` fields are parsed from their text.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use oxmcp_types::{ErrorCode, ErrorData, ResourceContents, ResourceTemplate};
use serde::de::value::{Error, MapDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::{ResourceTemplateRoute, UriVariables};
use crate::context::RequestContext;
use crate::role::Server;

impl ResourceTemplateRoute {
    /// A template whose variables arrive as `A`, deserialized from the strings the template
    /// bound: a field per variable (with its name), `String` or any type that parses from
    /// text (integers, floats, `bool`, `char`, unit enum variants), `Option` for a variable
    /// that may be absent. A URI whose variables do not fit `A` is -32002 (resource not
    /// found), saying why, before `reader` runs.
    ///
    /// ```
    /// use oxmcp_core::server::resources::ResourceTemplateRoute;
    /// use oxmcp_types::{ResourceTemplate, TextResourceContents};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Page { book: String, page: u32 }
    ///
    /// let route = ResourceTemplateRoute::typed(
    ///     ResourceTemplate::new("books://{book}/pages/{page}", "page"),
    ///     |uri, page: Page, _cx| async move {
    ///         let text = format!("page {} of {}", page.page + 1, page.book);
    ///         Ok(vec![TextResourceContents::new(uri, text).into()])
    ///     },
    /// );
    /// # let _ = route;
    /// ```
    pub fn typed<A, F, Fut>(template: ResourceTemplate, reader: F) -> Self
    where
        A: DeserializeOwned + Send + 'static,
        F: Fn(String, A, RequestContext<Server>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<ResourceContents>, ErrorData>> + Send + 'static,
    {
        let reader = Arc::new(reader);
        Self::new(template, move |uri, variables, cx| {
            let reader = Arc::clone(&reader);
            async move {
                let typed = from_variables::<A>(variables).map_err(|e| {
                    ErrorData::new(
                        ErrorCode::RESOURCE_NOT_FOUND,
                        format!("resource not found: {uri} ({e})"),
                    )
                    .with_data(serde_json::json!({ "uri": uri }))
                })?;
                reader(uri, typed, cx).await
            }
        })
    }
}

/// Deserializes `A` from the variables a template bound.
pub fn from_variables<A: DeserializeOwned>(variables: UriVariables) -> Result<A, Error> {
    let map = MapDeserializer::new(variables.into_iter().map(|(k, v)| (k, Text(v))));
    A::deserialize(map)
}

/// One variable's text, deserialized as what the target type asks for.
struct Text(String);

impl<'de> IntoDeserializer<'de, Error> for Text {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl Text {
    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, Error>
    where
        T::Err: fmt::Display,
    {
        self.0
            .parse()
            .map_err(|e| de::Error::custom(format_args!("{:?} is not {what}: {e}", self.0)))
    }
}

macro_rules! parsed {
    ($($method:ident => $visit:ident: $ty:ty, $what:literal;)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.parse::<$ty>($what)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Text {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    parsed! {
        deserialize_bool => visit_bool: bool, "a boolean";
        deserialize_i8 => visit_i8: i8, "an integer";
        deserialize_i16 => visit_i16: i16, "an integer";
        deserialize_i32 => visit_i32: i32, "an integer";
        deserialize_i64 => visit_i64: i64, "an integer";
        deserialize_i128 => visit_i128: i128, "an integer";
        deserialize_u8 => visit_u8: u8, "an unsigned integer";
        deserialize_u16 => visit_u16: u16, "an unsigned integer";
        deserialize_u32 => visit_u32: u32, "an unsigned integer";
        deserialize_u64 => visit_u64: u64, "an unsigned integer";
        deserialize_u128 => visit_u128: u128, "an unsigned integer";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
        deserialize_char => visit_char: char, "one character";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(
            IntoDeserializer::<Error>::into_deserializer(self.0),
            name,
            variants,
            visitor,
        )
    }

    serde::forward_to_deserialize_any! {
        str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Draft,
        Final,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Vars {
        book: String,
        page: u32,
        ratio: f64,
        open: bool,
        kind: Kind,
        section: Option<u8>,
        note: Option<String>,
    }

    fn vars(pairs: &[(&str, &str)]) -> UriVariables {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn variables_parse_into_their_types() {
        let base = [
            ("book", "dune"),
            ("page", "42"),
            ("ratio", "0.5"),
            ("open", "true"),
            ("kind", "final"),
            ("section", "3"),
        ];
        let parsed: Vars = from_variables(vars(&base)).unwrap();
        assert_eq!(
            parsed,
            Vars {
                book: "dune".into(),
                page: 42,
                ratio: 0.5,
                open: true,
                kind: Kind::Final,
                section: Some(3),
                note: None,
            }
        );
    }

    #[test]
    fn a_variable_that_does_not_parse_says_why() {
        let error = from_variables::<Vars>(vars(&[("book", "dune"), ("page", "-1")])).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("\"-1\" is not an unsigned integer"),
            "{error}"
        );
        let mut draft = vars(&[("book", "b"), ("page", "1"), ("ratio", "1"), ("open", "no")]);
        let error = from_variables::<Vars>(draft.clone()).unwrap_err();
        assert!(
            error.to_string().contains("\"no\" is not a boolean"),
            "{error}"
        );
        draft.insert("open".into(), "false".into());
        draft.insert("kind".into(), "sketch".into());
        let error = from_variables::<Vars>(draft).unwrap_err();
        assert!(
            error.to_string().contains("unknown variant `sketch`"),
            "{error}"
        );
        let error = from_variables::<Vars>(vars(&[("book", "dune")])).unwrap_err();
        assert!(
            error.to_string().contains("missing field `page`"),
            "{error}"
        );
    }
}
