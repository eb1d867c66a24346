//! Version adaptation: targeted conversions. The schema checks in `coverage` validate every
//! adapted example against each older revision, including the unknown-member check.

use oxmcp_types::content::{ContentBlock, SamplingMessageContentBlock};
use oxmcp_types::elicitation::{ElicitRequestParams, ElicitValue, PrimitiveSchemaDefinition};
use oxmcp_types::sampling::SamplingContent;
use oxmcp_types::{AdaptToVersion, ProtocolVersion};
use serde_json::json;

use crate::fixtures as f;
use crate::schema::schema;

const V11: ProtocolVersion = ProtocolVersion::V2025_11_25;
const V06: ProtocolVersion = ProtocolVersion::V2025_06_18;
const V03: ProtocolVersion = ProtocolVersion::V2025_03_26;
const V24: ProtocolVersion = ProtocolVersion::V2024_11_05;

#[test]
fn adapting_to_the_latest_revision_changes_nothing() {
    assert_eq!(f::tool().adapted_to(V11), f::tool());
    assert_eq!(f::content_blocks().adapted_to(V11), f::content_blocks());
    assert_eq!(f::sampling_params().adapted_to(V11), f::sampling_params());
    assert_eq!(
        f::call_tool_results().adapted_to(V11),
        f::call_tool_results()
    );
    assert_eq!(f::client_caps().adapted_to(V11), f::client_caps());
    assert_eq!(f::elicit_results().adapted_to(V11), f::elicit_results());
}

#[test]
fn resource_links_become_text_before_2025_06_18() {
    let blocks = f::content_blocks().adapted_to(V03);
    assert!(
        blocks
            .iter()
            .all(|b| !matches!(b, ContentBlock::ResourceLink(_)))
    );
    let text = blocks[3].as_text().unwrap();
    assert!(
        text.contains("file:///project/readme.md") && text.contains("Read me"),
        "{text}"
    );
    assert!(matches!(
        f::content_blocks().adapted_to(V06)[3],
        ContentBlock::ResourceLink(_)
    ));
}

#[test]
fn audio_becomes_text_in_2024_11_05() {
    let blocks = f::content_blocks().adapted_to(V24);
    assert!(blocks[2].as_text().unwrap().contains("audio"));
    assert!(matches!(
        f::content_blocks().adapted_to(V03)[2],
        ContentBlock::Audio(_)
    ));
}

#[test]
fn tool_members_are_dropped_per_revision() {
    let t = f::tool().adapted_to(V06);
    assert!(t.execution.is_none() && t.icons.is_none());
    assert!(t.title.is_some() && t.output_schema.is_some());
    let t = f::tool().adapted_to(V03);
    assert!(t.title.is_none() && t.output_schema.is_none() && t.meta.is_none());
    assert!(t.annotations.is_some());
    assert!(f::tool().adapted_to(V24).annotations.is_none());
    assert_eq!(f::tool().adapted_to(V24).display_name(), "get_weather");
    let mut no_title = f::tool();
    no_title.title = None;
    assert_eq!(
        oxmcp_types::BaseMetadata::display_name(&no_title),
        "Weather tool"
    );
}

#[test]
fn structured_content_is_kept_as_text_when_content_is_empty() {
    let r = f::call_tool_results().adapted_to(V03);
    assert!(r.iter().all(|r| r.structured_content.is_none()));
    assert_eq!(r[2].content[0].as_text(), Some(r#"{"temperature":21}"#));
}

#[test]
fn sampling_content_is_reduced_to_one_block() {
    let p = f::sampling_params().adapted_to(V06);
    assert!(p.tools.is_none() && p.tool_choice.is_none() && p.task.is_none());
    for m in &p.messages {
        assert!(matches!(
            m.content,
            SamplingContent::Single(
                SamplingMessageContentBlock::Text(_) | SamplingMessageContentBlock::Audio(_)
            )
        ));
    }
    let SamplingContent::Single(SamplingMessageContentBlock::Text(t)) = &p.messages[4].content
    else {
        panic!()
    };
    assert_eq!(t.text, "hello\nmore");
    let r = f::sampling_results().adapted_to(V06);
    assert_eq!(r[3].stop_reason.as_deref(), Some("endTurn"));
}

#[test]
fn elicitation_is_reduced_to_2025_06_18_forms() {
    let ElicitRequestParams::Form(form) =
        ElicitRequestParams::from(f::elicit_url()).adapted_to(V06)
    else {
        panic!("URL mode must become form mode")
    };
    assert!(form.message.contains("https://example.com/connect?s=1"));
    let ElicitRequestParams::Form(form) =
        ElicitRequestParams::from(f::elicit_form()).adapted_to(V06)
    else {
        panic!()
    };
    let schema = &form.requested_schema;
    assert!(schema.schema.is_none());
    assert!(schema.properties.values().all(|p| !p.is_multi_select()));
    assert!(
        schema
            .properties
            .values()
            .all(|p| !matches!(p, PrimitiveSchemaDefinition::TitledSingleSelectEnum(_)))
    );
    let required = schema.required.as_ref().unwrap();
    assert!(required.iter().all(|r| schema.properties.contains_key(r)));
    let json = serde_json::to_value(&form).unwrap();
    assert!(json.get("mode").is_none(), "{json}");
    assert_eq!(
        json["requestedSchema"]["properties"]["field5"]["enumNames"],
        json!(["Red", "Green"])
    );
    let result = f::elicit_results().adapted_to(V06);
    let content = result[0].content.as_ref().unwrap();
    assert!(
        content
            .values()
            .all(|v| !matches!(v, ElicitValue::StringArray(_)))
    );
}

#[test]
fn capabilities_are_reduced() {
    let c = f::client_caps().adapted_to(V06);
    assert!(c.tasks.is_none());
    assert_eq!(serde_json::to_value(&c.elicitation).unwrap(), json!({}));
    assert!(f::client_caps().adapted_to(V03).elicitation.is_none());
    assert!(f::server_caps().adapted_to(V06).tasks.is_none());
    assert!(f::server_caps().adapted_to(V24).completions.is_none());
}

#[test]
fn every_adapted_fixture_has_only_members_of_its_revision() {
    // The same check as in `coverage`, spelled out for the richest payloads.
    for v in [V06, V03, V24] {
        let s = schema(v);
        let tool = serde_json::to_value(f::tool().adapted_to(v)).unwrap();
        assert!(s.unknown_members("Tool", &tool).is_empty(), "{v}: {tool}");
        assert!(s.validate("Tool", &tool).is_ok());
        let caps = serde_json::to_value(f::client_caps().adapted_to(v)).unwrap();
        assert!(
            s.unknown_members("ClientCapabilities", &caps).is_empty(),
            "{v}: {caps}"
        );
        let r = serde_json::to_value(f::get_prompt_result().adapted_to(v)).unwrap();
        assert!(
            s.unknown_members("GetPromptResult", &r).is_empty(),
            "{v}: {r}"
        );
        // And the checker does see a newer member.
        let raw = serde_json::to_value(f::tool()).unwrap();
        assert!(!s.unknown_members("Tool", &raw).is_empty(), "{v}");
    }
}
