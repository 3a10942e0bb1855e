//! Stored values, their provenance, and the entries that hold both.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::report::ReadMark;
use crate::Text;

/// A value every language understands, or an opaque object owned by a front end.
///
/// Cloning is cheap: strings, lists, maps and foreign objects are shared.
#[derive(Clone, Debug)]
pub enum Value {
    /// A present null (`None` in Python). Never means "missing".
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A 64-bit float.
    Float(f64),
    /// UTF-8 text.
    Str(Arc<str>),
    /// A list of values.
    List(Arc<Vec<Value>>),
    /// A string-keyed map that keeps insertion order.
    Map(Arc<IndexMap<String, Value>>),
    /// An object only its own front end can read (a Python object, say).
    Foreign(Foreign),
}

impl Value {
    /// The name of the value's type as the error messages show it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Foreign(f) => f.type_name,
        }
    }

    /// A short human-readable rendering for error messages (strings are quoted).
    pub fn describe(&self) -> String {
        match self {
            Value::Str(s) => format!("{:?}", &**s),
            other => other.to_string(),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            (Value::Foreign(a), Value::Foreign(b)) => Arc::ptr_eq(&a.object, &b.object),
            _ => false,
        }
    }
}

/// Formats floats the way conversion to text asks for: the shortest form that reads back to the
/// same number, always with a `.` or an exponent (`2.0`, `0.001`, `1e-7`).
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{x:?}")
    }
}

impl fmt::Display for Value {
    /// Text form used by `str` conversions: bools are `true`/`false`, floats as
    /// [`format_float`], null is `null`, lists and maps in a JSON-like form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => f.write_str(&format_float(*x)),
            Value::Str(s) => f.write_str(s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(&item.describe())?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k:?}: {}", v.describe())?;
                }
                f.write_str("}")
            }
            Value::Foreign(foreign) => write!(f, "<{}>", foreign.type_name),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident as $conv:ty),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                Value::$variant(<$conv>::from(v))
            }
        }
    )*};
}

value_from!(
    bool => Bool as bool,
    i8 => Int as i64, i16 => Int as i64, i32 => Int as i64, i64 => Int as i64,
    u8 => Int as i64, u16 => Int as i64, u32 => Int as i64,
    f32 => Float as f64, f64 => Float as f64,
    &str => Str as Arc<str>, String => Str as Arc<str>, Arc<str> => Str as Arc<str>,
);

impl From<()> for Value {
    fn from(_: ()) -> Value {
        Value::Null
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::List(Arc::new(items.into_iter().map(Into::into).collect()))
    }
}

impl From<IndexMap<String, Value>> for Value {
    fn from(map: IndexMap<String, Value>) -> Value {
        Value::Map(Arc::new(map))
    }
}

/// An object stored by a front end that the other languages cannot read.
///
/// It is `Send + Sync` because the object itself is: the Python bindings store a
/// `Py<PyAny>`, which PyO3 makes safe to move and drop from any thread.
#[derive(Clone)]
pub struct Foreign {
    /// The object.
    pub object: Arc<dyn Any + Send + Sync>,
    /// The front end's description of the object for error messages, as a noun phrase
    /// (`"Python object"`, `"int beyond 64 bits"`); values show as `<description>`.
    pub type_name: &'static str,
}

impl Foreign {
    /// Wraps a front-end object.
    pub fn new<T: Any + Send + Sync>(object: T, type_name: &'static str) -> Foreign {
        Foreign {
            object: Arc::new(object),
            type_name,
        }
    }

    /// The object, if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.object.downcast_ref()
    }
}

impl fmt::Debug for Foreign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Foreign({})", self.type_name)
    }
}

/// Where a value came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Source {
    /// Not recorded.
    #[default]
    Unknown,
    /// Set in code, at this file and line.
    Code {
        /// Source file.
        file: Text,
        /// 1-based line.
        line: u32,
    },
    /// A command-line option such as `--lr`.
    CliOption {
        /// The option as written.
        option: Text,
    },
    /// A `key=value` item (`-D` on the command line, or a bare `key=value` word).
    Define {
        /// The item as given, for example `optim.lr=0.1`.
        item: Text,
    },
    /// A configuration file, at this line and column.
    File {
        /// Path of the file.
        path: Text,
        /// 1-based line, 0 when unknown.
        line: u32,
        /// 1-based column in characters, 0 when unknown.
        col: u32,
    },
    /// An environment variable.
    Env {
        /// The variable's name.
        name: Text,
    },
    /// A signature or declared default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Unknown => f.write_str("unknown source"),
            Source::Code { file, line } => write!(f, "code at {file}:{line}"),
            Source::CliOption { option } => write!(f, "{option}"),
            Source::Define { item } => write!(f, "-D {item}"),
            Source::File { path, line: 0, .. } => write!(f, "{path}"),
            Source::File { path, line, col: 0 } => write!(f, "{path}:{line}"),
            Source::File { path, line, col } => write!(f, "{path}:{line}:{col}"),
            Source::Env { name } => write!(f, "environment variable {name}"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// One stored parameter: its key text (kept to detect hash collisions), value and source.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key as written.
    pub key: Text,
    /// The value.
    pub value: Value,
    /// Where the value came from.
    pub source: Source,
    /// Whether, and how, the current recording epoch recorded a read of this entry (see
    /// [`crate::report`]); not part of the entry's value.
    pub read_mark: ReadMark,
}

impl Entry {
    /// An entry holding `value` under `key`, set at `source`.
    pub fn new(key: impl Into<Text>, value: Value, source: Source) -> Entry {
        Entry {
            key: key.into(),
            value,
            source,
            read_mark: ReadMark::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_text_keeps_a_dot() {
        assert_eq!(format_float(2.0), "2.0");
        assert_eq!(format_float(0.001), "0.001");
        assert_eq!(format_float(0.5), "0.5");
        assert_eq!(format_float(f64::INFINITY), "inf");
    }

    #[test]
    fn display_and_types() {
        assert_eq!(Value::from(true).to_string(), "true");
        assert_eq!(Value::from(vec![1, 2]).to_string(), "[1, 2]");
        assert_eq!(Value::from("x").describe(), "\"x\"");
        assert_eq!(Value::Null.type_name(), "null");
    }
}
