//! The C half of `include/hyperparameter.h` is what cbindgen generates from this crate's
//! declarations (`cbindgen.toml`), so the header cannot drift from the library.
//!
//! The generated text sits between the `BEGIN GENERATED C ABI` and `END GENERATED C ABI`
//! lines of the header; the rest (the prologue, the C++ layer) is written by hand. When the
//! declarations change, rewrite the section with
//! `HP_UPDATE_HEADER=1 cargo test -p hyperparameter-capi --test header_is_current`.

use std::path::Path;

const BEGIN: &str = "/* BEGIN GENERATED C ABI";
const END: &str = "/* END GENERATED C ABI */";

/// What cbindgen generates, with the status and kind constants named as the C API spells
/// them: cbindgen prefixes enum variants with the enum's C name (`HP_STATUS_T_OK`), the
/// header has always said `HP_OK` and `HP_KIND_INT`.
fn generated(crate_dir: &Path) -> String {
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the bindings");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out)
        .expect("the bindings are UTF-8")
        .replace("HP_STATUS_T_", "HP_")
        .replace("HP_KIND_T_", "HP_KIND_")
}

#[test]
fn the_checked_in_header_is_what_cbindgen_generates() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = crate_dir.join("include/hyperparameter.h");
    let header = std::fs::read_to_string(&path).expect("the header is readable");
    let start = header.find(BEGIN).expect("the header has the BEGIN line");
    let body_start = start + header[start..].find('\n').expect("a newline after BEGIN") + 1;
    let body_end = header.find(END).expect("the header has the END line");
    let fresh = generated(crate_dir);
    if header[body_start..body_end] == fresh {
        return;
    }
    if std::env::var_os("HP_UPDATE_HEADER").is_some() {
        let updated = format!("{}{fresh}{}", &header[..body_start], &header[body_end..]);
        std::fs::write(&path, updated).expect("the header is writable");
        return;
    }
    panic!(
        "include/hyperparameter.h is stale: its generated C section differs from what cbindgen \
         makes of the crate. Rewrite it with \
         `HP_UPDATE_HEADER=1 cargo test -p hyperparameter-capi --test header_is_current`."
    );
}
