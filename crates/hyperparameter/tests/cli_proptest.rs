//! The clap integration never panics on what a user types: any argv is parsed or refused
//! with a clap error, any accepted `-D`/`-C` input gives a scope or an error, and typed reads
//! of what it holds are values or errors (feature `clap`).
#![cfg(feature = "clap")]

use hyperparameter::cli::{list_params, ParamArgs};
use hyperparameter::{get_or_str, parse_define, Parser};
use proptest::prelude::*;

#[derive(Parser, Debug)]
struct Args {
    #[command(flatten)]
    params: ParamArgs,
}

/// Words a user might type: the options themselves, `key=value` items with references,
/// punctuation, and any text at all.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-D".to_string()),
        Just("--define".to_string()),
        Just("-C".to_string()),
        Just("--list-params".to_string()),
        Just("--".to_string()),
        "[a-z0-9.=${}:,_ -]{0,12}",
        (
            "[a-z]{1,3}(\\.[a-z0-9]{1,3}){0,2}",
            "[a-z0-9${}.:,\\[\\] -]{0,12}|\\$\\{[a-z.]{0,5}(,[a-z]{0,3})?\\}|\\$\\{env:[A-Z_]{0,4}\\}",
        )
            .prop_map(|(key, value)| format!("{key}={value}")),
        any::<String>(),
    ]
}

/// Every typed read a program might do of `key`; each must return, whatever the value.
fn read_every_way(key: &str) {
    let _ = get_or_str(key, 0i64);
    let _ = get_or_str(key, 0u8);
    let _ = get_or_str(key, 0.5f64);
    let _ = get_or_str(key, false);
    let _ = get_or_str(key, "text");
    let _ = get_or_str(key, None::<i32>);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_command_line_is_a_scope_or_an_error(argv in prop::collection::vec(word(), 0..8)) {
        let argv = std::iter::once("prog".to_string()).chain(argv);
        let Ok(args) = Args::try_parse_from(argv) else {
            return Ok(());
        };
        let Ok(scope) = args.params.scope() else {
            return Ok(());
        };
        let _active = scope.enter();
        for item in &args.params.define {
            let (key, _) = parse_define(item).expect("clap accepted only valid items");
            read_every_way(key.as_str());
        }
        for key in hyperparameter::keys() {
            read_every_way(&key);
        }
        let _ = list_params();
    }
}

#[cfg(unix)]
#[test]
fn bytes_that_are_not_utf8_are_refused_by_clap() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let bad = OsStr::from_bytes(b"a.b=\xff");
    for flag in ["-D", "-C"] {
        let parsed = Args::try_parse_from([OsStr::new("prog"), OsStr::new(flag), bad]);
        match parsed {
            Err(err) => assert_eq!(err.exit_code(), 2, "{err}"),
            Ok(args) => assert!(args.params.scope().is_err()),
        }
    }
}
