//! Adaptation between the eras: what the modern era fills and drops, and that nothing
//! modern reaches a legacy peer.

use oxmcp_types::elicitation::ElicitRequestParams;
use oxmcp_types::modern::{CacheScope, ResultType};
use oxmcp_types::resources::ReadResourceResult;
use oxmcp_types::tools::ListToolsResult;
use oxmcp_types::{AdaptToVersion, EmptyResult, ProtocolVersion};
use serde_json::Value;

use super::messages as m;
use crate::examples;
use crate::fixtures as f;

const MODERN: ProtocolVersion = ProtocolVersion::V2026_07_28;

/// The members only the modern era defines.
const MODERN_KEYS: [&str; 5] = [
    "resultType",
    "ttlMs",
    "cacheScope",
    "inputResponses",
    "requestState",
];

fn keys_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if MODERN_KEYS.contains(&k.as_str()) {
                    out.push(k.clone());
                }
                keys_in(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys_in(x, out)),
        _ => {}
    }
}

#[test]
fn no_legacy_example_carries_a_modern_member() {
    for e in examples::all() {
        for v in ProtocolVersion::ALL {
            for inst in (e.build)(v) {
                let mut found = vec![];
                keys_in(&inst, &mut found);
                assert!(found.is_empty(), "{} at {v}: {found:?} in {inst}", e.def);
            }
        }
    }
}

#[test]
fn adapting_to_the_modern_era_fills_result_type_and_cache_hints() {
    let list = ListToolsResult::new(vec![f::tool()]).adapted_to(MODERN);
    assert_eq!(list.result_type, Some(ResultType::Complete));
    assert_eq!(
        (list.ttl_ms, list.cache_scope),
        (Some(0), Some(CacheScope::Private))
    );
    assert!(list.tools[0].execution.is_none(), "tasks left core");
    // A server's own hints are kept.
    let mut read = ReadResourceResult::new(vec![]);
    read.ttl_ms = Some(5);
    read.cache_scope = Some(CacheScope::Public);
    let read = read.adapted_to(MODERN);
    assert_eq!(
        (read.ttl_ms, read.cache_scope),
        (Some(5), Some(CacheScope::Public))
    );
    assert_eq!(
        EmptyResult::default().adapted_to(MODERN).result_type,
        Some(ResultType::Complete)
    );
}

#[test]
fn adapting_to_the_modern_era_drops_what_it_removed() {
    let caps = f::client_caps().adapted_to(MODERN);
    assert!(caps.tasks.is_none());
    assert_eq!(caps.roots.unwrap().list_changed, None);
    assert!(f::server_caps().adapted_to(MODERN).tasks.is_none());
    let call = f::call_tool_params().adapted_to(MODERN);
    assert!(call.task.is_none());
    let ElicitRequestParams::Url(url) =
        ElicitRequestParams::from(f::elicit_url()).adapted_to(MODERN)
    else {
        panic!("URL mode kept");
    };
    assert!(url.elicitation_id.is_empty());
    let json = serde_json::to_value(&url).unwrap();
    assert!(json.get("elicitationId").is_none(), "{json}");
    assert!(f::sampling_params().adapted_to(MODERN).meta.is_none());
}

#[test]
fn adapting_back_to_a_legacy_revision_removes_every_modern_member() {
    let mut legacy = m::server_results();
    legacy.extend(
        m::client_requests()
            .into_iter()
            .map(|r| r["params"].clone()),
    );
    let back: Vec<Value> = m::call_tool_params()
        .into_iter()
        .map(|p| serde_json::to_value(p.adapted_to(ProtocolVersion::V2025_11_25)).unwrap())
        .chain(m::list_tools().into_iter().map(|v| {
            let r: ListToolsResult = serde_json::from_value(v).unwrap();
            serde_json::to_value(r.adapted_to(ProtocolVersion::V2025_11_25)).unwrap()
        }))
        .collect();
    for v in back {
        let mut found = vec![];
        keys_in(&v, &mut found);
        assert!(found.is_empty(), "{found:?} in {v}");
    }
    // The modern examples do carry them, so the check above can fail.
    let mut found = vec![];
    keys_in(&Value::Array(legacy), &mut found);
    assert!(found.len() > 10);
}
