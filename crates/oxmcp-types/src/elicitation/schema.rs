//! The restricted JSON Schema of form-mode elicitation: flat objects of primitive members.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::meta::JsonObject;
use crate::wire::wire_tag;

wire_tag! {
    ObjectTag = "object";
    StringTag = "string";
    BooleanTag = "boolean";
    ArrayTag = "array";
}

/// The `requestedSchema` of a form-mode elicitation: `{"type": "object", "properties": ...}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ElicitationSchema {
    /// The JSON Schema dialect (`$schema`, 2025-11-25).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(rename = "type")]
    kind: ObjectTag,
    /// The form's fields by name.
    pub properties: BTreeMap<String, PrimitiveSchemaDefinition>,
    /// Names of the fields that must be answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Vec<String>>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl ElicitationSchema {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a field; `required` adds it to the required list.
    #[must_use]
    pub fn with_field(
        mut self,
        name: impl Into<String>,
        schema: impl Into<PrimitiveSchemaDefinition>,
        required: bool,
    ) -> Self {
        let name = name.into();
        if required {
            self.required
                .get_or_insert_with(Vec::new)
                .push(name.clone());
        }
        self.properties.insert(name, schema.into());
        self
    }
}

/// Adds `with_title`, `with_description` and `with_default` builders.
macro_rules! schema_builders {
    ($($ty:ty => $default:ty),*) => {$(
        impl $ty {
            /// Sets the title.
            #[must_use]
            pub fn with_title(mut self, title: impl Into<String>) -> Self {
                self.title = Some(title.into());
                self
            }

            /// Sets the description.
            #[must_use]
            pub fn with_description(mut self, description: impl Into<String>) -> Self {
                self.description = Some(description.into());
                self
            }

            /// Sets the default value (2025-11-25; booleans since 2025-06-18).
            #[must_use]
            pub fn with_default(mut self, default: impl Into<$default>) -> Self {
                self.default = Some(default.into());
                self
            }
        }
    )*};
}

/// Formats of a [`StringSchema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum StringFormat {
    /// An email address.
    Email,
    /// A URI.
    Uri,
    /// A date.
    Date,
    /// A date and time.
    DateTime,
}

/// A string field (`StringSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StringSchema {
    #[serde(rename = "type")]
    kind: StringTag,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Minimum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// Maximum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// Format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<StringFormat>,
    /// Default value (2025-11-25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl StringSchema {
    /// A string field.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the format.
    #[must_use]
    pub fn with_format(mut self, format: StringFormat) -> Self {
        self.format = Some(format);
        self
    }

    /// Sets the length bounds.
    #[must_use]
    pub fn with_length(mut self, min: Option<u64>, max: Option<u64>) -> Self {
        self.min_length = min;
        self.max_length = max;
        self
    }
}

/// The `type` of a [`NumberSchema`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum NumberType {
    /// Any number.
    #[default]
    Number,
    /// Integers only.
    Integer,
}

/// A number field (`NumberSchema`). Bounds and default keep their JSON form, so integers
/// stay integers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NumberSchema {
    /// `number` or `integer`.
    #[serde(rename = "type")]
    pub number_type: NumberType,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Inclusive minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<serde_json::Number>,
    /// Inclusive maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<serde_json::Number>,
    /// Default value (2025-11-25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Number>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl NumberSchema {
    /// A number field of the given type.
    pub fn new(number_type: NumberType) -> Self {
        Self {
            number_type,
            ..Self::default()
        }
    }

    /// Sets the bounds.
    #[must_use]
    pub fn with_range(
        mut self,
        minimum: Option<serde_json::Number>,
        maximum: Option<serde_json::Number>,
    ) -> Self {
        self.minimum = minimum;
        self.maximum = maximum;
        self
    }
}

/// A boolean field (`BooleanSchema`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BooleanSchema {
    #[serde(rename = "type")]
    kind: BooleanTag,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<bool>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl BooleanSchema {
    /// A boolean field.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A choice with a display title: `{"const": value, "title": label}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EnumOption {
    /// The value.
    #[serde(rename = "const")]
    pub value: String,
    /// The label.
    pub title: String,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl EnumOption {
    /// A choice.
    pub fn new(value: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            title: title.into(),
            extra: JsonObject::new(),
        }
    }
}

/// Declares a single-value (string) enum schema struct.
macro_rules! single_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty => $wire:literal),* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            #[serde(rename = "type")]
            kind: StringTag,
            /// Label.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub title: Option<String>,
            /// Help text.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub description: Option<String>,
            $($(#[$fm])* #[serde(rename = $wire)] pub $field: $ty,)*
            /// Default value (2025-11-25).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub default: Option<String>,
            /// Members this revision does not define, kept as they came.
            #[serde(flatten)]
            pub extra: JsonObject,
        }
    };
}

single_enum!(
    /// A single choice among plain values (`UntitledSingleSelectEnumSchema`).
    UntitledSingleSelectEnumSchema {
        /// The values.
        values: Vec<String> => "enum"
    }
);

single_enum!(
    /// A single choice among titled values (`TitledSingleSelectEnumSchema`, 2025-11-25).
    TitledSingleSelectEnumSchema {
        /// The choices.
        options: Vec<EnumOption> => "oneOf"
    }
);

/// A single choice with display names in the non-standard `enumNames` member
/// (`LegacyTitledEnumSchema`; the `EnumSchema` of 2025-06-18). Deprecated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LegacyTitledEnumSchema {
    #[serde(rename = "type")]
    kind: StringTag,
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The values.
    #[serde(rename = "enum")]
    pub values: Vec<String>,
    /// Display names, one per value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enum_names: Option<Vec<String>>,
    /// Default value (2025-11-25).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// The `items` of an [`UntitledMultiSelectEnumSchema`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UntitledEnumItems {
    #[serde(rename = "type")]
    kind: StringTag,
    /// The values.
    #[serde(rename = "enum")]
    pub values: Vec<String>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// The `items` of a [`TitledMultiSelectEnumSchema`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TitledEnumItems {
    /// The choices.
    #[serde(rename = "anyOf")]
    pub options: Vec<EnumOption>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Declares a multi-select (array) enum schema struct.
macro_rules! multi_enum {
    ($(#[$m:meta])* $name:ident ($items:ty)) => {
        $(#[$m])*
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase")]
        #[non_exhaustive]
        pub struct $name {
            #[serde(rename = "type")]
            kind: ArrayTag,
            /// Label.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub title: Option<String>,
            /// Help text.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub description: Option<String>,
            /// Fewest choices.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub min_items: Option<u64>,
            /// Most choices.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub max_items: Option<u64>,
            /// The choices.
            pub items: $items,
            /// Default choices.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub default: Option<Vec<String>>,
            /// Members this revision does not define, kept as they came.
            #[serde(flatten)]
            pub extra: JsonObject,
        }
    };
}

multi_enum!(
    /// Several choices among plain values (`UntitledMultiSelectEnumSchema`, 2025-11-25).
    UntitledMultiSelectEnumSchema(UntitledEnumItems)
);
multi_enum!(
    /// Several choices among titled values (`TitledMultiSelectEnumSchema`, 2025-11-25).
    TitledMultiSelectEnumSchema(TitledEnumItems)
);

impl UntitledSingleSelectEnumSchema {
    /// A choice among `values`.
    pub fn new(values: Vec<String>) -> Self {
        Self {
            values,
            ..Self::default()
        }
    }
}

impl TitledSingleSelectEnumSchema {
    /// A choice among titled options.
    pub fn new(options: Vec<EnumOption>) -> Self {
        Self {
            options,
            ..Self::default()
        }
    }
}

impl LegacyTitledEnumSchema {
    /// A choice among `values` with display names.
    pub fn new(values: Vec<String>, enum_names: Option<Vec<String>>) -> Self {
        Self {
            values,
            enum_names,
            ..Self::default()
        }
    }
}

impl UntitledMultiSelectEnumSchema {
    /// Several choices among `values`.
    pub fn new(values: Vec<String>) -> Self {
        Self {
            items: UntitledEnumItems {
                values,
                ..UntitledEnumItems::default()
            },
            ..Self::default()
        }
    }
}

impl TitledMultiSelectEnumSchema {
    /// Several choices among titled options.
    pub fn new(options: Vec<EnumOption>) -> Self {
        Self {
            items: TitledEnumItems {
                options,
                extra: JsonObject::new(),
            },
            ..Self::default()
        }
    }
}

schema_builders!(
    StringSchema => String,
    NumberSchema => serde_json::Number,
    BooleanSchema => bool,
    UntitledSingleSelectEnumSchema => String,
    TitledSingleSelectEnumSchema => String,
    LegacyTitledEnumSchema => String,
    UntitledMultiSelectEnumSchema => Vec<String>,
    TitledMultiSelectEnumSchema => Vec<String>
);

/// A field of a form (`PrimitiveSchemaDefinition`). Serialized as the inner schema;
/// deserialized by `type` and by which of `oneOf`, `enum`, `enumNames`, `items.anyOf` it has.
///
/// ```
/// use oxmcp_types::elicitation::PrimitiveSchemaDefinition;
/// let s: PrimitiveSchemaDefinition = serde_json::from_value(serde_json::json!({
///     "type": "array", "items": {"anyOf": [{"const": "r", "title": "Red"}]}
/// })).unwrap();
/// assert!(matches!(s, PrimitiveSchemaDefinition::TitledMultiSelectEnum(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum PrimitiveSchemaDefinition {
    /// A string.
    String(StringSchema),
    /// A number or an integer.
    Number(NumberSchema),
    /// A boolean.
    Boolean(BooleanSchema),
    /// One of plain values.
    UntitledSingleSelectEnum(UntitledSingleSelectEnumSchema),
    /// One of titled values.
    TitledSingleSelectEnum(TitledSingleSelectEnumSchema),
    /// Several of plain values.
    UntitledMultiSelectEnum(UntitledMultiSelectEnumSchema),
    /// Several of titled values.
    TitledMultiSelectEnum(TitledMultiSelectEnumSchema),
    /// One of values with `enumNames` (deprecated).
    LegacyTitledEnum(LegacyTitledEnumSchema),
}

impl PrimitiveSchemaDefinition {
    /// Whether this is one of the enum schemas (`EnumSchema`).
    pub fn is_enum(&self) -> bool {
        !matches!(self, Self::String(_) | Self::Number(_) | Self::Boolean(_))
    }

    /// Whether the answer is an array of strings.
    pub fn is_multi_select(&self) -> bool {
        matches!(
            self,
            Self::UntitledMultiSelectEnum(_) | Self::TitledMultiSelectEnum(_)
        )
    }
}

impl<'de> Deserialize<'de> for PrimitiveSchemaDefinition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (kind, value) = crate::wire::take_tagged(d, "type")?;
        let has = |key: &str| value.get(key).is_some();
        let res = match kind.as_str() {
            "string" if has("oneOf") => {
                serde_json::from_value(value).map(Self::TitledSingleSelectEnum)
            }
            "string" if has("enumNames") => {
                serde_json::from_value(value).map(Self::LegacyTitledEnum)
            }
            "string" if has("enum") => {
                serde_json::from_value(value).map(Self::UntitledSingleSelectEnum)
            }
            "string" => serde_json::from_value(value).map(Self::String),
            "number" | "integer" => serde_json::from_value(value).map(Self::Number),
            "boolean" => serde_json::from_value(value).map(Self::Boolean),
            "array" if value.pointer("/items/anyOf").is_some() => {
                serde_json::from_value(value).map(Self::TitledMultiSelectEnum)
            }
            "array" => serde_json::from_value(value).map(Self::UntitledMultiSelectEnum),
            other => {
                return Err(serde::de::Error::unknown_variant(
                    other,
                    &["string", "number", "integer", "boolean", "array"],
                ));
            }
        };
        res.map_err(serde::de::Error::custom)
    }
}

/// Declares `From<schema> for PrimitiveSchemaDefinition`.
macro_rules! primitive_from {
    ($($variant:ident($ty:ty)),*) => {$(
        impl From<$ty> for PrimitiveSchemaDefinition {
            fn from(v: $ty) -> Self {
                Self::$variant(v)
            }
        }
    )*};
}

primitive_from!(
    String(StringSchema),
    Number(NumberSchema),
    Boolean(BooleanSchema),
    UntitledSingleSelectEnum(UntitledSingleSelectEnumSchema),
    TitledSingleSelectEnum(TitledSingleSelectEnumSchema),
    UntitledMultiSelectEnum(UntitledMultiSelectEnumSchema),
    TitledMultiSelectEnum(TitledMultiSelectEnumSchema),
    LegacyTitledEnum(LegacyTitledEnumSchema)
);
