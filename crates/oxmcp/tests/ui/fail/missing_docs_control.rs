//! The lint is active in these programs: an undocumented public item is refused (so the
//! `pass/missing_docs.rs` program proves something).
#![deny(missing_docs)]

/// Documented.
pub mod tools {
    pub fn undocumented() {}
}

fn main() {
    tools::undocumented();
}
