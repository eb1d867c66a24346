//! `KEY=VALUE` arguments typed by a tool's input schema.
//!
//! `KEY=VALUE` takes the type the schema gives the property: `integer`, `number`,
//! `boolean`, `string`, `array` (a JSON array, or comma-separated items typed by `items`),
//! `object` (JSON). A property the schema does not type stays a string. `KEY:=JSON` gives
//! the value as raw JSON, whatever the schema says.

use serde_json::{Map, Number, Value};

/// Builds the `arguments` object of a call from `KEY=VALUE` words.
pub(crate) fn typed_arguments(
    words: &[String],
    schema: &Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let properties = schema.get("properties").and_then(Value::as_object);
    let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
    let mut out = Map::new();
    for word in words {
        let (key, value) = parse_word(word, properties, closed)?;
        if out.insert(key.clone(), value).is_some() {
            return Err(format!("argument `{key}` is given twice"));
        }
    }
    check_required(&out, schema)?;
    Ok(out)
}

/// `KEY=VALUE` or `KEY:=JSON`, without a schema: values are strings (prompts).
pub(crate) fn string_arguments(words: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut seen = std::collections::BTreeSet::new();
    words
        .iter()
        .map(|word| {
            let (key, value) = word
                .split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| format!("`{word}` is not KEY=VALUE"))?;
            if !seen.insert(key.to_owned()) {
                return Err(format!("argument `{key}` is given twice"));
            }
            Ok((key.to_owned(), value.to_owned()))
        })
        .collect()
}

fn parse_word(
    word: &str,
    properties: Option<&Map<String, Value>>,
    closed: bool,
) -> Result<(String, Value), String> {
    let (key, value) = word
        .split_once('=')
        .filter(|(k, _)| !k.is_empty() && *k != ":")
        .ok_or_else(|| format!("`{word}` is not KEY=VALUE (or KEY:=JSON)"))?;
    if let Some(key) = key.strip_suffix(':') {
        let json = serde_json::from_str(value).map_err(|e| format!("`{key}:=` needs JSON: {e}"))?;
        return Ok((key.to_owned(), json));
    }
    let property = properties.and_then(|p| p.get(key));
    if property.is_none() && closed {
        let known: Vec<&str> = properties
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(format!(
            "the tool has no argument `{key}` (it takes: {})",
            known.join(", ")
        ));
    }
    let value = match property {
        Some(schema) => typed(key, value, schema)?,
        None => Value::String(value.to_owned()),
    };
    Ok((key.to_owned(), value))
}

/// The JSON type a property schema names: `type` (the first that is not `null`), or the
/// type of its `enum`/`const` values, or of its first `anyOf`/`oneOf` branch that has one.
pub(crate) fn schema_type(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => return Some(t),
        Some(Value::Array(types)) => {
            return types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null");
        }
        _ => {}
    }
    let example = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
        .or_else(|| schema.get("const"));
    if let Some(example) = example {
        return Some(match example {
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            _ => return None,
        });
    }
    ["anyOf", "oneOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .find_map(schema_type)
}

fn typed(key: &str, text: &str, schema: &Value) -> Result<Value, String> {
    let wrong = |what: &str| format!("argument `{key}` must be {what}, not `{text}`");
    Ok(match schema_type(schema) {
        Some("integer") => {
            Value::Number(text.parse::<i64>().map_err(|_| wrong("an integer"))?.into())
        }
        Some("number") => {
            let n: f64 = text.parse().map_err(|_| wrong("a number"))?;
            Value::Number(Number::from_f64(n).ok_or_else(|| wrong("a finite number"))?)
        }
        Some("boolean") => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(wrong("true or false")),
        },
        Some("array") if text.trim_start().starts_with('[') => {
            serde_json::from_str(text).map_err(|e| format!("argument `{key}`: {e}"))?
        }
        Some("array") => {
            let items = schema.get("items").cloned().unwrap_or(Value::Null);
            let parts = if text.is_empty() {
                Vec::new()
            } else {
                text.split(',').collect()
            };
            Value::Array(
                parts
                    .into_iter()
                    .map(|p| typed(key, p, &items))
                    .collect::<Result<_, _>>()?,
            )
        }
        Some("object") => {
            let v: Value = serde_json::from_str(text).map_err(|_| wrong("a JSON object"))?;
            if !v.is_object() {
                return Err(wrong("a JSON object"));
            }
            v
        }
        Some("null") if text == "null" => Value::Null,
        _ => Value::String(text.to_owned()),
    })
}

fn check_required(args: &Map<String, Value>, schema: &Map<String, Value>) -> Result<(), String> {
    let required = schema.get("required").and_then(Value::as_array);
    let missing: Vec<&str> = required
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|name| !args.contains_key(*name))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "missing required argument(s): {}",
        missing.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Map<String, Value> {
        json!({
            "type": "object",
            "properties": {
                "a": {"type": "number"},
                "n": {"type": "integer"},
                "flag": {"type": "boolean"},
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "integer"}},
                "opt": {"type": ["null", "integer"]},
                "color": {"enum": ["red", "blue"]},
                "obj": {"type": "object"},
                "any": {}
            },
            "required": ["a"]
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn values_take_the_schema_type() {
        let args = typed_arguments(
            &words(&[
                "a=1.5",
                "n=7",
                "flag=true",
                "name=42",
                "tags=1,2",
                "opt=3",
                "color=red",
                "obj={\"k\":1}",
                "any=5",
                "raw:=[1,\"x\"]",
                "extra=x=y",
            ]),
            &schema(),
        )
        .unwrap();
        assert_eq!(
            Value::Object(args),
            json!({"a": 1.5, "n": 7, "flag": true, "name": "42", "tags": [1, 2], "opt": 3,
                   "color": "red", "obj": {"k": 1}, "any": "5", "raw": [1, "x"], "extra": "x=y"})
        );
        let args = typed_arguments(&words(&["a=2", "tags=[3]"]), &schema()).unwrap();
        assert_eq!(args["tags"], json!([3]));
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        for (w, needle) in [
            (vec!["a=x"], "must be a number"),
            (vec!["a=1", "n=1.5"], "must be an integer"),
            (vec!["a=1", "flag=yes"], "true or false"),
            (vec!["a=1", "tags=1,x"], "must be an integer"),
            (vec!["a=1", "obj=[1]"], "JSON object"),
            (vec!["a=1", "raw:=nope"], "needs JSON"),
            (vec!["a=1", "a=2"], "twice"),
            (vec!["n=1"], "missing required argument(s): a"),
            (vec!["novalue"], "not KEY=VALUE"),
            (vec!["=x"], "not KEY=VALUE"),
            (vec!["a=inf"], "finite"),
        ] {
            let e = typed_arguments(&words(&w), &schema()).unwrap_err();
            assert!(e.contains(needle), "{w:?}: {e}");
        }
    }

    #[test]
    fn a_closed_schema_refuses_unknown_keys() {
        let mut s = schema();
        s.insert("additionalProperties".into(), Value::Bool(false));
        let e = typed_arguments(&words(&["a=1", "zzz=1"]), &s).unwrap_err();
        assert!(e.contains("no argument `zzz`"), "{e}");
    }

    #[test]
    fn prompt_arguments_are_strings() {
        assert_eq!(
            string_arguments(&words(&["name=Ada", "n=1"])).unwrap(),
            vec![("name".into(), "Ada".into()), ("n".into(), "1".into())]
        );
        assert!(string_arguments(&words(&["x"])).is_err());
        assert!(string_arguments(&words(&["x=1", "x=2"])).is_err());
    }
}
