//! Validation of every example against every revision that has its definition, and the
//! coverage report: `cargo test -p oxmcp-types --test it coverage -- --nocapture`.

use std::collections::BTreeSet;

use oxmcp_types::ProtocolVersion;

use crate::examples::{self, Example};
use crate::schema::schema;

/// Base interfaces of the TypeScript schema that concrete types extend: an instance of a
/// concrete type has more members than the base lists, so only plain validation applies.
/// The `_meta` objects of 2026-07-28 are in the same case: they extend `MetaObject`, open by
/// its key rules (trace context, vendor keys), though their definitions list only the
/// reserved keys.
const BASES: [&str; 10] = [
    "Annotated",
    "BaseMetadata",
    "CacheableResult",
    "Icons",
    "ResourceContents",
    "TaskAugmentedRequestParams",
    "RequestMetaObject",
    "ResultMetaObject",
    "NotificationMetaObject",
    "SubscriptionsListenResultMetaObject",
];

/// What one revision's check found.
pub struct Report {
    pub version: ProtocolVersion,
    pub total: usize,
    pub with_type: usize,
    pub validated: usize,
    pub instances: usize,
    pub missing: Vec<String>,
    pub failures: Vec<String>,
}

/// Validates every example of every definition `version` has: the legacy table for a
/// legacy revision, the modern one for 2026-07-28.
pub fn check(version: ProtocolVersion) -> Report {
    if version.is_modern() {
        check_with(version, &crate::modern::all())
    } else {
        check_with(version, &examples::all())
    }
}

/// Validates the examples of `all` for every definition `version` has.
pub fn check_with(version: ProtocolVersion, all: &[Example]) -> Report {
    let s = schema(version);
    let mut seen = BTreeSet::new();
    for e in all {
        assert!(seen.insert(e.def), "{} is mapped twice", e.def);
    }
    let mut r = Report {
        version,
        total: s.defs().len(),
        with_type: 0,
        validated: 0,
        instances: 0,
        missing: vec![],
        failures: vec![],
    };
    for name in s.defs().keys() {
        let Some(e) = all.iter().find(|e| e.def == name) else {
            r.missing.push(name.clone());
            continue;
        };
        r.with_type += 1;
        let before = r.failures.len();
        check_one(e, version, &mut r);
        if r.failures.len() == before {
            r.validated += 1;
        }
    }
    r
}

fn check_one(e: &Example, version: ProtocolVersion, r: &mut Report) {
    let s = schema(version);
    let instances = (e.build)(version);
    if instances.is_empty() {
        r.failures.push(format!("{}: no example", e.def));
    }
    for (i, inst) in instances.iter().enumerate() {
        r.instances += 1;
        if let Err(err) = s.validate(e.def, inst) {
            r.failures
                .push(format!("{} #{i}: {err}\n    instance: {inst}", e.def));
        }
        if BASES.contains(&e.def) {
            continue;
        }
        let unknown = s.unknown_members(e.def, inst);
        if !unknown.is_empty() {
            r.failures.push(format!(
                "{} #{i}: members {version} lacks: {unknown:?}\n    instance: {inst}",
                e.def
            ));
        }
    }
}

fn assert_clean(r: &Report) {
    assert!(
        r.failures.is_empty(),
        "{}: {} failures:\n{}",
        r.version,
        r.failures.len(),
        r.failures.join("\n")
    );
    assert!(
        r.missing.is_empty(),
        "{}: definitions without a Rust type: {:?}",
        r.version,
        r.missing
    );
}

#[test]
fn revision_2026_07_28() {
    assert_clean(&check(ProtocolVersion::V2026_07_28));
}

#[test]
fn revision_2025_11_25() {
    assert_clean(&check(ProtocolVersion::V2025_11_25));
}

#[test]
fn revision_2025_06_18() {
    assert_clean(&check(ProtocolVersion::V2025_06_18));
}

#[test]
fn revision_2025_03_26() {
    assert_clean(&check(ProtocolVersion::V2025_03_26));
}

#[test]
fn revision_2024_11_05() {
    assert_clean(&check(ProtocolVersion::V2024_11_05));
}

#[test]
#[expect(clippy::print_stdout, reason = "the report is the point of this test")]
fn coverage() {
    println!("definitions with a Rust type and validated examples, per revision:");
    let reports: Vec<Report> = ProtocolVersion::EVERY.into_iter().map(check).collect();
    for r in &reports {
        println!(
            "  {}: {}/{} definitions have a Rust type, {}/{} validated ({} instances), {} failures",
            r.version,
            r.with_type,
            r.total,
            r.validated,
            r.total,
            r.instances,
            r.failures.len()
        );
    }
    for latest in reports.iter().filter(|r| {
        r.version == ProtocolVersion::LATEST || r.version == ProtocolVersion::LATEST_MODERN
    }) {
        assert!(
            latest.missing.is_empty(),
            "{} definitions without a Rust type: {:?}",
            latest.version,
            latest.missing
        );
        assert_eq!(
            latest.validated,
            latest.total,
            "{}",
            latest.failures.join("\n")
        );
    }
}

#[test]
fn the_validators_reject_bad_instances() {
    for v in ProtocolVersion::ALL {
        let s = schema(v);
        assert!(
            s.validate("Tool", &serde_json::json!({"name": 1})).is_err(),
            "{v}"
        );
        assert!(
            s.validate("Role", &serde_json::json!("system")).is_err(),
            "{v}"
        );
        let bad_block = serde_json::json!({"type": "text"});
        assert!(s.validate("TextContent", &bad_block).is_err(), "{v}");
        let bad_uri = serde_json::json!({"uri": "not a uri", "name": "x"});
        assert!(
            s.validate("Resource", &bad_uri).is_err(),
            "{v}: formats are checked"
        );
    }
}
