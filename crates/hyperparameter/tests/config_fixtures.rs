//! Walks the shared configuration fixtures in `tests/fixtures/config/` (layout in its
//! README.md): every good case must resolve to its `expected.json`, every bad case must fail
//! with the text of its `expected_error.txt`. The Python tests walk the same files.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use hyperparameter::config::RawConfig;
use hyperparameter::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/config")
}

fn cases(kind: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(fixtures().join(kind))
        .expect("fixture folder")
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

/// Input files: names starting with a digit, in name order.
fn inputs(case: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(case)
        .expect("case folder")
        .map(|entry| entry.expect("case entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_digit()))
        })
        .collect();
    files.sort();
    files
}

fn lines(path: &Path) -> Vec<String> {
    match fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Runs the pipeline of a case: read and merge the inputs, apply `defines.txt`, resolve with
/// exactly the variables of `env.txt`. Errors come back as their text with the case folder
/// prefix removed.
fn run(case: &Path) -> Result<Value, String> {
    let files = inputs(case);
    assert!(!files.is_empty(), "{}: no input files", case.display());
    let env: HashMap<String, String> = lines(&case.join("env.txt"))
        .into_iter()
        .map(|line| {
            let (name, value) = line
                .split_once('=')
                .expect("env.txt holds NAME=value lines");
            (name.to_string(), value.to_string())
        })
        .collect();
    let defines = lines(&case.join("defines.txt"));
    let result = (|| {
        let mut raw = RawConfig::new();
        for file in &files {
            raw.merge(RawConfig::read(file)?);
        }
        raw.apply_overrides(&defines)?;
        raw.resolve_with_env(|name| env.get(name).cloned())
    })();
    let prefix = format!("{}/", case.display());
    result
        .map(|config| config.to_value())
        .map_err(|err| err.to_string().replace(&prefix, ""))
}

/// Compares strictly: `1` and `1.0` differ, map order does not matter.
fn same(value: &Value, json: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (value, json) {
        (Value::Null, J::Null) => true,
        (Value::Bool(a), J::Bool(b)) => a == b,
        (Value::Int(a), J::Number(b)) => b.as_i64() == Some(*a),
        (Value::Float(a), J::Number(b)) => b.is_f64() && b.as_f64() == Some(*a),
        (Value::Str(a), J::String(b)) => **a == **b,
        (Value::List(a), J::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Value::Map(a), J::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|expected| same(v, expected)))
        }
        _ => false,
    }
}

#[test]
fn good_fixtures_resolve_to_their_expected_json() {
    let cases = cases("good");
    assert!(
        cases.len() >= 10,
        "expected the good fixtures, found {cases:?}"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let text = fs::read_to_string(case.join("expected.json")).expect("expected.json");
        let expected: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        match run(case) {
            Ok(value) if same(&value, &expected) => {}
            Ok(value) => failures.push(format!(
                "{}:\n  got      {value}\n  expected {expected}",
                case.display()
            )),
            Err(err) => failures.push(format!("{}: unexpected error: {err}", case.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bad_fixtures_fail_with_their_expected_error() {
    let cases = cases("bad");
    assert!(
        cases.len() >= 20,
        "expected the bad fixtures, found {cases:?}"
    );
    let bless = std::env::var_os("HP_BLESS_FIXTURES").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let expected_path = case.join("expected_error.txt");
        let got = match run(case) {
            Ok(value) => {
                failures.push(format!("{}: no error, got {value}", case.display()));
                continue;
            }
            Err(err) => err,
        };
        if bless {
            fs::write(&expected_path, format!("{got}\n")).expect("write expected_error.txt");
            continue;
        }
        let expected = fs::read_to_string(&expected_path).expect("expected_error.txt");
        if got != expected.trim_end_matches('\n') {
            failures.push(format!(
                "{}:\n  got      {got}\n  expected {}",
                case.display(),
                expected.trim_end()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
