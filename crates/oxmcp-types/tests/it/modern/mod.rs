//! The definition map of 2026-07-28: the shared data types reuse the legacy table's
//! builders (adapted to the modern era), every definition whose shape changed or is new has
//! a modern example here.

mod adapt;
mod defs;
mod messages;

use oxmcp_types::ProtocolVersion;

use crate::examples::{self, Example};

/// Every 2026-07-28 example: the modern entries, then the legacy entries of the
/// definitions they do not cover.
pub fn all() -> Vec<Example> {
    let mut out = defs::all();
    let legacy: Vec<Example> = examples::all()
        .into_iter()
        .filter(|e| !out.iter().any(|m| m.def == e.def))
        .collect();
    out.extend(legacy);
    out
}

#[test]
fn every_modern_example_round_trips() {
    let v = ProtocolVersion::V2026_07_28;
    let defs = crate::schema::schema(v).defs();
    for e in all().into_iter().filter(|e| defs.contains_key(e.def)) {
        for inst in (e.build)(v) {
            assert_eq!((e.round_trip)(&inst), inst, "{} ({})", e.def, e.rust);
        }
    }
}
