//! The shared test vectors of `tests/vectors/`: every language checks the same rows.

use hyperparameter::{convert, format_float, key_hash, Target, Value};

fn rows(file: &str) -> Vec<Vec<String>> {
    let path = format!("{}/../../tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn key_hashes_match_the_vectors() {
    let rows = rows("hash.tsv");
    assert!(rows.len() >= 17);
    for row in rows {
        let (key, decimal, hex) = (&row[0], &row[1], &row[2]);
        let hash = key_hash(key);
        assert_eq!(hash.to_string(), *decimal, "{key}");
        assert_eq!(format!("{hash:016x}"), *hex, "{key}");
    }
}

fn stored(kind: &str, text: &str) -> Value {
    match kind {
        "str" => Value::from(text),
        "int" => Value::Int(text.parse().unwrap()),
        "float" => Value::Float(text.parse().unwrap()),
        "bool" => Value::Bool(text == "true"),
        "null" => Value::Null,
        other => panic!("unknown stored type {other}"),
    }
}

fn target(name: &str) -> Target {
    match name {
        "int" => Target::Int,
        "float" => Target::Float,
        "bool" => Target::Bool,
        "str" => Target::Str,
        other => panic!("unknown target {other}"),
    }
}

fn as_text(value: &Value) -> String {
    match value {
        Value::Float(x) => format_float(*x),
        other => other.to_string(),
    }
}

#[test]
fn conversions_match_the_vectors() {
    let rows = rows("conversions.tsv");
    assert!(rows.len() >= 45);
    for row in rows {
        let (kind, text, to, expected) = (&row[0], &row[1], &row[2], &row[3]);
        let value = stored(kind, text);
        let result = convert(&value, target(to));
        let case = format!("{kind} {text:?} -> {to}");
        match expected.as_str() {
            "ERROR" => assert!(result.is_err(), "{case}: expected an error, got {result:?}"),
            "null" => assert_eq!(result, Ok(Value::Null), "{case}"),
            _ => {
                let got = result.unwrap_or_else(|e| panic!("{case}: {e}"));
                assert_eq!(as_text(&got), *expected, "{case}");
            }
        }
    }
}

#[test]
fn conversion_errors_through_reads_name_key_value_source_and_target() {
    use hyperparameter::{get_or, put, Error, Key, ParamScope, Source};
    let key = Key::new("server.port").unwrap();
    let _scope = ParamScope::new().enter();
    put(&key, "many", Source::Define).unwrap();
    let err = get_or(&key, 80i64).unwrap_err();
    assert!(matches!(err, Error::Conversion { .. }));
    let message = err.to_string();
    for part in ["server.port", "\"many\"", "-D/--define", "i64"] {
        assert!(message.contains(part), "{message} lacks {part}");
    }
}
