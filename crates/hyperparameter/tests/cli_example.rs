//! Runs `examples/cli.rs` (feature `clap`) as a subprocess: output, help section, exit
//! statuses, and the precedence of config files and `-D` items.
#![cfg(feature = "clap")]

use std::path::PathBuf;
use std::process::{Command, Output};

/// `cargo test` builds the examples next to the test binaries (`target/<profile>/examples`);
/// when only this test was built, the example is built on its own target directory (the
/// running `cargo test` holds the lock of the main one).
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).unwrap();
    let built = profile_dir
        .join("examples")
        .join(format!("cli{}", std::env::consts::EXE_SUFFIX));
    if built.exists() {
        return built;
    }
    let target = profile_dir.join("cli-example");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "-q",
            "-p",
            "hyperparameter",
            "--features",
            "clap",
            "--example",
            "cli",
        ])
        .arg("--target-dir")
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success());
    target
        .join("debug")
        .join("examples")
        .join(format!("cli{}", std::env::consts::EXE_SUFFIX))
}

fn run(args: &[&str]) -> Output {
    Command::new(example()).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn defaults_and_defines() {
    let out = run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "example.a=0, example.b=1.5, example.name=ex, example.tag=unnamed\n\
         data.path=, data.shuffle=false\n"
    );

    let out = run(&[
        "-D",
        "example.a=5",
        "example.b=2.5",
        "-D",
        "example.a=7",
        "--times",
        "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "example.a=7, example.b=2.5, example.name=ex, example.tag=unnamed\n".repeat(2)
            + "data.path=, data.shuffle=false\n"
    );
}

#[test]
fn config_files_then_defines_before_interpolation() {
    let dir = std::env::temp_dir().join(format!("hp-cli-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.join("base.toml");
    let late = dir.join("late.json");
    std::fs::write(
        &base,
        "[example]\na = 1\nb = 2.0\nname = \"run-${example.a}\"\n",
    )
    .unwrap();
    std::fs::write(&late, r#"{"example": {"a": 2}}"#).unwrap();
    let (base, late) = (base.to_str().unwrap(), late.to_str().unwrap());

    let out = run(&["-C", base, "--config", late]);
    assert_eq!(
        stdout(&out),
        "example.a=2, example.b=2, example.name=run-2, example.tag=unnamed\n\
         data.path=, data.shuffle=false\n"
    );
    let out = run(&["-C", base, "-C", late, "-D", "example.a=9"]);
    assert_eq!(
        stdout(&out),
        "example.a=9, example.b=2, example.name=run-9, example.tag=unnamed\n\
         data.path=, data.shuffle=false\n"
    );

    let out = run(&[
        "-C",
        base,
        "-D",
        "example.b=4",
        "data.shuffle=yes",
        "--list-params",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = stdout(&out);
    let rows: Vec<Vec<&str>> = listing
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["KEY", "TYPE", "DEFAULT", "VALUE", "SOURCE"],
            // The fields of the struct read with `from_params`.
            vec!["data.path", "String", "-", "-", "unset"],
            vec!["data.shuffle", "bool", "-", "yes", "-D", "data.shuffle=yes"],
            vec!["example.a", "i64", "0", "1", &format!("{base}:2:5")],
            vec!["example.b", "f64", "1.5", "4", "-D", "example.b=4"],
            vec![
                "example.name",
                "String",
                "ex",
                "run-1",
                &format!("{base}:4:8")
            ],
            // A `with_params!` read is listed too.
            vec!["example.tag", "String", "unnamed", "unnamed", "default"],
        ]
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn help_lists_registered_parameters() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let help = stdout(&out);
    assert!(help.contains("-D, --define <KEY=VALUE>..."), "{help}");
    assert!(help.contains("-C, --config <FILE>"), "{help}");
    assert!(
        help.contains("Parameters (set with -D KEY=VALUE):"),
        "{help}"
    );
    assert!(
        help.contains("  example.a     the first number [default: 0]"),
        "{help}"
    );
    assert!(
        help.contains("  example.name  a label, e.g. ${model.name} [default: ex]"),
        "{help}"
    );
    assert!(
        help.contains("  example.tag   [default: unnamed]"),
        "{help}"
    );
    assert!(help.contains("  data.shuffle  [type: bool]\n"), "{help}");
}

#[test]
fn usage_errors_exit_with_status_2() {
    let out = run(&["-D", "example.a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected KEY=VALUE, e.g. example.a=VALUE"));

    let out = run(&["-C", "/nonexistent/hp.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/hp.toml"),
        "{}",
        stderr(&out)
    );

    let out = run(&["--tims", "2"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a similar argument exists: '--times'"));
    assert!(stdout(&out).is_empty());

    // A key close to one the program reads is a misspelling; with --strict, any key it
    // does not read is refused.
    let out = run(&["-D", "example.nmae=x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: -D example.nmae=x: unknown parameter 'example.nmae' (did you mean \
         'example.name'?)\n"
    );
    let out = run(&["-D", "other.key=1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["--strict", "-D", "other.key=1"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: -D other.key=1: unknown parameter 'other.key'\n"
    );
}

#[test]
fn a_value_that_does_not_convert_is_a_usage_error() {
    let out = run(&["-D", "example.a=many"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: -D example.a=many: invalid value \"many\" for example.a: expected i64"
        ),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(stdout(&out).is_empty());

    // The item named is the one that won, after interpolation too.
    let out = run(&[
        "-D",
        "example.a=1",
        "example.b=${example.tag}",
        "example.tag=x",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: -D example.b=${example.tag}: invalid value \"x\" for example.b: expected f64"
        ),
        "{}",
        stderr(&out)
    );

    let dir = std::env::temp_dir().join(format!("hp-cli-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(&file, "[example]\nb = 1.0\na = \"lots\"\n").unwrap();
    let out = run(&["-C", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(&format!(
            "error: {}:3:5: invalid value \"lots\" for example.a: expected i64",
            file.display()
        )),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The seeds' README command-line example, with the derive taken from this crate
/// (`use hyperparameter::Parser;` in place of the seeds' `hyperparameter_derive::Parser`).
mod seed_readme {
    use hyperparameter::Parser;
    use hyperparameter::*;

    #[derive(Parser, Debug)]
    struct DeriveArgs {
        #[arg(short = 'D', long)]
        define: Vec<String>,
    }

    fn foo() -> String {
        with_params! {
            @get a = example.a or 0;
            @get b = example.b or 1;

            format!("example.a={}, example.b={}", a, b)
        }
    }

    #[test]
    fn derive_args_feed_a_scope() {
        let args = DeriveArgs::parse_from(["example", "-D", "example.a=1", "-D", "example.b=2"]);
        let shown = with_params! {
            params ParamScope::from(&args.define);

            foo()
        };
        assert_eq!(shown, "example.a=1, example.b=2");
        assert_eq!(foo(), "example.a=0, example.b=1");
    }
}
