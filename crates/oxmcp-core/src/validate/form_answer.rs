//! Validating form-mode elicitation answers against the `requestedSchema`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use oxmcp_types::elicitation::{
    ElicitValue, ElicitationSchema, EnumOption, NumberSchema, NumberType,
    PrimitiveSchemaDefinition, StringFormat, StringSchema,
};

/// What is wrong with one field of an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// A required field has no answer.
    #[error("is required")]
    Missing,
    /// The form has no such field.
    #[error("is not a field of the form")]
    Unknown,
    /// The value has the wrong JSON type.
    #[error("must be {expected}")]
    WrongType {
        /// What the schema asks for (`a string`, `an integer`, ...).
        expected: &'static str,
    },
    /// The value is not one of the choices.
    #[error("`{value}` is not one of the choices")]
    NotAChoice {
        /// The refused value.
        value: String,
    },
    /// A choice is repeated in a multi-select answer.
    #[error("`{value}` is chosen twice")]
    DuplicateChoice {
        /// The repeated value.
        value: String,
    },
    /// The string is shorter than `minLength` (counted in characters).
    #[error("must be at least {min} characters long")]
    TooShort {
        /// `minLength`.
        min: u64,
    },
    /// The string is longer than `maxLength`.
    #[error("must be at most {max} characters long")]
    TooLong {
        /// `maxLength`.
        max: u64,
    },
    /// The number is below `minimum`.
    #[error("must be at least {min}")]
    BelowMinimum {
        /// `minimum`.
        min: serde_json::Number,
    },
    /// The number is above `maximum`.
    #[error("must be at most {max}")]
    AboveMaximum {
        /// `maximum`.
        max: serde_json::Number,
    },
    /// The string does not match its `format`.
    #[error("is not a valid {format:?}")]
    InvalidFormat {
        /// The format.
        format: StringFormat,
    },
    /// Fewer choices than `minItems`.
    #[error("needs at least {min} choices")]
    TooFewChoices {
        /// `minItems`.
        min: u64,
    },
    /// More choices than `maxItems`.
    #[error("allows at most {max} choices")]
    TooManyChoices {
        /// `maxItems`.
        max: u64,
    },
}

/// One field of an answer and what is wrong with it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// The problem.
    pub problem: FieldProblem,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.problem)
    }
}

/// An answer that does not match the form, with every problem found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub struct FormAnswerError {
    /// The problems, by field name order.
    pub errors: Vec<FieldError>,
}

impl fmt::Display for FormAnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the answer does not match the form: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Checks a form answer against the form: required fields, unknown fields, types, choices,
/// bounds, lengths and string formats (email, uri, date, date-time).
///
/// ```
/// use std::collections::BTreeMap;
/// use oxmcp_core::validate::{validate_form_answer, FieldProblem};
/// use oxmcp_types::elicitation::{ElicitValue, ElicitationSchema, StringFormat, StringSchema};
///
/// let form = ElicitationSchema::new()
///     .with_field("email", StringSchema::new().with_format(StringFormat::Email), true);
/// let answer = BTreeMap::from([("email".to_owned(), ElicitValue::String("nope".into()))]);
/// let err = validate_form_answer(&form, &answer).unwrap_err();
/// assert!(matches!(err.errors[0].problem, FieldProblem::InvalidFormat { .. }));
/// ```
pub fn validate_form_answer(
    schema: &ElicitationSchema,
    content: &BTreeMap<String, ElicitValue>,
) -> Result<(), FormAnswerError> {
    let mut errors = Vec::new();
    for name in schema.required.iter().flatten() {
        if !content.contains_key(name) {
            errors.push(field_error(name, FieldProblem::Missing));
        }
    }
    for (name, value) in content {
        let problem = match schema.properties.get(name) {
            None => Some(FieldProblem::Unknown),
            Some(field) => check_field(field, value),
        };
        if let Some(problem) = problem {
            errors.push(field_error(name, problem));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        Err(FormAnswerError { errors })
    }
}

fn field_error(name: &str, problem: FieldProblem) -> FieldError {
    FieldError {
        field: name.to_owned(),
        problem,
    }
}

fn check_field(field: &PrimitiveSchemaDefinition, value: &ElicitValue) -> Option<FieldProblem> {
    use PrimitiveSchemaDefinition as P;
    match field {
        P::String(s) => check_string(s, value),
        P::Number(n) => check_number(n, value),
        P::Boolean(_) => {
            (!matches!(value, ElicitValue::Boolean(_))).then_some(FieldProblem::WrongType {
                expected: "a boolean",
            })
        }
        P::UntitledSingleSelectEnum(e) => check_choice(value, e.values.iter()),
        P::LegacyTitledEnum(e) => check_choice(value, e.values.iter()),
        P::TitledSingleSelectEnum(e) => check_choice(value, option_values(&e.options)),
        P::UntitledMultiSelectEnum(e) => check_choices(
            value,
            &e.items.values.iter().collect::<Vec<_>>(),
            (e.min_items, e.max_items),
        ),
        P::TitledMultiSelectEnum(e) => check_choices(
            value,
            &option_values(&e.items.options).collect::<Vec<_>>(),
            (e.min_items, e.max_items),
        ),
        // A schema of a later revision: nothing known to check.
        _ => None,
    }
}

fn option_values(options: &[EnumOption]) -> impl Iterator<Item = &String> {
    options.iter().map(|o| &o.value)
}

fn check_string(s: &StringSchema, value: &ElicitValue) -> Option<FieldProblem> {
    let ElicitValue::String(text) = value else {
        return Some(FieldProblem::WrongType {
            expected: "a string",
        });
    };
    let len = text.chars().count() as u64;
    if let Some(min) = s.min_length.filter(|min| len < *min) {
        return Some(FieldProblem::TooShort { min });
    }
    if let Some(max) = s.max_length.filter(|max| len > *max) {
        return Some(FieldProblem::TooLong { max });
    }
    let format = s.format?;
    (!format_is_valid(format, text)).then_some(FieldProblem::InvalidFormat { format })
}

/// Whether `text` is a valid string of `format` (`email`, `uri`, `date`, `date-time`), as a
/// form answer's field is checked (the `jsonschema` crate's format validators, compiled once).
///
/// ```
/// use oxmcp_core::validate::format_is_valid;
/// use oxmcp_types::elicitation::StringFormat;
///
/// assert!(format_is_valid(StringFormat::Uri, "https://example.com/consent"));
/// assert!(!format_is_valid(StringFormat::Uri, "not a uri"));
/// ```
pub fn format_is_valid(format: StringFormat, text: &str) -> bool {
    static VALIDATORS: OnceLock<Vec<(StringFormat, Option<jsonschema::Validator>)>> =
        OnceLock::new();
    let validators = VALIDATORS.get_or_init(|| {
        [
            (StringFormat::Email, "email"),
            (StringFormat::Uri, "uri"),
            (StringFormat::Date, "date"),
            (StringFormat::DateTime, "date-time"),
        ]
        .into_iter()
        .map(|(f, name)| {
            let schema = serde_json::json!({ "type": "string", "format": name });
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .ok();
            (f, validator)
        })
        .collect()
    });
    validators
        .iter()
        .find(|(f, _)| *f == format)
        .and_then(|(_, v)| v.as_ref())
        .is_none_or(|v| v.is_valid(&serde_json::Value::String(text.to_owned())))
}

fn check_number(n: &NumberSchema, value: &ElicitValue) -> Option<FieldProblem> {
    let expected = match n.number_type {
        NumberType::Integer => "an integer",
        _ => "a number",
    };
    let ElicitValue::Number(number) = value else {
        return Some(FieldProblem::WrongType { expected });
    };
    let x = number.as_f64().unwrap_or(f64::NAN);
    if n.number_type == NumberType::Integer && x.fract() != 0.0 {
        return Some(FieldProblem::WrongType { expected });
    }
    let as_f64 = |b: &serde_json::Number| b.as_f64().unwrap_or(f64::NAN);
    if let Some(min) = n.minimum.as_ref().filter(|min| x < as_f64(min)) {
        return Some(FieldProblem::BelowMinimum { min: min.clone() });
    }
    if let Some(max) = n.maximum.as_ref().filter(|max| x > as_f64(max)) {
        return Some(FieldProblem::AboveMaximum { max: max.clone() });
    }
    None
}

fn check_choice<'a>(
    value: &ElicitValue,
    mut allowed: impl Iterator<Item = &'a String>,
) -> Option<FieldProblem> {
    let ElicitValue::String(chosen) = value else {
        return Some(FieldProblem::WrongType {
            expected: "a string",
        });
    };
    (!allowed.any(|a| a == chosen)).then(|| FieldProblem::NotAChoice {
        value: chosen.clone(),
    })
}

fn check_choices(
    value: &ElicitValue,
    allowed: &[&String],
    (min, max): (Option<u64>, Option<u64>),
) -> Option<FieldProblem> {
    let ElicitValue::StringArray(chosen) = value else {
        return Some(FieldProblem::WrongType {
            expected: "an array of strings",
        });
    };
    for (i, c) in chosen.iter().enumerate() {
        if !allowed.contains(&c) {
            return Some(FieldProblem::NotAChoice { value: c.clone() });
        }
        if chosen[..i].contains(c) {
            return Some(FieldProblem::DuplicateChoice { value: c.clone() });
        }
    }
    let count = chosen.len() as u64;
    if let Some(min) = min.filter(|min| count < *min) {
        return Some(FieldProblem::TooFewChoices { min });
    }
    max.filter(|max| count > *max)
        .map(|max| FieldProblem::TooManyChoices { max })
}
