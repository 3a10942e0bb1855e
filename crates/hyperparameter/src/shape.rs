//! The keys a typed struct reads with [`from_params`](crate::from_params), found without
//! any values: a deserializer that answers every request with a placeholder and writes
//! down the dotted path and the type each field asks for. [`declare_params`] registers
//! them, so a command line's listing shows them next to the macros' reads.
//!
//! Every field of a struct is written down when the struct is entered, so a field whose
//! placeholder a custom `Deserialize` refuses is still listed (without a type), as are the
//! fields after it.

use std::fmt;
use std::panic::Location;
use std::sync::{Mutex, PoisonError};

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use crate::config::MAX_DEPTH;
use crate::registry::{declare, ParamInfo};

/// Registers the keys `T` reads under `prefix` with [`from_params`](crate::from_params),
/// so that [`registered_params`](crate::registered_params) (and `--list-params`) list them
/// before the program reads them: one key per field, nested structs by their dotted path
/// (`server.tls.cert`), with the field's type where serde tells it. `from_params` registers
/// its keys itself when it runs; call this first for a listing that has to show them before
/// anything runs.
///
/// ```
/// use hyperparameter::{declare_params, registered_params};
///
/// #[derive(serde::Deserialize)]
/// struct Server {
///     port: u16,
///     host: String,
/// }
///
/// declare_params::<Server>("server");
/// let port = registered_params()
///     .into_iter()
///     .find(|p| p.key == "server.port")
///     .unwrap();
/// assert_eq!(port.type_name, "u16");
/// ```
#[track_caller]
pub fn declare_params<T: DeserializeOwned>(prefix: &str) {
    declare_at::<T>(prefix, Location::caller());
}

/// The types and prefixes already traced, so that `from_params` traces once per pair.
static TRACED: Mutex<Vec<(&'static str, String)>> = Mutex::new(Vec::new());

/// [`declare_params`] for `from_params`: once per type and prefix, at the caller's line.
pub(crate) fn declare_once<T: DeserializeOwned>(prefix: &str, caller: &'static Location<'static>) {
    let name = std::any::type_name::<T>();
    {
        let mut traced = TRACED.lock().unwrap_or_else(PoisonError::into_inner);
        if traced
            .iter()
            .any(|(seen, at)| *seen == name && at == prefix)
        {
            return;
        }
        traced.push((name, prefix.to_string()));
    }
    declare_at::<T>(prefix, caller);
}

fn declare_at<T: DeserializeOwned>(prefix: &str, caller: &'static Location<'static>) {
    for (key, type_name) in struct_keys::<T>(prefix) {
        declare(ParamInfo {
            key: leak(key),
            default: "",
            type_name,
            help: "",
            file: caller.file(),
            line: caller.line(),
        });
    }
}

/// A registered key lives as long as the program, like the macros' (each key is leaked at
/// most once: [`declare`] keeps the first registration of a key).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The dotted keys `T` reads below `prefix`, with the type each asks for (empty when not
/// known), sorted by key. A field that is itself a struct is listed by its fields.
pub fn struct_keys<T: DeserializeOwned>(prefix: &str) -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    let _ = T::deserialize(Shape {
        path: prefix.to_string(),
        structs: Vec::new(),
        found: &mut found,
    });
    // A struct's own path is written down with its fields; only the leaves are keys.
    let leaves: Vec<(String, &'static str)> = found
        .iter()
        .filter(|(key, _)| {
            let below = format!("{key}.");
            !found.iter().any(|(other, _)| other.starts_with(&below))
        })
        .cloned()
        .collect();
    let mut unique: Vec<(String, &'static str)> = Vec::with_capacity(leaves.len());
    for (key, type_name) in leaves {
        match unique.iter_mut().find(|(seen, _)| *seen == key) {
            Some(seen) if seen.1.is_empty() => seen.1 = type_name,
            Some(_) => {}
            None => unique.push((key, type_name)),
        }
    }
    unique.retain(|(key, _)| !key.is_empty());
    unique.sort();
    unique
}

/// The tracing deserializer at `path`, inside the `structs` named (outermost first).
struct Shape<'a> {
    path: String,
    structs: Vec<&'static str>,
    found: &'a mut Vec<(String, &'static str)>,
}

/// Why tracing stopped: a placeholder refused, or nesting too deep.
#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tracing stopped")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_msg: T) -> Stop {
        Stop
    }
}

impl Shape<'_> {
    fn note(&mut self, type_name: &'static str) {
        self.found.push((self.path.clone(), type_name));
    }
}

macro_rules! leaf {
    ($($method:ident => $visit:ident($placeholder:expr), $type_name:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Stop> {
            self.note($type_name);
            visitor.$visit($placeholder)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Shape<'_> {
    type Error = Stop;

    leaf! {
        deserialize_bool => visit_bool(false), "bool";
        deserialize_i8 => visit_i8(0), "i8";
        deserialize_i16 => visit_i16(0), "i16";
        deserialize_i32 => visit_i32(0), "i32";
        deserialize_i64 => visit_i64(0), "i64";
        deserialize_i128 => visit_i128(0), "i128";
        deserialize_u8 => visit_u8(0), "u8";
        deserialize_u16 => visit_u16(0), "u16";
        deserialize_u32 => visit_u32(0), "u32";
        deserialize_u64 => visit_u64(0), "u64";
        deserialize_u128 => visit_u128(0), "u128";
        deserialize_f32 => visit_f32(0.0), "f32";
        deserialize_f64 => visit_f64(0.0), "f64";
        deserialize_char => visit_char('x'), "char";
        deserialize_str => visit_str(""), "String";
        deserialize_string => visit_string(String::new()), "String";
        deserialize_bytes => visit_bytes(&[]), "bytes";
        deserialize_byte_buf => visit_byte_buf(Vec::new()), "bytes";
    }

    fn deserialize_unit<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Stop> {
        self.note("null");
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_unit()
    }

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Stop> {
        self.note("");
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_some(self)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Stop> {
        self.note("list");
        visitor.visit_seq(Nothing)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Stop> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Stop> {
        self.note("map");
        visitor.visit_map(Nothing)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        // A struct inside itself (through `Option<Box<..>>`) is listed once, as one key.
        if self.structs.contains(&name) || self.structs.len() >= MAX_DEPTH {
            self.note("");
            return Err(Stop);
        }
        self.structs.push(name);
        for field in fields {
            let key = child_path(&self.path, field);
            self.found.push((key, ""));
        }
        visitor.visit_map(Fields {
            fields: fields.iter(),
            parent: self,
            current: "",
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        self.note("enum");
        let first = variants.first().copied().ok_or(Stop)?;
        visitor.visit_enum(FirstVariant {
            name: first,
            parent: self,
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_str("")
    }
}

fn child_path(path: &str, segment: &str) -> String {
    if path.is_empty() {
        segment.to_string()
    } else {
        format!("{path}.{segment}")
    }
}

/// An empty list or map.
struct Nothing;

impl<'de> SeqAccess<'de> for Nothing {
    type Error = Stop;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        _: T,
    ) -> Result<Option<T::Value>, Stop> {
        Ok(None)
    }
}

impl<'de> MapAccess<'de> for Nothing {
    type Error = Stop;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>, Stop> {
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }
}

/// A struct's fields, each with a placeholder value traced at its path.
struct Fields<'a> {
    fields: std::slice::Iter<'static, &'static str>,
    parent: Shape<'a>,
    current: &'static str,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = Stop;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Stop> {
        let Some(field) = self.fields.next() else {
            return Ok(None);
        };
        self.current = field;
        seed.deserialize(field.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Stop> {
        seed.deserialize(Shape {
            path: child_path(&self.parent.path, self.current),
            structs: self.parent.structs.clone(),
            found: self.parent.found,
        })
    }
}

/// An enum read as its first variant, whatever its form.
struct FirstVariant<'a> {
    name: &'static str,
    parent: Shape<'a>,
}

impl<'de, 'a> EnumAccess<'de> for FirstVariant<'a> {
    type Error = Stop;
    type Variant = Shape<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Shape<'a>), Stop> {
        let variant = seed.deserialize(self.name.into_deserializer())?;
        Ok((variant, self.parent))
    }
}

impl<'de> VariantAccess<'de> for Shape<'_> {
    type Error = Stop;

    fn unit_variant(self) -> Result<(), Stop> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, Stop> {
        // The variant's content is not a key of its own: stop here.
        Err(Stop)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        Err(Stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Tls {
        cert: String,
        verify: bool,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Mode {
        Fast,
        Slow(u8),
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Server {
        port: u16,
        #[serde(default)]
        debug: Option<bool>,
        tls: Tls,
        hosts: Vec<String>,
        mode: Mode,
        #[serde(deserialize_with = "refuse")]
        picky: u32,
        after: f64,
    }

    fn refuse<'de, D: de::Deserializer<'de>>(_: D) -> Result<u32, D::Error> {
        Err(de::Error::custom("no"))
    }

    #[test]
    fn fields_nested_structs_and_types() {
        let keys = struct_keys::<Server>("server");
        let expected: Vec<(String, &str)> = [
            ("server.after", ""),
            ("server.debug", "bool"),
            ("server.hosts", "list"),
            ("server.mode", "enum"),
            ("server.picky", ""),
            ("server.port", "u16"),
            ("server.tls.cert", "String"),
            ("server.tls.verify", "bool"),
        ]
        .into_iter()
        .map(|(k, t)| (k.to_string(), t))
        .collect();
        assert_eq!(keys, expected);
        assert_eq!(struct_keys::<Tls>("")[0].0, "cert");
        assert!(struct_keys::<u16>("").is_empty());
        assert_eq!(
            struct_keys::<u16>("server.port"),
            [("server.port".to_string(), "u16")]
        );
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Node {
        value: i64,
        next: Option<Box<Node>>,
    }

    #[test]
    fn a_recursive_struct_is_listed_once() {
        let keys: Vec<String> = struct_keys::<Node>("list")
            .into_iter()
            .map(|k| k.0)
            .collect();
        assert_eq!(keys, ["list.next", "list.value"]);
    }
}
