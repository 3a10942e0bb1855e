//! A nested [`Value`] built from dotted keys, as [`super::from_params`] needs it.

use std::sync::Arc;

use indexmap::IndexMap;

use crate::config::MAX_DEPTH;
use crate::{Error, Result, Value};

/// A map being built from dotted keys.
#[derive(Default)]
pub(super) struct Nested {
    entries: IndexMap<String, Slot>,
}

enum Slot {
    Leaf(Value),
    Map(Nested),
}

impl Nested {
    /// The nested form of a map value `depth` levels below the prefix; maps below
    /// [`MAX_DEPTH`] stay values (the deserializer refuses them with their path).
    pub(super) fn from_map(map: &IndexMap<String, Value>, depth: usize) -> Nested {
        let entries = map
            .iter()
            .map(|(k, v)| {
                let slot = match v {
                    Value::Map(inner) if depth < MAX_DEPTH => {
                        Slot::Map(Nested::from_map(inner, depth + 1))
                    }
                    other => Slot::Leaf(other.clone()),
                };
                (k.clone(), slot)
            })
            .collect();
        Nested { entries }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Inserts `value` at the dotted `key` (relative to `prefix`, for messages; at most
    /// [`MAX_DEPTH`] segments). Keys come sorted, so a key arrives before the keys below it.
    pub(super) fn insert(&mut self, key: &str, value: Value, prefix: &str) -> Result<()> {
        let depth = if prefix.is_empty() {
            0
        } else {
            prefix.split('.').count()
        };
        let (first, rest) = match key.split_once('.') {
            Some((first, rest)) => (first, Some(rest)),
            None => (key, None),
        };
        let full = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match rest {
            None => {
                let slot = match value {
                    Value::Map(map) => Slot::Map(Nested::from_map(&map, depth + 1)),
                    other => Slot::Leaf(other),
                };
                match (self.entries.get_mut(first), slot) {
                    (Some(Slot::Map(existing)), Slot::Map(new)) => existing.merge(new),
                    (Some(existing), slot) => *existing = slot,
                    (None, slot) => {
                        self.entries.insert(first.to_string(), slot);
                    }
                }
                Ok(())
            }
            Some(rest) => {
                let slot = self
                    .entries
                    .entry(first.to_string())
                    .or_insert_with(|| Slot::Map(Nested::default()));
                match slot {
                    Slot::Map(inner) => inner.insert(rest, value, &full(first)),
                    Slot::Leaf(existing) => Err(Error::Deserialize {
                        prefix: full(first),
                        msg: format!(
                            "`{}` holds {} and also has keys below it, such as `{}`",
                            full(first),
                            existing.describe(),
                            full(key)
                        ),
                    }),
                }
            }
        }
    }

    /// Deep merge: `later` wins.
    pub(super) fn merge(&mut self, later: Nested) {
        for (key, slot) in later.entries {
            match (self.entries.get_mut(&key), slot) {
                (Some(Slot::Map(existing)), Slot::Map(new)) => existing.merge(new),
                (Some(existing), slot) => *existing = slot,
                (None, slot) => {
                    self.entries.insert(key, slot);
                }
            }
        }
    }

    pub(super) fn into_value(self) -> Value {
        let map: IndexMap<String, Value> = self
            .entries
            .into_iter()
            .map(|(k, slot)| {
                let value = match slot {
                    Slot::Leaf(value) => value,
                    Slot::Map(inner) => inner.into_value(),
                };
                (k, value)
            })
            .collect();
        Value::Map(Arc::new(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::de::tests::map;

    #[test]
    fn nested_from_dotted_keys() {
        let mut nested = Nested::default();
        nested.insert("a", map(&[("x", 1.into())]), "p").unwrap();
        nested.insert("a.y", 2.into(), "p").unwrap();
        nested.insert("b", 3.into(), "p").unwrap();
        let err = nested.insert("b.c", 4.into(), "p").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot deserialize `p.b`: `p.b` holds 3 and also has keys below it, such as `p.b.c`"
        );
        assert_eq!(
            nested.into_value().to_string(),
            r#"{"a": {"x": 1, "y": 2}, "b": 3}"#
        );
    }
}
