//! Round trips: deserialize(serialize(x)) == x, and unknown members survive.

use oxmcp_types::ProtocolVersion;
use serde_json::{Value, json};

use crate::examples;

#[test]
fn every_example_round_trips() {
    for e in examples::all() {
        for v in ProtocolVersion::ALL {
            if !crate::schema::schema(v).defs().contains_key(e.def) {
                continue;
            }
            for inst in (e.build)(v) {
                assert_eq!((e.round_trip)(&inst), inst, "{} ({}) at {v}", e.def, e.rust);
            }
        }
    }
}

#[test]
fn unknown_top_level_members_are_kept() {
    let mut checked = 0;
    for e in examples::all().into_iter().filter(|e| e.open) {
        let Some(first) = (e.build)(ProtocolVersion::LATEST)
            .into_iter()
            .find(Value::is_object)
        else {
            continue;
        };
        let mut inst = first;
        inst["x-unknown"] = json!({"kept": [1, 2.5, "three"]});
        assert_eq!((e.round_trip)(&inst), inst, "{} ({})", e.def, e.rust);
        checked += 1;
    }
    assert!(checked > 80, "only {checked} open types checked");
}

#[test]
fn unknown_nested_members_are_kept() {
    let inst = json!({
        "content": [
            {"type": "text", "text": "a", "x": 1, "annotations": {"priority": 0.5, "y": 2}},
            {"type": "resource", "resource": {"uri": "file:///a", "blob": "AA==", "z": 3}},
            {"type": "resource_link", "uri": "file:///b", "name": "b", "icons": [{"src": "https://e.com/i.png", "w": 4}]}
        ],
        "structuredContent": {"k": null}
    });
    assert_eq!(examples::rt::<oxmcp_types::CallToolResult>(&inst), inst);
    let caps =
        json!({"tasks": {"requests": {"tools": {"call": {"a": 1}, "b": 2}}, "c": 3}, "d": 4});
    assert_eq!(examples::rt::<oxmcp_types::ServerCapabilities>(&caps), caps);
    let form = json!({"message": "m", "requestedSchema": {"type": "object", "properties": {
        "a": {"type": "string", "pattern": "^x"},
        "b": {"type": "array", "items": {"anyOf": [{"const": "x", "title": "X", "q": 1}]}}
    }}});
    assert_eq!(
        examples::rt::<oxmcp_types::ElicitRequestParams>(&form),
        form
    );
}

#[test]
fn lenient_numbers_and_defaults() {
    let task: oxmcp_types::Task = serde_json::from_value(json!({
        "taskId": "t", "status": "working", "createdAt": "x", "lastUpdatedAt": "x",
        "ttl": 1500.0, "pollInterval": 250.4
    }))
    .unwrap();
    assert_eq!((task.ttl, task.poll_interval), (Some(1500), Some(250)));
    let p: oxmcp_types::CreateMessageRequestParams =
        serde_json::from_value(json!({"messages": [], "maxTokens": 100.0})).unwrap();
    assert_eq!(p.max_tokens, 100);
    let r: oxmcp_types::ElicitResult =
        serde_json::from_value(json!({"action": "accept", "content": {"n": 2.5, "i": 3}})).unwrap();
    assert_eq!(
        serde_json::to_value(&r).unwrap()["content"],
        json!({"n": 2.5, "i": 3})
    );
    let form: oxmcp_types::ElicitRequestParams = serde_json::from_value(
        json!({"message": "m", "requestedSchema": {"type": "object", "properties": {}}}),
    )
    .unwrap();
    assert!(matches!(form, oxmcp_types::ElicitRequestParams::Form(_)));
    assert!(
        serde_json::from_value::<oxmcp_types::ElicitRequestParams>(
            json!({"mode": "sms", "message": "m"})
        )
        .is_err()
    );
    assert!(
        serde_json::from_value::<oxmcp_types::ContentBlock>(json!({"type": "video", "data": ""}))
            .is_err()
    );
    assert!(
        serde_json::from_value::<oxmcp_types::ContentBlock>(json!({"text": "no type"})).is_err()
    );
}
