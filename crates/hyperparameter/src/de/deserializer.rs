//! The [`serde::Deserializer`] over a [`Value`]: primitives convert by the conversion table,
//! and errors name the dotted path and, through a [`Provenance`], where the value came from.

use std::collections::HashMap;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};

use crate::config::{with_article, Config, MAX_DEPTH};
use crate::convert::FromParam;
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
pub(super) fn at_path(err: Error, path: &str) -> Error {
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
pub(super) struct EntryOrigins(pub(super) HashMap<String, String>);

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
