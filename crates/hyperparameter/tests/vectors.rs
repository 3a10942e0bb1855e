//! The shared test vectors of `tests/vectors/`: every language checks the same rows.

use hyperparameter::{convert, format_float, key_hash, parse_define, validate_key, Target, Value};

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

/// The key column of `keys.tsv` with `\uXXXX` and `\UXXXXXXXX` decoded, or `None` when it
/// holds a lone surrogate (not text in Rust).
fn decode_key(column: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = column;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let width = match rest.as_bytes().get(at + 1) {
            Some(b'u') => 4,
            Some(b'U') => 8,
            _ => panic!("bad escape in keys.tsv: {column}"),
        };
        let hex = &rest[at + 2..at + 2 + width];
        let code = u32::from_str_radix(hex, 16).unwrap_or_else(|e| panic!("{column}: {e}"));
        out.push(char::from_u32(code)?);
        rest = &rest[at + 2 + width..];
    }
    out.push_str(rest);
    Some(out)
}

#[test]
fn keys_match_the_vectors() {
    let rows = rows("keys.tsv");
    assert!(rows.len() >= 40);
    for row in rows {
        let (column, valid, reason) = (&row[0], row[1] == "yes", &row[2]);
        let Some(key) = decode_key(column) else {
            assert!(!valid, "{column}: a lone surrogate cannot be a valid key");
            continue;
        };
        match validate_key(&key) {
            Ok(()) => assert!(valid, "{column}: accepted, but the vectors say: {reason}"),
            Err(err) => {
                assert!(
                    !valid,
                    "{column}: refused ({err}), but the vectors say it is valid"
                );
                assert!(
                    err.to_string().contains(reason.as_str()),
                    "{column}: {err} lacks {reason}"
                );
            }
        }
        // The `key=value` parser applies the same rule to the trimmed key.
        if !key.contains('=') {
            let item = format!(" {key} =1");
            match parse_define(&item) {
                Ok((parsed, value)) => {
                    assert!(valid, "{column}: -D accepted it");
                    assert_eq!((parsed.as_str(), value), (key.as_str(), "1"));
                }
                Err(err) => {
                    assert!(!valid, "{column}: -D refused it: {err}");
                    assert!(
                        err.to_string().contains(reason.as_str()),
                        "{err} lacks {reason}"
                    );
                }
            }
        }
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
    let item = "server.port=many".into();
    put(&key, "many", Source::Define { item }).unwrap();
    let err = get_or(&key, 80i64).unwrap_err();
    assert!(matches!(err, Error::Conversion { .. }));
    let message = err.to_string();
    for part in ["server.port", "\"many\"", "-D server.port=many", "i64"] {
        assert!(message.contains(part), "{message} lacks {part}");
    }
}
