//! Only the formats JSON Schema defines: `schemars` marks Rust's numeric types with formats
//! of its own (`"uint64"`, `"int32"`, `"double"`, ...), which clients validating with a
//! strict JSON Schema library warn about on every call. They are dropped from generated
//! schemas, and the range a numeric format implies becomes `minimum`/`maximum`.

use schemars::Schema;
use schemars::transform::transform_subschemas;
use serde_json::Value;

/// The `format` values the JSON Schema 2020-12 validation vocabulary defines.
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// The range a `schemars` integer format stands for, as `(minimum, maximum)`. The 128-bit
/// formats keep only the bound a JSON number can carry exactly (`minimum: 0` for unsigned).
fn integer_range(format: &str) -> (Option<Value>, Option<Value>) {
    match format {
        "int8" => (Some(i8::MIN.into()), Some(i8::MAX.into())),
        "int16" => (Some(i16::MIN.into()), Some(i16::MAX.into())),
        "int32" => (Some(i32::MIN.into()), Some(i32::MAX.into())),
        "int64" => (Some(i64::MIN.into()), Some(i64::MAX.into())),
        "int" => (
            Some((isize::MIN as i64).into()),
            Some((isize::MAX as i64).into()),
        ),
        "uint8" => (Some(0.into()), Some(u8::MAX.into())),
        "uint16" => (Some(0.into()), Some(u16::MAX.into())),
        "uint32" => (Some(0.into()), Some(u32::MAX.into())),
        "uint64" => (Some(0.into()), Some(u64::MAX.into())),
        "uint" => (Some(0.into()), Some((usize::MAX as u64).into())),
        "uint128" => (Some(0.into()), None),
        _ => (None, None),
    }
}

/// Drops every `format` JSON Schema does not define from `schema` and its subschemas,
/// adding the `minimum`/`maximum` an integer format implied (a bound already there is kept).
pub(crate) fn standard_formats(schema: &mut Schema) {
    if let Some(object) = schema.as_object_mut()
        && let Some(Value::String(format)) = object.get("format")
        && !STANDARD_FORMATS.contains(&format.as_str())
    {
        let (minimum, maximum) = integer_range(format);
        object.remove("format");
        if let Some(minimum) = minimum {
            object.entry("minimum").or_insert(minimum);
        }
        if let Some(maximum) = maximum {
            object.entry("maximum").or_insert(maximum);
        }
    }
    transform_subschemas(&mut standard_formats, schema);
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use schemars::JsonSchema;
    use serde_json::json;

    use crate::server::tools::{input_schema_for, output_schema_for};

    #[derive(JsonSchema, serde::Deserialize, serde::Serialize)]
    struct Numbers {
        a: u64,
        b: i32,
        c: f64,
        d: Option<u32>,
        e: Vec<usize>,
        f: u8,
        #[schemars(range(max = 10))]
        g: u16,
        when: Inner,
    }

    #[derive(JsonSchema, serde::Deserialize, serde::Serialize)]
    struct Inner {
        at: IpAddr,
        #[schemars(email)]
        mail: String,
        n: i64,
    }

    fn formats(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(object) => {
                if let Some(serde_json::Value::String(f)) = object.get("format") {
                    found.push(f.clone());
                }
                object.values().for_each(|v| formats(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| formats(v, found)),
            _ => {}
        }
    }

    #[test]
    fn only_standard_formats_remain_and_ranges_become_bounds() {
        for schema in [
            input_schema_for::<Numbers>().unwrap(),
            output_schema_for::<Numbers>().unwrap(),
        ] {
            let mut found = Vec::new();
            formats(&json!(schema), &mut found);
            assert_eq!(found, ["email"], "{schema:#?}");
            let p = &schema["properties"];
            assert_eq!(
                p["a"],
                json!({"type": "integer", "minimum": 0, "maximum": u64::MAX})
            );
            assert_eq!(p["b"]["minimum"], i32::MIN);
            assert_eq!(p["b"]["maximum"], i32::MAX);
            assert_eq!(p["c"], json!({"type": "number"}));
            assert_eq!(p["d"]["maximum"], u32::MAX);
            assert_eq!(p["e"]["items"]["minimum"], 0);
            assert_eq!(p["f"]["maximum"], 255);
            assert_eq!(p["g"]["maximum"], 10, "an explicit bound is kept");
            let inner = &schema["$defs"]["Inner"]["properties"];
            assert_eq!(inner["at"], json!({"type": "string"}));
            assert_eq!(inner["n"]["minimum"], i64::MIN);
        }
    }
}
