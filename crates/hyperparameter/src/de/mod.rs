//! serde integration: typed structs from a [`Value`], from the keys under a scope prefix
//! ([`from_params`]), or from a [`Config`].
//!
//! Primitive fields convert by the conversion table, the same as typed reads: a string
//! `"8080"` fills a `u16`, `"yes"` a `bool`, `2.0` an integer. A value that does not
//! convert is [`Error::Conversion`] naming the dotted path, the value and where it came
//! from; structural problems (a missing field, an unknown variant) are
//! [`Error::Deserialize`] naming the path.
//!
//! ```
//! use hyperparameter::{from_params, with_params};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize, Debug, PartialEq)]
//! struct Server {
//!     port: u16,
//!     #[serde(default)]
//!     debug: bool,
//! }
//!
//! let mut scope = hyperparameter::ParamScope::new();
//! scope.put("server.port", "8080")?;
//! let _active = scope.enter();
//! let server: Server = from_params("server")?;
//! assert_eq!(server, Server { port: 8080, debug: false });
//! # Ok::<(), hyperparameter::Error>(())
//! ```
//!
//! The `deserializer` module walks a [`Value`] for serde ([`ValueDeserializer`]); `nested`
//! builds the one nested value [`from_params`] hands it from dotted keys.

use std::collections::HashMap;

use serde::de::DeserializeOwned;

use crate::config::{Config, MAX_DEPTH};
use crate::report::ReadKind;
use crate::{Error, Result, Value};

mod deserializer;
mod nested;

use deserializer::{at_path, EntryOrigins};
pub use deserializer::{Provenance, ValueDeserializer};
use nested::Nested;

/// Deserializes `T` from `value`, which sits at the dotted `path` (for messages).
pub fn from_value<T: DeserializeOwned>(value: &Value, path: &str) -> Result<T> {
    T::deserialize(ValueDeserializer::new(value, path, &())).map_err(|err| at_path(err, path))
}

/// Deserializes `T` from the keys under `prefix.` in the current thread's view (every
/// visible key when `prefix` is empty), nested by their dotted segments.
///
/// A key equal to `prefix` is used too: its map value is the base that deeper keys
/// override, and a primitive read alone (so `from_params::<u16>("server.port")` works).
/// Numeric segments (`layers.0.size`) fill lists. A key that holds a primitive and also
/// has keys below it is an error.
///
/// Every key used is recorded in the operative config ([`crate::report`]) as stored.
///
/// The first call for a type and prefix registers the keys `T` reads there (see
/// [`declare_params`](crate::declare_params)), so later listings show them.
#[track_caller]
pub fn from_params<T: DeserializeOwned>(prefix: &str) -> Result<T> {
    crate::shape::declare_once::<T>(prefix, std::panic::Location::caller());
    let mut base: Option<Value> = None;
    let mut nested = Nested::default();
    let mut origins = HashMap::new();
    let under = format!("{prefix}.");
    for entry in crate::read::entries() {
        let key = entry.key.as_str();
        let rest = if prefix.is_empty() {
            key
        } else if key == prefix {
            crate::report::note_entry(&entry, ReadKind::Raw);
            origins.insert(key.to_string(), entry.source.to_string());
            base = Some(entry.value);
            continue;
        } else if let Some(rest) = key.strip_prefix(&under) {
            rest
        } else {
            continue;
        };
        if rest.split('.').count() > MAX_DEPTH {
            return Err(Error::Deserialize {
                prefix: key.to_string(),
                msg: format!(
                    "the key nests deeper than {MAX_DEPTH} levels below `{}` and is refused",
                    if prefix.is_empty() { "<root>" } else { prefix }
                ),
            });
        }
        crate::report::note_entry(&entry, ReadKind::Raw);
        origins.insert(key.to_string(), entry.source.to_string());
        nested.insert(rest, entry.value, prefix)?;
    }
    let value = match (base, nested.is_empty()) {
        (Some(base), true) => base,
        (Some(Value::Map(base)), false) => {
            let mut merged = Nested::from_map(&base, 0);
            merged.merge(nested);
            merged.into_value()
        }
        (Some(base), false) => {
            return Err(Error::Deserialize {
                prefix: prefix.to_string(),
                msg: format!(
                    "`{prefix}` holds {} and also has keys below it",
                    base.describe()
                ),
            })
        }
        (None, _) => nested.into_value(),
    };
    let provenance = EntryOrigins(origins);
    T::deserialize(ValueDeserializer::new(&value, prefix, &provenance))
        .map_err(|err| at_path(err, prefix))
}

impl Config {
    /// Deserializes the whole configuration into `T` (typed-read conversions; errors name the
    /// dotted path and the file and line of the value).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T> {
        self.deserialize_at("")
    }

    /// Deserializes the part under the dotted `prefix` (empty for all) into `T`.
    pub fn deserialize_at<T: DeserializeOwned>(&self, prefix: &str) -> Result<T> {
        let value = if prefix.is_empty() {
            self.to_value()
        } else {
            self.get(prefix).ok_or_else(|| Error::Missing {
                key: prefix.to_string(),
            })?
        };
        T::deserialize(ValueDeserializer::new(&value, prefix, self))
            .map_err(|err| at_path(err, prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::sync::Arc;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Layer {
        size: u32,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Adam,
        Sgd { momentum: f64 },
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Train {
        lr: f32,
        epochs: u16,
        shuffle: bool,
        name: String,
        tag: Option<String>,
        layers: Vec<Layer>,
        opt: Kind,
        pair: (i8, char),
    }

    /// A map value from `(key, value)` pairs (shared with the other test modules of `de`).
    pub(super) fn map(entries: &[(&str, Value)]) -> Value {
        Value::Map(Arc::new(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        ))
    }

    #[test]
    fn values_convert_like_typed_reads() {
        let value = map(&[
            ("lr", "1e-3".into()),
            ("epochs", "10".into()),
            ("shuffle", "yes".into()),
            ("name", Value::Int(7)),
            ("tag", Value::Null),
            (
                "layers",
                map(&[
                    ("1", map(&[("size", 2.into())])),
                    ("0", map(&[("size", 1.into())])),
                ]),
            ),
            ("opt", map(&[("sgd", map(&[("momentum", "0.9".into())]))])),
            ("pair", vec![Value::Float(-3.0), "x".into()].into()),
        ]);
        let train: Train = from_value(&value, "train").unwrap();
        assert_eq!(
            train,
            Train {
                lr: 0.001,
                epochs: 10,
                shuffle: true,
                name: "7".into(),
                tag: None,
                layers: vec![Layer { size: 1 }, Layer { size: 2 }],
                opt: Kind::Sgd { momentum: 0.9 },
                pair: (-3, 'x'),
            }
        );
        let opt: Kind = from_value(&"adam".into(), "opt").unwrap();
        assert_eq!(opt, Kind::Adam);
    }

    #[test]
    fn errors_name_the_path() {
        let value = map(&[("port", "80x".into())]);
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Server {
            port: u16,
        }
        let err = from_value::<Server>(&value, "server").unwrap_err();
        assert!(
            matches!(&err, Error::Conversion { key, target, .. } if key == "server.port" && target == "u16"),
            "{err:?}"
        );
        let err = from_value::<Server>(&map(&[]), "server").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot deserialize `server`: missing field `port`"
        );
        let value = map(&[("inner", map(&[("port", Value::Int(70000))]))]);
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            inner: Server,
        }
        let err = from_value::<Outer>(&value, "").unwrap_err();
        assert!(err.to_string().contains("`inner.port`"), "{err}");
        assert!(err.to_string().contains("out of range for u16"), "{err}");
    }
}
