//! Command lines with [clap](https://docs.rs/clap) (feature `clap`): `-D/--define key=value`,
//! `-C/--config FILE` and `--list-params` for any clap program, with the precedence of the
//! Python `hp.launch`.
//!
//! Flatten [`ParamArgs`] into a `#[derive(Parser)]` struct, then enter
//! [`ParamArgs::scope`]: config files are merged in order (later wins), the `-D` items are
//! merged into that tree *before* `${...}` interpolation (so `${model.dim}` sees
//! `-D model.dim=64`), and a later `-D` item wins over an earlier one. [`params_help`] is a
//! help section listing the parameters the program's macros read, with their help text.
//!
//! Bad input never panics: a malformed item, an unreadable file, or a value the program
//! later reads with a type it does not convert to is a message on stderr naming the item
//! or `file:line:col`, and exit status 2, as clap reports its own usage errors.
//!
//! The items after one `-D` (and the files after one `-C`) run to the next option, as clap
//! reads a multi-value option: put positional arguments and subcommands before them, or
//! after `--`.
//!
//! ```
//! use hyperparameter::cli::{params_help, ParamArgs};
//! use hyperparameter::{get_param, with_params, Parser};
//!
//! #[derive(Parser)]
//! #[command(after_help = params_help())]
//! struct Args {
//!     #[command(flatten)]
//!     params: ParamArgs,
//! }
//!
//! fn dim() -> i64 {
//!     get_param!(model.dim, 32i64, "width of the model")
//! }
//!
//! let args = Args::parse_from(["prog", "-D", "model.dim=64"]);
//! with_params! {
//!     params args.params.scope()?;
//!     assert_eq!(dim(), 64);
//! }
//! assert_eq!(dim(), 32);
//! # Ok::<(), hyperparameter::Error>(())
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::key::split_define;
use crate::{registered_params, Error, ErrorKind, Key, ParamScope, Result, Source, Value};
use hyperparameter_key::DefineProblem;

/// The hyperparameter options of a clap program; add them with `#[command(flatten)]`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct ParamArgs {
    /// Set a parameter: -D train.lr=0.01 (repeatable; several items may follow one flag; a
    /// later item wins)
    #[arg(short = 'D', long = "define", value_name = "KEY=VALUE", num_args = 1.., value_parser = parse_define)]
    pub define: Vec<String>,
    /// Load TOML, JSON or YAML config files (repeatable; several files may follow one flag;
    /// a later file wins)
    #[arg(short = 'C', long = "config", value_name = "FILE", num_args = 1..)]
    pub config: Vec<PathBuf>,
    /// List the parameters the program reads: type, default, current value and source
    #[arg(long = "list-params")]
    pub list_params: bool,
    /// Refuse any -D or config-file key that no parameter the program reads declares
    #[arg(long = "strict")]
    pub strict: bool,
}

/// Checks one `-D` item: a `=` and a valid key before it.
fn parse_define(item: &str) -> std::result::Result<String, String> {
    match split_define(item) {
        Ok(_) => Ok(item.to_string()),
        Err(DefineProblem::NoEquals) => Err(format!(
            "expected KEY=VALUE, e.g. {}=VALUE",
            if item.trim().is_empty() {
                "train.lr"
            } else {
                item.trim()
            }
        )),
        Err(problem) => Err(problem.to_string()),
    }
}

impl ParamArgs {
    /// The scope the options describe, built by the core's one layering
    /// ([`Layers`](crate::layers::Layers)): config files merged in order, then the `-D`
    /// items applied before interpolation, with or without files (so `-D a=${b} -D b=5`
    /// gives `a = 5` either way). The items' values are text; typed reads convert them.
    /// Every value keeps its source (`-D item`, `file:line:col`).
    ///
    /// The keys the program reads ([`registered_params`]) are the declared ones: a file or
    /// item key close to one of them (`-D model.dmi=3` for `model.dim`) is an error naming
    /// the item or `file:line:col` and the key it probably means; with `--strict` any key
    /// not declared is.
    pub fn scope(&self) -> Result<ParamScope> {
        let mut layers = crate::layers::Layers::new().strict(self.strict);
        for param in registered_params() {
            layers = layers.declare(param.key);
        }
        for path in &self.config {
            layers = layers.file(path);
        }
        for item in &self.define {
            layers = layers.define(item);
        }
        layers.build()?.to_scope()
    }

    /// [`ParamArgs::scope`], or the error reported the way clap reports bad input (message
    /// on stderr, exit status 2). With `--list-params` it prints the parameter table
    /// ([`list_params`]) inside that scope and exits with status 0.
    ///
    /// From then on, a value from these options that the program reads with a type it does
    /// not convert to (`get_param!(train.epochs, 10u32)` after `-D train.epochs=many`) is
    /// bad input too: the read prints the item or `file:line:col` the value came from, the key,
    /// the value and the type expected, and exits with status 2 instead of panicking. A
    /// value the program set itself still panics, as a bug.
    pub fn scope_or_exit(&self) -> ParamScope {
        let scope = match self.scope() {
            Ok(scope) => scope,
            Err(err) => {
                let kind = match err.kind() {
                    ErrorKind::InvalidDefine | ErrorKind::InvalidKey | ErrorKind::Override => {
                        clap::error::ErrorKind::ValueValidation
                    }
                    ErrorKind::Missing
                    | ErrorKind::Conversion
                    | ErrorKind::HashCollision
                    | ErrorKind::Scope
                    | ErrorKind::Parse
                    | ErrorKind::Compose
                    | ErrorKind::Deserialize => clap::error::ErrorKind::Io,
                };
                clap::Error::raw(kind, format!("{err}\n")).exit()
            }
        };
        COMMAND_LINE.store(true, Ordering::Relaxed);
        if self.list_params {
            let _active = scope.enter();
            // A closed stdout (`--list-params | head -1`) is not worth a panic.
            let _ = std::io::stdout().lock().write_all(list_params().as_bytes());
            std::process::exit(0);
        }
        scope
    }
}

/// Whether [`ParamArgs::scope_or_exit`] accepted a command line: from then on, bad values
/// from it that are read later are usage errors (status 2) rather than panics.
static COMMAND_LINE: AtomicBool = AtomicBool::new(false);

/// Where a value came from, as a user gave it: `-D key=value`, `file:line:col`, an option
/// or an environment variable; None for a value the program set itself.
fn given_as(source: &Source) -> Option<String> {
    match source {
        Source::Define { .. }
        | Source::File { .. }
        | Source::CliOption { .. }
        | Source::Env { .. } => Some(source.to_string()),
        _ => None,
    }
}

/// For a read that failed to convert: when the value came from the command line that
/// [`ParamArgs::scope_or_exit`] accepted, reports it as clap reports bad input and exits
/// with status 2. Returns for anything else (the caller panics).
pub(crate) fn exit_on_bad_command_line_value(key: &Key, err: &Error) {
    let Error::Conversion { target, detail, .. } = err else {
        return;
    };
    if !COMMAND_LINE.load(Ordering::Relaxed) {
        return;
    }
    let Some(entry) = crate::get_entry(key) else {
        return;
    };
    let Some(from) = given_as(&entry.source) else {
        return;
    };
    // A detail that only restates the expected type ("expected an integer") adds nothing.
    let why = if detail.is_empty() || detail.starts_with("expected") {
        String::new()
    } else {
        format!(" ({detail})")
    };
    let message = format!(
        "{from}: invalid value {} for {key}: expected {target}{why}\n",
        entry.value.describe(),
    );
    clap::Error::raw(clap::error::ErrorKind::ValueValidation, message).exit()
}

/// A help section listing every parameter the program reads ([`registered_params`]: key,
/// help text, default), for `#[command(after_help = params_help())]`.
pub fn params_help() -> String {
    let params = registered_params();
    if params.is_empty() {
        return String::new();
    }
    let width = params.iter().map(|p| p.key.len()).max().unwrap_or(0);
    let mut out = String::from("Parameters (set with -D KEY=VALUE):\n");
    for param in params {
        let mut text = param.help.to_string();
        if !text.is_empty() {
            text.push(' ');
        }
        if !param.default.is_empty() {
            let _ = write!(text, "[default: {}]", param.default);
        } else if !param.type_name.is_empty() {
            let _ = write!(text, "[type: {}]", param.type_name);
        }
        let _ = writeln!(out, "  {:width$}  {}", param.key, text.trim_end());
    }
    out
}

/// Every parameter the program reads ([`registered_params`]: the macros' reads, and the
/// fields of structs declared with `declare_params` or read with `from_params`): key, type,
/// default, the value visible in the current scope and where it came from (`-D key=value`,
/// `file:line:col`, `default`; `unset` for a field with no value and no default known), one
/// per line under a header. Values are shown as they would be written on the command line;
/// `-` marks a type or default that is not known.
pub fn list_params() -> String {
    let mut rows = vec![["KEY", "TYPE", "DEFAULT", "VALUE", "SOURCE"].map(String::from)];
    for param in registered_params() {
        let current = Key::new(param.key)
            .ok()
            .and_then(|key| crate::get_entry(&key));
        let (value, source) = match current {
            Some(entry) => (
                shown(&entry.value),
                given_as(&entry.source).unwrap_or_else(|| entry.source.to_string()),
            ),
            None if param.default.is_empty() => ("-".to_string(), "unset".to_string()),
            None => (param.default.to_string(), "default".to_string()),
        };
        let or_dash = |text: &str| if text.is_empty() { "-" } else { text }.to_string();
        rows.push([
            param.key.to_string(),
            or_dash(param.type_name),
            or_dash(param.default),
            value,
            source,
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let _ = writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {:w3$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        );
    }
    out
}

/// A value as a user writes it on the command line: text without quotes (`""` when
/// empty), everything else in its usual text form.
fn shown(value: &Value) -> String {
    match value {
        Value::Str(text) if text.is_empty() => "\"\"".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        params: ParamArgs,
    }

    #[test]
    fn several_items_after_one_flag_and_repeated_flags() {
        let args = Args::try_parse_from(["p", "-D", "a=1", "b=2", "--define", "a=3"]).unwrap();
        assert_eq!(args.params.define, ["a=1", "b=2", "a=3"]);
        let scope = args.params.scope().unwrap();
        assert_eq!(scope.get::<i64>("a").unwrap(), Some(3));
        assert_eq!(scope.get::<i64>("b").unwrap(), Some(2));
    }

    #[test]
    fn malformed_items_are_usage_errors() {
        for item in ["a", "a..b=1", "=1"] {
            let err = Args::try_parse_from(["p", "-D", item]).err().unwrap();
            assert_eq!(err.exit_code(), 2);
            assert!(err.to_string().contains(item), "{err}");
        }
    }

    #[test]
    fn defines_apply_before_interpolation() {
        let dir = std::env::temp_dir().join(format!("hp-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let base = dir.join("base.toml");
        let late = dir.join("late.yaml");
        std::fs::write(
            &base,
            "[model]\ndim = 32\nname = \"net-${model.dim}\"\nlr = 1\n",
        )
        .unwrap();
        std::fs::write(&late, "model:\n  lr: 2\n").unwrap();
        let args = Args::try_parse_from([
            "p".as_ref(),
            "-C".as_ref(),
            base.as_os_str(),
            "--config".as_ref(),
            late.as_os_str(),
            "-D".as_ref(),
            "model.dim=64".as_ref(),
        ])
        .unwrap();
        let scope = args.params.scope().unwrap();
        assert_eq!(
            scope.get::<String>("model.name").unwrap().unwrap(),
            "net-64"
        );
        assert_eq!(scope.get::<i64>("model.lr").unwrap(), Some(2));
        // Several files after one flag are the same as the flag repeated.
        let args = Args::try_parse_from([
            "p".as_ref(),
            "-C".as_ref(),
            base.as_os_str(),
            late.as_os_str(),
            "-D".as_ref(),
            "model.dim=8".as_ref(),
        ])
        .unwrap();
        assert_eq!(args.params.config, [base.clone(), late.clone()]);
        let scope = args.params.scope().unwrap();
        assert_eq!(scope.get::<String>("model.name").unwrap().unwrap(), "net-8");
        assert_eq!(scope.get::<i64>("model.lr").unwrap(), Some(2));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn defines_resolve_the_same_without_files() {
        let args = Args::try_parse_from([
            "p",
            "-D",
            "a=${b}",
            "b=5",
            "c=x${b}",
            "d=$${b}",
            "e=${env:HP_CLI_RS_TEST_UNSET,dflt}",
        ])
        .unwrap();
        let scope = args.params.scope().unwrap();
        assert_eq!(scope.get::<i64>("a").unwrap(), Some(5));
        assert_eq!(scope.get::<String>("c").unwrap().unwrap(), "x5");
        assert_eq!(scope.get::<String>("d").unwrap().unwrap(), "${b}");
        assert_eq!(scope.get::<String>("e").unwrap().unwrap(), "dflt");
        let args = Args::try_parse_from(["p", "-D", "a=${nope}"]).unwrap();
        let err = args.params.scope().unwrap_err().to_string();
        assert!(
            err.contains("-D a=${nope}") && err.contains("nope"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let args = Args::try_parse_from(["p", "-C", "/nonexistent/hp.toml"]).unwrap();
        let err = args.params.scope().unwrap_err();
        assert!(err.to_string().contains("/nonexistent/hp.toml"), "{err}");
    }
}
