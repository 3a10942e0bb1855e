//! The diagnostics users see for bad keys and bad items (`trybuild`; the expected compiler
//! output is in `tests/ui/*.stderr`, regenerate with `TRYBUILD=overwrite`).

#[test]
fn diagnostics() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
