//! The snapshot a process inherits from the Python process that started it.
//!
//! `hp.scope.frozen()` in Python writes the view it freezes into the environment variable
//! [`SNAPSHOT_VARIABLE`], which every child process inherits (a file it names holds the
//! document when it is large). A Rust or C++ program started from such a process begins
//! from that snapshot: the first time the store makes a thread's view, it reads the
//! variable, unless something installed or froze a snapshot before. Values Python wrote as
//! pickles are kept as opaque values (a typed read of one is a type error), and so are
//! integers beyond 64 bits. A variable that does not hold a snapshot is ignored with one
//! message on standard error.
//!
//! The document is `{"format": "hyperparameter-snapshot/1", "values": [[key, value], ...]}`
//! (pairs, as configuration JSON would split dotted keys of an object) where
//! a value is `null`, `true`/`false`, a string, `{"int": "<digits>"}`,
//! `{"float": "<shortest repr>"}`, `{"list": [value, ...]}`,
//! `{"map": [["<key>", value], ...]}` or `{"pickle": "<base64>"}`.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::config::parse_json;
use crate::config::tree::{Kind, Node};
use crate::storage::EntryMap;
use crate::{Entry, Foreign, Key, Source, Text, Value};

/// The environment variable that carries a frozen snapshot to child processes.
pub const SNAPSHOT_VARIABLE: &str = "HYPERPARAMETER_SNAPSHOT";

/// The `format` field of the document.
const FORMAT: &str = "hyperparameter-snapshot/1";

/// The variable's prefix when it names a file holding the document.
const FILE_PREFIX: &str = "file:";

/// A Python object as its pickle (base64): only Python can restore it.
#[derive(Debug)]
pub struct PickledPython(pub String);

/// The entries the snapshot document `document` holds, or why it is not one.
pub fn decode_snapshot(document: &str) -> Result<EntryMap, String> {
    // The configuration JSON parser: nesting bounded, no recursion, duplicate keys refused.
    let data = parse_json::parse_with(document, &Arc::from(SNAPSHOT_VARIABLE), false)
        .map_err(|err| format!("not JSON ({err})"))?;
    let Kind::Map(fields) = &data.kind else {
        return Err(format!("not a document of format \"{FORMAT}\""));
    };
    if !matches!(fields.get("format").map(|n| &n.kind), Some(Kind::Text(f)) if &**f == FORMAT) {
        return Err(format!("not a document of format \"{FORMAT}\""));
    }
    let Some(Kind::List(values)) = fields.get("values").map(|n| &n.kind) else {
        return Err("its \"values\" is not a list".into());
    };
    let mut map = EntryMap::default();
    for pair in values {
        let Some((key, item)) = text_pair(pair) else {
            return Err("an item of its \"values\" is not a [key, value] pair".into());
        };
        let parsed = Key::new(key).map_err(|err| err.to_string())?;
        let value = decode_value(item)
            .ok_or_else(|| format!("the value of `{key}` is not in the snapshot format"))?;
        let entry = Entry {
            key: parsed.text().clone(),
            value,
            source: Source::Env {
                name: Text::Static(SNAPSHOT_VARIABLE),
            },
            read_mark: Default::default(),
        };
        map.insert(parsed.hash(), entry);
    }
    Ok(map)
}

/// The text and the node of a `[text, node]` pair.
fn text_pair(pair: &Node) -> Option<(&str, &Node)> {
    let Kind::List(pair) = &pair.kind else {
        return None;
    };
    let [name, item] = pair.as_slice() else {
        return None;
    };
    let Kind::Text(name) = &name.kind else {
        return None;
    };
    Some((name, item))
}

/// The value of one tagged JSON form (see the module docs), or `None` when it is not one.
fn decode_value(item: &Node) -> Option<Value> {
    match &item.kind {
        Kind::Scalar(value @ (Value::Null | Value::Bool(_))) => Some(value.clone()),
        Kind::Text(text) => Some(Value::Str(text.clone())),
        Kind::Map(tagged) if tagged.len() == 1 => {
            let (tag, payload) = tagged.iter().next()?;
            match (tag.as_str(), &payload.kind) {
                ("int", Kind::Text(digits)) => decode_int(digits),
                ("float", Kind::Text(text)) => text.parse().ok().map(Value::Float),
                ("list", Kind::List(items)) => items
                    .iter()
                    .map(decode_value)
                    .collect::<Option<Vec<_>>>()
                    .map(|items| Value::List(Arc::new(items))),
                ("map", Kind::List(pairs)) => {
                    let mut map = IndexMap::new();
                    for pair in pairs {
                        let (name, element) = text_pair(pair)?;
                        map.insert(name.to_string(), decode_value(element)?);
                    }
                    Some(Value::Map(Arc::new(map)))
                }
                ("pickle", Kind::Text(data)) => Some(Value::Foreign(Foreign::new(
                    PickledPython(data.to_string()),
                    "Python object",
                ))),
                _ => None,
            }
        }
        _ => None,
    }
}

fn decode_int(digits: &str) -> Option<Value> {
    let unsigned = digits.strip_prefix('-').unwrap_or(digits);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match digits.parse::<i64>() {
        Ok(int) => Value::Int(int),
        Err(_) => Value::Foreign(Foreign::new(digits.to_string(), "int beyond 64 bits")),
    })
}

/// The snapshot [`SNAPSHOT_VARIABLE`] holds, or `None` when it is unset or (with one
/// message on standard error) does not hold one.
pub(crate) fn from_environment() -> Option<EntryMap> {
    let text = std::env::var_os(SNAPSHOT_VARIABLE)?;
    if text.is_empty() {
        return None;
    }
    match load(&text.to_string_lossy()) {
        Ok(map) => Some(map),
        Err(reason) => {
            eprintln!(
                "hyperparameter: ignoring the environment variable {SNAPSHOT_VARIABLE}: \
                 {reason}; this process starts from the defaults"
            );
            None
        }
    }
}

fn load(text: &str) -> Result<EntryMap, String> {
    match text.strip_prefix(FILE_PREFIX) {
        Some(path) => {
            let document = std::fs::read_to_string(path)
                .map_err(|err| format!("cannot read {path}: {err}"))?;
            decode_snapshot(&document)
        }
        None => decode_snapshot(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key_hash;

    fn value(map: &EntryMap, key: &str) -> Value {
        map[&key_hash(key)].value.clone()
    }

    #[test]
    fn values_decode_with_their_types() {
        let map = decode_snapshot(
            r#"{"format":"hyperparameter-snapshot/1","values":[["a",{"int":"-3"}],
            ["b",{"float":"0.1"}],["c","x"],["d",null],["e",true],
            ["f",{"list":[{"int":"1"},"y"]}],["g",{"map":[["k",{"float":"nan"}]]}],
            ["h",{"int":"100000000000000000000"}],["i",{"pickle":"gAQu"}]]}"#,
        )
        .unwrap();
        assert_eq!(value(&map, "a"), Value::Int(-3));
        assert_eq!(value(&map, "b"), Value::Float(0.1));
        assert_eq!(value(&map, "c"), Value::from("x"));
        assert_eq!(value(&map, "d"), Value::Null);
        assert_eq!(value(&map, "e"), Value::Bool(true));
        assert_eq!(value(&map, "f").to_string(), "[1, \"y\"]");
        assert_eq!(value(&map, "g").to_string(), "{\"k\": nan}");
        assert_eq!(value(&map, "h").type_name(), "int beyond 64 bits");
        assert_eq!(value(&map, "i").type_name(), "Python object");
        assert_eq!(
            map[&key_hash("a")].source.to_string(),
            "environment variable HYPERPARAMETER_SNAPSHOT"
        );
    }

    #[test]
    fn malformed_documents_are_refused_with_the_reason() {
        let format = r#"{"format":"hyperparameter-snapshot/1","values":"#;
        for (document, reason) in [
            ("{not json".to_string(), "not JSON"),
            (
                r#"{"format":"x","values":[]}"#.to_string(),
                "not a document",
            ),
            (format!("{format}{{}}}}"), "is not a list"),
            (format!("{format}[1]}}"), "not a [key, value] pair"),
            (format!(r#"{format}[["a",1]]}}"#), "value of `a`"),
            (
                format!(r#"{format}[["a",{{"int":"1.5"}}]]}}"#),
                "value of `a`",
            ),
            (format!(r#"{format}[["a b",null]]}}"#), "a b"),
        ] {
            let err = decode_snapshot(&document).unwrap_err();
            assert!(err.contains(reason), "{document}: {err}");
        }
    }
}
