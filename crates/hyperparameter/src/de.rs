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

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use crate::config::{with_article, Config, MAX_DEPTH};
use crate::convert::FromParam;
use crate::report::ReadKind;
use crate::{Error, Result, Value};

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Error {
        Error::Deserialize {
            prefix: String::new(),
            msg: msg.to_string(),
        }
    }
}

/// Gives a structural error the path where it happened, unless a deeper level already did.
fn at_path(err: Error, path: &str) -> Error {
    match err {
        Error::Deserialize { prefix, msg } if prefix.is_empty() => Error::Deserialize {
            prefix: if path.is_empty() {
                "<root>".into()
            } else {
                path.to_string()
            },
            msg,
        },
        other => other,
    }
}

/// Tells where the value at a dotted path came from, for error messages.
pub trait Provenance {
    /// The origin of the value at `path` (`a.yaml:3:5`, `-D/--define`, ...), if known.
    fn origin_of(&self, path: &str) -> Option<String>;
}

/// No provenance known.
impl Provenance for () {
    fn origin_of(&self, _path: &str) -> Option<String> {
        None
    }
}

impl Provenance for Config {
    fn origin_of(&self, path: &str) -> Option<String> {
        self.origin_text(path)
    }
}

/// Origins of scope entries by key; a path inside an entry's map value takes the entry's.
struct EntryOrigins(HashMap<String, String>);

impl Provenance for EntryOrigins {
    fn origin_of(&self, path: &str) -> Option<String> {
        let mut path = path;
        loop {
            if let Some(origin) = self.0.get(path) {
                return Some(origin.clone());
            }
            path = &path[..path.rfind('.')?];
        }
    }
}

/// A [`serde::Deserializer`] over a [`Value`], converting primitives by the conversion table.
///
/// Nesting is bounded by [`MAX_DEPTH`] below the value it starts from (as a configuration
/// is): a deeper list or map is an error naming its path, so a value built in code that
/// nests without end cannot exhaust the stack.
pub struct ValueDeserializer<'de, 'p> {
    value: &'de Value,
    path: String,
    depth: usize,
    provenance: &'p dyn Provenance,
}

impl<'de, 'p> ValueDeserializer<'de, 'p> {
    /// A deserializer for `value`, which sits at the dotted `path` (empty for the root);
    /// `provenance` tells error messages where values came from (`&()` when unknown).
    pub fn new(
        value: &'de Value,
        path: impl Into<String>,
        provenance: &'p dyn Provenance,
    ) -> ValueDeserializer<'de, 'p> {
        ValueDeserializer {
            value,
            path: path.into(),
            depth: 0,
            provenance,
        }
    }

    /// The deserializer of an item or field; one below [`MAX_DEPTH`] levels is an error.
    fn child(&self, value: &'de Value, segment: &str) -> Result<ValueDeserializer<'de, 'p>> {
        let path = if self.path.is_empty() {
            segment.to_string()
        } else {
            format!("{}.{segment}", self.path)
        };
        if self.depth >= MAX_DEPTH {
            return Err(Error::Deserialize {
                msg: format!(
                    "the value nests deeper than {MAX_DEPTH} levels (lists and maps inside \
                     each other) and is refused"
                ),
                prefix: path,
            });
        }
        Ok(ValueDeserializer {
            value,
            path,
            depth: self.depth + 1,
            provenance: self.provenance,
        })
    }

    fn origin(&self) -> String {
        self.provenance
            .origin_of(&self.path)
            .unwrap_or_else(|| "unknown source".into())
    }

    fn conversion(&self, target: &str, detail: String) -> Error {
        Error::Conversion {
            key: self.path.clone(),
            value: self.value.describe(),
            origin: self.origin(),
            target: target.to_string(),
            detail,
        }
    }

    fn convert<T: FromParam>(&self) -> Result<T> {
        T::from_param(self.value).map_err(|detail| self.conversion(T::TARGET, detail))
    }

    fn wrong_shape(&self, expected: &str) -> Error {
        self.conversion(
            expected,
            format!(
                "{} cannot be read as {expected}",
                with_article(&format!("{} value", self.value.type_name()))
            ),
        )
    }

    /// The list a sequence reads: a list, or a map whose keys are exactly `0..n` (as dotted
    /// keys such as `layers.0.size` build).
    fn as_sequence(&self) -> Option<Vec<(String, &'de Value)>> {
        match self.value {
            Value::List(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
            ),
            Value::Map(map) => {
                let mut items: Vec<Option<&'de Value>> = vec![None; map.len()];
                for (key, value) in map.iter() {
                    let index = key.parse::<usize>().ok()?;
                    if index.to_string() != *key {
                        return None;
                    }
                    *items.get_mut(index)? = Some(value);
                }
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| v.map(|v| (i.to_string(), v)))
                    .collect()
            }
            _ => None,
        }
    }
}

macro_rules! deserialize_primitive {
    ($($method:ident => $t:ty, $visit:ident;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            let value: $t = self.convert()?;
            visitor.$visit(value)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(x) => visitor.visit_f64(*x),
            Value::Str(s) => visitor.visit_borrowed_str(s),
            Value::List(_) => self.deserialize_seq(visitor),
            Value::Map(_) => self.deserialize_map(visitor),
            Value::Foreign(_) => Err(self.wrong_shape("a value serde can read")),
        }
    }

    deserialize_primitive! {
        deserialize_bool => bool, visit_bool;
        deserialize_i8 => i8, visit_i8;
        deserialize_i16 => i16, visit_i16;
        deserialize_i32 => i32, visit_i32;
        deserialize_i64 => i64, visit_i64;
        deserialize_i128 => i128, visit_i128;
        deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64;
        deserialize_u128 => u128, visit_u128;
        deserialize_f32 => f32, visit_f32;
        deserialize_f64 => f64, visit_f64;
        deserialize_string => String, visit_string;
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let text: String = self.convert()?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(self.conversion("char", "expected exactly one character".into())),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value {
            Value::Str(s) => visitor.visit_borrowed_str(s),
            _ => self.deserialize_string(visitor),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value {
            Value::Str(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
            _ => self.deserialize_seq(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.wrong_shape("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let Some(items) = self.as_sequence() else {
            return Err(self.wrong_shape("a list"));
        };
        let access = Items {
            parent: &self,
            items: items.into_iter(),
        };
        visitor
            .visit_seq(access)
            .map_err(|err| at_path(err, &self.path))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let Value::Map(map) = self.value else {
            return Err(self.wrong_shape("a map"));
        };
        let access = Fields {
            parent: &self,
            entries: map.iter(),
            value: None,
        };
        visitor
            .visit_map(access)
            .map_err(|err| at_path(err, &self.path))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (variant, content) = match self.value {
            Value::Str(s) => (&**s, None),
            Value::Map(map) if map.len() == 1 => {
                let (key, value) = map.iter().next().expect("a map of one entry");
                (key.as_str(), Some(value))
            }
            _ => return Err(self.wrong_shape("an enum variant (a name, or a map of one key)")),
        };
        let path = self.path.clone();
        visitor
            .visit_enum(Variant {
                parent: self,
                variant,
                content,
            })
            .map_err(|err| at_path(err, &path))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// The items of a list.
struct Items<'a, 'de, 'p> {
    parent: &'a ValueDeserializer<'de, 'p>,
    items: std::vec::IntoIter<(String, &'de Value)>,
}

impl<'de> SeqAccess<'de> for Items<'_, 'de, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some((index, value)) = self.items.next() else {
            return Ok(None);
        };
        let child = self.parent.child(value, &index)?;
        let path = child.path.clone();
        seed.deserialize(child)
            .map(Some)
            .map_err(|err| at_path(err, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of a map or the fields of a struct.
struct Fields<'a, 'de, 'p> {
    parent: &'a ValueDeserializer<'de, 'p>,
    entries: indexmap::map::Iter<'de, String, Value>,
    value: Option<(&'de String, &'de Value)>,
}

impl<'de> MapAccess<'de> for Fields<'_, 'de, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some((key, value));
        let key: de::value::BorrowedStrDeserializer<'de, Error> =
            de::value::BorrowedStrDeserializer::new(key);
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let Some((key, value)) = self.value.take() else {
            return Err(de::Error::custom("a map value was read before its key"));
        };
        let child = self.parent.child(value, key)?;
        let path = child.path.clone();
        seed.deserialize(child).map_err(|err| at_path(err, &path))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum variant: its name and, unless it is a unit variant, its content.
struct Variant<'de, 'p> {
    parent: ValueDeserializer<'de, 'p>,
    variant: &'de str,
    content: Option<&'de Value>,
}

impl<'de, 'p> EnumAccess<'de> for Variant<'de, 'p> {
    type Error = Error;
    type Variant = Variant<'de, 'p>;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self)> {
        let name = seed.deserialize(self.variant.into_deserializer())?;
        Ok((name, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de, '_> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        match self.content {
            None | Some(Value::Null) => Ok(()),
            Some(_) => Err(de::Error::custom(format!(
                "variant `{}` takes no value",
                self.variant
            ))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        let content = self.content_deserializer()?;
        seed.deserialize(content)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_seq(self.content_deserializer()?, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_map(self.content_deserializer()?, visitor)
    }
}

impl<'de, 'p> Variant<'de, 'p> {
    fn content_deserializer(&self) -> Result<ValueDeserializer<'de, 'p>> {
        match self.content {
            Some(value) => self.parent.child(value, self.variant),
            None => Err(de::Error::custom(format!(
                "variant `{}` needs a value (write it as a map `{{{}: ...}}`)",
                self.variant, self.variant
            ))),
        }
    }
}

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

/// A map being built from dotted keys.
#[derive(Default)]
struct Nested {
    entries: IndexMap<String, Slot>,
}

enum Slot {
    Leaf(Value),
    Map(Nested),
}

impl Nested {
    /// The nested form of a map value `depth` levels below the prefix; maps below
    /// [`MAX_DEPTH`] stay values (the deserializer refuses them with their path).
    fn from_map(map: &IndexMap<String, Value>, depth: usize) -> Nested {
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

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Inserts `value` at the dotted `key` (relative to `prefix`, for messages; at most
    /// [`MAX_DEPTH`] segments). Keys come sorted, so a key arrives before the keys below it.
    fn insert(&mut self, key: &str, value: Value, prefix: &str) -> Result<()> {
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
    fn merge(&mut self, later: Nested) {
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

    fn into_value(self) -> Value {
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

    fn map(entries: &[(&str, Value)]) -> Value {
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
