//! The shared checks: tool-use balance, form schemas derived from Rust types, form answers.

use std::collections::BTreeMap;

use oxmcp_core::validate::{
    FieldProblem, FormSchemaError, ToolBalanceError, check_tool_balance, form_schema_for,
    validate_form_answer,
};
use oxmcp_types::elicitation::{ElicitValue, PrimitiveSchemaDefinition as P};
use oxmcp_types::sampling::SamplingMessage;
use oxmcp_types::{Role, SamplingMessageContentBlock as B, ToolResultContent, ToolUseContent};
use serde_json::json;

fn uses(ids: &[&str]) -> SamplingMessage {
    let blocks = ids
        .iter()
        .map(|id| B::from(ToolUseContent::new(*id, "t", Default::default())))
        .collect::<Vec<_>>();
    SamplingMessage::new(Role::Assistant, blocks)
}

fn results(ids: &[&str]) -> SamplingMessage {
    let blocks = ids
        .iter()
        .map(|id| B::from(ToolResultContent::new(*id, vec![])))
        .collect::<Vec<_>>();
    SamplingMessage::new(Role::User, blocks)
}

#[test]
fn tool_balance_rules() {
    let q = SamplingMessage::user_text("q");
    let ok = [
        q.clone(),
        uses(&["a", "b"]),
        results(&["b", "a"]),
        uses(&["c"]),
        results(&["c"]),
    ];
    assert_eq!(check_tool_balance(&ok), Ok(()));
    assert_eq!(check_tool_balance(std::slice::from_ref(&q)), Ok(()));

    let partial = [q.clone(), uses(&["a", "b"]), results(&["a"])];
    assert_eq!(
        check_tool_balance(&partial),
        Err(ToolBalanceError::ToolResultMissing {
            message: 1,
            tool_use_ids: vec!["b".into()]
        })
    );
    let trailing = [q.clone(), uses(&["a"])];
    assert!(matches!(
        check_tool_balance(&trailing),
        Err(ToolBalanceError::ToolResultMissing { .. })
    ));
    let stray = [q, results(&["x"])];
    assert!(matches!(
        check_tool_balance(&stray),
        Err(ToolBalanceError::UnexpectedToolResult { message: 1, .. })
    ));
    let wrong_id = [uses(&["a"]), results(&["a", "z"])];
    assert!(matches!(
        check_tool_balance(&wrong_id),
        Err(ToolBalanceError::UnexpectedToolResult { .. })
    ));
    let mut mixed = results(&["a"]);
    mixed.content = vec![B::from(ToolResultContent::new("a", vec![])), B::text("x")].into();
    assert_eq!(
        check_tool_balance(&[uses(&["a"]), mixed]),
        Err(ToolBalanceError::MixedContent { message: 1 })
    );
    let dup = [uses(&["a", "a"]), results(&["a"])];
    assert!(matches!(
        check_tool_balance(&dup),
        Err(ToolBalanceError::DuplicateToolUseId { .. })
    ));
    let mut user_use = uses(&["a"]);
    user_use.role = Role::User;
    assert!(matches!(
        check_tool_balance(&[user_use]),
        Err(ToolBalanceError::WrongRole {
            block: "tool_use",
            ..
        })
    ));
}

/// Sizes.
#[derive(schemars::JsonSchema, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Size {
    /// Small one
    Small,
    #[schemars(title = "Large!")]
    Large,
}

#[derive(schemars::JsonSchema, serde::Deserialize, serde::Serialize)]
enum Color {
    Red,
    Green,
}

/// An order.
#[derive(schemars::JsonSchema, serde::Deserialize)]
#[expect(dead_code, reason = "only the schema matters")]
struct Order {
    /// Who orders.
    #[schemars(title = "Name", length(min = 1, max = 20))]
    name: String,
    #[schemars(url)]
    site: Option<String>,
    #[schemars(extend("format" = "date"))]
    when: String,
    quantity: u8,
    price: f64,
    #[serde(default = "yes")]
    gift: bool,
    size: Option<Size>,
    color: Color,
    extras: Vec<Size>,
    #[serde(default = "red")]
    #[schemars(length(max = 2))]
    colors: Vec<Color>,
}

fn yes() -> bool {
    true
}

fn red() -> Vec<Color> {
    vec![Color::Red]
}

#[test]
fn form_schema_of_a_rich_struct() {
    let form = form_schema_for::<Order>().unwrap();
    let json = serde_json::to_value(&form).unwrap();
    let p = &json["properties"];
    assert_eq!(
        p["name"],
        json!({"type": "string", "title": "Name", "description": "Who orders.", "minLength": 1, "maxLength": 20})
    );
    assert_eq!(p["site"], json!({"type": "string", "format": "uri"}));
    assert_eq!(p["when"]["format"], "date");
    assert_eq!(
        p["quantity"],
        json!({"type": "integer", "minimum": 0, "maximum": 255})
    );
    assert_eq!(p["price"], json!({"type": "number"}));
    assert_eq!(p["gift"], json!({"type": "boolean", "default": true}));
    assert!(matches!(
        form.properties["size"],
        P::TitledSingleSelectEnum(_)
    ));
    assert_eq!(
        p["size"]["oneOf"],
        json!([{"const": "small", "title": "Small one"}, {"const": "large", "title": "Large!"}])
    );
    assert_eq!(p["size"]["description"], "Sizes.");
    assert_eq!(
        p["color"],
        json!({"type": "string", "enum": ["Red", "Green"]})
    );
    assert!(matches!(
        form.properties["extras"],
        P::TitledMultiSelectEnum(_)
    ));
    assert_eq!(
        p["colors"],
        json!({"type": "array", "items": {"type": "string", "enum": ["Red", "Green"]}, "maxItems": 2, "default": ["Red"]})
    );
    let mut required = form.required.unwrap();
    required.sort();
    assert_eq!(
        required,
        ["color", "extras", "name", "price", "quantity", "when"]
    );
}

#[test]
fn types_without_a_form_are_refused() {
    #[derive(schemars::JsonSchema)]
    #[expect(dead_code, reason = "only the schema matters")]
    struct WithList {
        tags: Vec<String>,
    }
    #[derive(schemars::JsonSchema)]
    #[expect(dead_code, reason = "only the schema matters")]
    enum NotAStruct {
        A,
    }
    #[derive(schemars::JsonSchema)]
    #[expect(dead_code, reason = "only the schema matters")]
    enum WithData {
        A(u8),
    }
    #[derive(schemars::JsonSchema)]
    #[expect(dead_code, reason = "only the schema matters")]
    struct Choice {
        pick: WithData,
    }
    assert!(
        matches!(form_schema_for::<WithList>(), Err(FormSchemaError::UnsupportedField { ref field, .. }) if field == "tags")
    );
    assert_eq!(
        form_schema_for::<NotAStruct>(),
        Err(FormSchemaError::NotAnObject)
    );
    assert!(matches!(
        form_schema_for::<Choice>(),
        Err(FormSchemaError::UnsupportedField { .. })
    ));
    assert!(form_schema_for::<BTreeMap<String, String>>().is_ok_and(|f| f.properties.is_empty()));
}

fn values(v: serde_json::Value) -> BTreeMap<String, ElicitValue> {
    serde_json::from_value(v).unwrap()
}

#[test]
fn form_answers_are_checked_field_by_field() {
    let form = form_schema_for::<Order>().unwrap();
    let good = values(json!({
        "name": "Ada", "when": "2025-11-25", "quantity": 3, "price": 9.5, "color": "Red",
        "extras": ["small"], "colors": ["Red", "Green"], "site": "https://example.com", "size": "large"
    }));
    assert_eq!(validate_form_answer(&form, &good), Ok(()));

    let bad = values(json!({
        "name": "", "when": "yesterday", "quantity": 300, "price": "cheap", "color": "Blue",
        "extras": ["small", "small"], "colors": ["Red", "Green", "Red"], "site": "not a uri",
        "unknown": true
    }));
    let err = validate_form_answer(&form, &bad).unwrap_err();
    let problems: BTreeMap<_, _> = err
        .errors
        .iter()
        .map(|e| (e.field.as_str(), &e.problem))
        .collect();
    assert_eq!(problems["name"], &FieldProblem::TooShort { min: 1 });
    assert!(matches!(
        problems["when"],
        FieldProblem::InvalidFormat { .. }
    ));
    assert!(matches!(
        problems["quantity"],
        FieldProblem::AboveMaximum { .. }
    ));
    assert_eq!(
        problems["price"],
        &FieldProblem::WrongType {
            expected: "a number"
        }
    );
    assert_eq!(
        problems["color"],
        &FieldProblem::NotAChoice {
            value: "Blue".into()
        }
    );
    assert_eq!(
        problems["extras"],
        &FieldProblem::DuplicateChoice {
            value: "small".into()
        }
    );
    assert_eq!(
        problems["colors"],
        &FieldProblem::DuplicateChoice {
            value: "Red".into()
        }
    );
    assert!(matches!(
        problems["site"],
        FieldProblem::InvalidFormat { .. }
    ));
    assert_eq!(problems["unknown"], &FieldProblem::Unknown);

    let missing = validate_form_answer(&form, &values(json!({}))).unwrap_err();
    assert!(
        missing
            .errors
            .iter()
            .all(|e| e.problem == FieldProblem::Missing)
    );
    assert_eq!(missing.errors.len(), 6);
    let fraction = values(json!({"quantity": 1.5}));
    let err = validate_form_answer(&form, &fraction).unwrap_err();
    assert!(err.errors.iter().any(|e| e.problem
        == FieldProblem::WrongType {
            expected: "an integer"
        }));
}
