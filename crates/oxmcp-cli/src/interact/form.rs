//! Form-mode elicitation at the terminal: one question per field, typed by the requested
//! schema (strings, numbers, integers, booleans, single and multiple choice), defaults
//! offered, required fields insisted on, the answer validated against the schema.

use std::collections::BTreeMap;

use oxmcp_core::client::FormElicitation;
use oxmcp_types::ElicitResult;
use oxmcp_types::elicitation::{ElicitAction, ElicitValue};
use serde_json::{Map, Value};

use super::{Answer, ask_line, declined};
use crate::args::schema_type;

/// What the person answered for the whole form.
pub(crate) async fn answer(form: FormElicitation, how: Answer) -> ElicitResult {
    let schema = serde_json::to_value(&form.params.requested_schema).unwrap_or(Value::Null);
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    eprintln!("\n{} asks: {}", form.server.name, form.params.message);
    if let Some(e) = &form.previous_error {
        eprintln!("  (the previous answer was refused: {e})");
    }
    match how {
        Answer::Decline => {
            eprintln!("  declined (--decline, or no terminal to ask at)");
            declined()
        }
        Answer::Yes => with_defaults(&form, &properties, &required),
        Answer::Ask => ask_all(&form, &properties, &required).await,
    }
}

/// `--yes`: every field's default; declined when a required field has none.
pub(crate) fn with_defaults(
    form: &FormElicitation,
    properties: &Map<String, Value>,
    required: &[String],
) -> ElicitResult {
    let mut content = BTreeMap::new();
    for (name, schema) in properties {
        match schema
            .get("default")
            .and_then(|d| serde_json::from_value::<ElicitValue>(d.clone()).ok())
        {
            Some(value) => {
                content.insert(name.clone(), value);
            }
            None if required.contains(name) => {
                eprintln!("  declined: --yes, but required field `{name}` has no default");
                return declined();
            }
            None => {}
        }
    }
    if let Err(e) = form.validate(&content) {
        eprintln!("  declined: the defaults do not satisfy the form: {e}");
        return declined();
    }
    eprintln!("  accepted with the defaults (--yes)");
    ElicitResult::accept(content)
}

async fn ask_all(
    form: &FormElicitation,
    properties: &Map<String, Value>,
    required: &[String],
) -> ElicitResult {
    eprintln!("  (answer each field; `!decline` or `!cancel` at any question, Ctrl-D cancels)");
    loop {
        let mut content = BTreeMap::new();
        for (name, schema) in properties {
            match ask_field(name, schema, required.contains(name)).await {
                Field::Value(Some(v)) => {
                    content.insert(name.clone(), v);
                }
                Field::Value(None) => {}
                Field::Stop(action) => return ElicitResult::new(action),
            }
        }
        match form.validate(&content) {
            Ok(()) => return ElicitResult::accept(content),
            Err(e) => eprintln!("  that does not fit the form: {e}; again:"),
        }
    }
}

enum Field {
    Value(Option<ElicitValue>),
    Stop(ElicitAction),
}

async fn ask_field(name: &str, schema: &Value, required: bool) -> Field {
    let label = schema.get("title").and_then(Value::as_str).unwrap_or(name);
    if let Some(d) = schema.get("description").and_then(Value::as_str) {
        eprintln!("  {label}: {d}");
    }
    let choices = choices(schema);
    for (i, (value, title)) in choices.iter().enumerate() {
        eprintln!(
            "    {}) {title}{}",
            i + 1,
            if title == value {
                String::new()
            } else {
                format!(" ({value})")
            }
        );
    }
    let kind = if schema_type(schema) == Some("array") {
        "several: 1,3"
    } else {
        schema_type(schema).unwrap_or("string")
    };
    let default = schema.get("default").map(|d| match d {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let prompt = format!(
        "  {label}{} ({kind}){}: ",
        if required { "*" } else { "" },
        default
            .as_ref()
            .map(|d| format!(" [{d}]"))
            .unwrap_or_default()
    );
    loop {
        let Some(line) = ask_line(&prompt).await else {
            return Field::Stop(ElicitAction::Cancel);
        };
        let line = line.trim();
        match line {
            "!decline" => return Field::Stop(ElicitAction::Decline),
            "!cancel" => return Field::Stop(ElicitAction::Cancel),
            "" if schema.get("default").is_some() => {
                return Field::Value(
                    schema
                        .get("default")
                        .and_then(|d| serde_json::from_value(d.clone()).ok()),
                );
            }
            "" if !required => return Field::Value(None),
            "" => eprintln!("  required"),
            text => match parse_field(text, schema, &choices) {
                Ok(v) => return Field::Value(Some(v)),
                Err(e) => eprintln!("  {e}"),
            },
        }
    }
}

/// (value, title) of a single or multiple choice field.
pub(crate) fn choices(schema: &Value) -> Vec<(String, String)> {
    let base = if schema_type(schema) == Some("array") {
        schema.get("items").unwrap_or(&Value::Null)
    } else {
        schema
    };
    if let Some(one_of) = base
        .get("oneOf")
        .or_else(|| base.get("anyOf"))
        .and_then(Value::as_array)
    {
        return one_of
            .iter()
            .filter_map(|o| {
                let value = o.get("const")?.as_str()?.to_owned();
                let title = o
                    .get("title")
                    .and_then(Value::as_str)
                    .unwrap_or(&value)
                    .to_owned();
                Some((value, title))
            })
            .collect();
    }
    let names = schema.get("enumNames").and_then(Value::as_array);
    base.get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| {
            let value = v.as_str()?.to_owned();
            let title = names
                .and_then(|n| n.get(i))
                .and_then(Value::as_str)
                .unwrap_or(&value)
                .to_owned();
            Some((value, title))
        })
        .collect()
}

/// One typed answer.
pub(crate) fn parse_field(
    text: &str,
    schema: &Value,
    choices: &[(String, String)],
) -> Result<ElicitValue, String> {
    let pick = |t: &str| -> Result<String, String> {
        let t = t.trim();
        if let Ok(n) = t.parse::<usize>()
            && (1..=choices.len()).contains(&n)
        {
            return Ok(choices[n - 1].0.clone());
        }
        choices
            .iter()
            .find(|(v, title)| v == t || title == t)
            .map(|(v, _)| v.clone())
            .ok_or_else(|| format!("`{t}` is not one of the choices"))
    };
    match schema_type(schema) {
        Some("array") => text
            .split(',')
            .map(pick)
            .collect::<Result<_, _>>()
            .map(ElicitValue::StringArray),
        _ if !choices.is_empty() => pick(text).map(ElicitValue::String),
        Some("boolean") => match text {
            "y" | "yes" | "true" => Ok(ElicitValue::Boolean(true)),
            "n" | "no" | "false" => Ok(ElicitValue::Boolean(false)),
            _ => Err("answer y or n".into()),
        },
        Some("integer") => text
            .parse::<i64>()
            .map(|n| ElicitValue::Number(n.into()))
            .map_err(|_| "an integer, please".into()),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(ElicitValue::Number)
            .ok_or_else(|| "a number, please".into()),
        _ => Ok(ElicitValue::String(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_are_typed() {
        let color =
            json!({"type": "string", "enum": ["red", "green"], "enumNames": ["Red", "Green"]});
        let c = choices(&color);
        assert_eq!(
            c,
            vec![
                ("red".into(), "Red".into()),
                ("green".into(), "Green".into())
            ]
        );
        assert_eq!(
            parse_field("2", &color, &c),
            Ok(ElicitValue::String("green".into()))
        );
        assert_eq!(
            parse_field("Red", &color, &c),
            Ok(ElicitValue::String("red".into()))
        );
        assert!(parse_field("blue", &color, &c).is_err());
        assert!(parse_field("3", &color, &c).is_err());
        let multi = json!({"type": "array", "items": {"anyOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]}});
        let c = choices(&multi);
        assert_eq!(
            parse_field("1,b", &multi, &c),
            Ok(ElicitValue::StringArray(vec!["a".into(), "b".into()]))
        );
        let flag = json!({"type": "boolean"});
        assert_eq!(parse_field("y", &flag, &[]), Ok(ElicitValue::Boolean(true)));
        assert!(parse_field("maybe", &flag, &[]).is_err());
        let age = json!({"type": "integer"});
        assert_eq!(
            parse_field("42", &age, &[]),
            Ok(ElicitValue::Number(42.into()))
        );
        assert!(parse_field("4.2", &age, &[]).is_err());
        assert!(parse_field("x", &json!({"type": "number"}), &[]).is_err());
        assert_eq!(
            parse_field("hi", &json!({"type": "string"}), &[]),
            Ok(ElicitValue::String("hi".into()))
        );
    }
}
