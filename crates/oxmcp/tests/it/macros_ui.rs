//! The compile errors of the macros (`tests/ui/fail`) and programs that must compile
//! (`tests/ui/pass`), with trybuild.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    // rustc names types by their shortest visible path, which depends on the crates in the
    // build: the expected messages are recorded with every feature on, as `scripts/test` and
    // CI run (`cargo test --workspace --all-features`).
    if cfg!(all(feature = "macros", feature = "http")) {
        cases.compile_fail("tests/ui/fail/*.rs");
    }
}
