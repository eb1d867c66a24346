//! The compile errors of the macros (`tests/ui/fail`) and programs that must compile
//! (`tests/ui/pass`), with trybuild.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
