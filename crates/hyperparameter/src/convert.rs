//! Typed reads: the one conversion table, shared by Rust, Python and C++.
//!
//! Strings convert the way a command-line user means them (`"8080"` → 8080, `"1e-3"` →
//! 0.001, `yes/no/on/off/true/false/1/0` → bool). Numbers convert only when nothing is lost
//! (`2.0` → 2, but `2.5` → int is an error). Nothing falls back silently: a failure names
//! the reason, and the caller turns it into [`crate::Error::Conversion`] with the key.
//!
//! Lists, tuples, maps, choices and optional values convert by [`convert_structured`]: the
//! same table at the leaves, and one way to write a list on the command line (`[3,4]` or
//! `3,4`).

use std::sync::Arc;

use crate::report::ReadKind;
use crate::value::{format_float, Value};

mod structured;
pub use structured::{choices_text, convert_structured, is_null_word, list_items, Shape};

/// The primitive types a reader can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `bool`
    Bool,
    /// 64-bit signed integer
    Int,
    /// 64-bit float
    Float,
    /// text
    Str,
}

impl Target {
    /// The name used in error messages.
    pub fn name(self) -> &'static str {
        match self {
            Target::Bool => "bool",
            Target::Int => "int",
            Target::Float => "float",
            Target::Str => "str",
        }
    }
}

/// Converts `value` to `target` by the conversion table. A present null stays null.
/// The error is the reason, without the key (the caller adds it).
pub fn convert(value: &Value, target: Target) -> Result<Value, String> {
    if let Value::Null = value {
        return Ok(Value::Null);
    }
    Ok(match target {
        Target::Bool => Value::Bool(to_bool(value)?),
        Target::Int => Value::Int(to_i64(value)?),
        Target::Float => Value::Float(to_f64(value)?),
        Target::Str => match value {
            Value::Str(s) => Value::Str(s.clone()),
            other => Value::Str(Arc::from(to_text(other)?)),
        },
    })
}

fn not_convertible(value: &Value, target: &str) -> String {
    format!("{} cannot be read as {target}", kind_phrase(value))
}

/// The indefinite article for `word` in an error message: `an` before a vowel sound.
pub fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u' | 'A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    }
}

/// The kind of `value` as a phrase for error messages: `an int value`, `a str value`, and
/// for objects of a front end their description (`a Python object`, `an int beyond 64
/// bits`).
pub fn kind_phrase(value: &Value) -> String {
    let name = value.type_name();
    match value {
        Value::Foreign(_) => format!("{} {name}", article(name)),
        _ => format!("{} {name} value", article(name)),
    }
}

/// Reads a bool: bools, the ints 0 and 1, and the words true/false/yes/no/on/off/1/0 in any case.
pub fn to_bool(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::Int(0) => Ok(false),
        Value::Int(1) => Ok(true),
        Value::Int(_) => Err("only the integers 0 and 1 convert to bool".into()),
        Value::Str(s) => {
            let word = s.trim();
            if ["true", "yes", "on", "1"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w))
            {
                Ok(true)
            } else if ["false", "no", "off", "0"]
                .iter()
                .any(|w| word.eq_ignore_ascii_case(w))
            {
                Ok(false)
            } else {
                Err("expected one of true/false, yes/no, on/off, 1/0".into())
            }
        }
        other => Err(not_convertible(other, "bool")),
    }
}

/// Reads an i64: ints, bools (0/1), floats and numeric strings that hold an exact integer.
pub fn to_i64(value: &Value) -> Result<i64, String> {
    match value {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Float(x) => float_to_i64(*x),
        Value::Str(s) => {
            let text = s.trim();
            if let Ok(i) = text.parse::<i64>() {
                return Ok(i);
            }
            match parse_finite_number(text) {
                Some(x) => float_to_i64(x),
                None => Err("expected an integer".into()),
            }
        }
        other => Err(not_convertible(other, "int")),
    }
}

fn float_to_i64(x: f64) -> Result<i64, String> {
    if x.fract() != 0.0 || !x.is_finite() {
        return Err(format!("{} is not a whole number", format_float(x)));
    }
    // i64::MAX is not representable as f64; 2^63 is the first float past the range.
    if !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x) {
        return Err(format!(
            "{} is out of the 64-bit integer range",
            format_float(x)
        ));
    }
    Ok(x as i64)
}

/// A number written in decimal or scientific notation (not `inf`/`nan`, which are floats
/// only).
fn parse_finite_number(text: &str) -> Option<f64> {
    let looks_numeric = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    if text.is_empty() || !looks_numeric {
        return None;
    }
    text.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Reads an f64: floats, bools (0/1), ints that a float holds exactly, numeric strings.
pub fn to_f64(value: &Value) -> Result<f64, String> {
    match value {
        Value::Float(x) => Ok(*x),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Int(i) => {
            let x = *i as f64;
            if x as i128 == *i as i128 {
                Ok(x)
            } else {
                Err(format!("{i} cannot be represented exactly as a float"))
            }
        }
        Value::Str(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| "expected a number".to_string()),
        other => Err(not_convertible(other, "float")),
    }
}

/// Renders a primitive as text: bools `true`/`false`, floats with a `.`.
pub fn to_text(value: &Value) -> Result<String, String> {
    match value {
        Value::Str(s) => Ok(s.to_string()),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => Ok(value.to_string()),
        other => Err(not_convertible(other, "str")),
    }
}

/// A Rust type a parameter can be read as (`get x = a.b or <default>` picks it from the
/// default's type).
pub trait FromParam: Sized {
    /// The type's name in error messages.
    const TARGET: &'static str;
    /// How a read of this type is recorded in the operative config ([`crate::report`]).
    const KIND: ReadKind;
    /// Converts a stored value, or says why it cannot.
    fn from_param(value: &Value) -> Result<Self, String>;
    /// The value as the operative config records it (for a default a read returned).
    fn to_value(&self) -> Value;
    /// [`crate::report::fingerprint`] of [`FromParam::to_value`], without building it
    /// where that would allocate.
    fn fingerprint(&self) -> u64 {
        crate::report::fingerprint(&self.to_value())
    }
}

fn null_error(target: &str) -> String {
    format!("the value is null; read it as Option<{target}> to accept null")
}

/// Integer reads of anything that is not an in-range `Value::Int` (kept out of line so the
/// common case inlines into the read path).
#[inline(never)]
fn wide_integer(value: &Value, target: &str) -> Result<i128, String> {
    match value {
        Value::Null => Err(null_error(target)),
        // Strings beyond i64 still fit u64 readers.
        Value::Str(s) => match s.trim().parse::<i128>() {
            Ok(i) => Ok(i),
            Err(_) => to_i64(value).map(i128::from),
        },
        other => to_i64(other).map(i128::from),
    }
}

/// Integer reads of anything that is not an in-range `Value::Int`, narrowed to `T`: out of
/// line and cold, so that the read path stays a leaf function with no stack frame to speak
/// of (measured with callgrind: the inlined error formatting cost every read a prologue).
#[cold]
#[inline(never)]
fn integer_slow<T: TryFrom<i128>>(value: &Value, target: &str) -> Result<T, String> {
    let wide = wide_integer(value, target)?;
    T::try_from(wide).map_err(|_| format!("{wide} is out of range for {target}"))
}

macro_rules! from_param_int {
    ($($t:ty),*) => {$(
        impl FromParam for $t {
            const TARGET: &'static str = stringify!($t);
            const KIND: ReadKind = ReadKind::Int;
            #[inline]
            fn from_param(value: &Value) -> Result<Self, String> {
                #[allow(irrefutable_let_patterns)] // i64 and i128 always fit
                if let Value::Int(i) = value {
                    if let Ok(narrow) = <$t>::try_from(*i) {
                        return Ok(narrow);
                    }
                }
                integer_slow(value, Self::TARGET)
            }
            /// Beyond 64 bits, the decimal text (which reads back as the same number).
            #[inline]
            fn to_value(&self) -> Value {
                #[allow(irrefutable_let_patterns)] // i64 always fits
                match i64::try_from(*self) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::Str(Arc::from(self.to_string())),
                }
            }
        }
    )*};
}

from_param_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

/// Reads of anything but a value of the target's own kind: null is refused with the hint
/// to read an `Option`, the rest goes to `convert` (out of line, see [`integer_slow`]).
#[cold]
#[inline(never)]
fn other_kind<T>(
    value: &Value,
    target: &str,
    convert: fn(&Value) -> Result<T, String>,
) -> Result<T, String> {
    match value {
        Value::Null => Err(null_error(target)),
        other => convert(other),
    }
}

impl FromParam for f64 {
    const TARGET: &'static str = "f64";
    const KIND: ReadKind = ReadKind::Float;
    fn to_value(&self) -> Value {
        Value::Float(*self)
    }
    #[inline]
    fn from_param(value: &Value) -> Result<Self, String> {
        match value {
            Value::Float(x) => Ok(*x),
            other => other_kind(other, Self::TARGET, to_f64),
        }
    }
}

impl FromParam for f32 {
    const TARGET: &'static str = "f32";
    const KIND: ReadKind = ReadKind::Float;
    fn to_value(&self) -> Value {
        Value::Float(f64::from(*self))
    }
    /// Reads as f64 first, then rounds to the nearest f32 (a decimal such as `0.1` has no
    /// exact f32 form, and a reader who asks for f32 asks for that rounding).
    fn from_param(value: &Value) -> Result<Self, String> {
        let wide = f64::from_param(value)?;
        let narrow = wide as f32;
        if wide.is_finite() && !narrow.is_finite() {
            return Err(format!("{} is out of range for f32", format_float(wide)));
        }
        Ok(narrow)
    }
}

impl FromParam for bool {
    const TARGET: &'static str = "bool";
    const KIND: ReadKind = ReadKind::Bool;
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
    #[inline]
    fn from_param(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => other_kind(other, Self::TARGET, to_bool),
        }
    }
}

impl FromParam for String {
    const TARGET: &'static str = "String";
    const KIND: ReadKind = ReadKind::Str;
    fn to_value(&self) -> Value {
        Value::Str(Arc::from(self.as_str()))
    }
    fn fingerprint(&self) -> u64 {
        crate::report::text_fingerprint(self)
    }
    fn from_param(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Err(null_error(Self::TARGET)),
            other => to_text(other),
        }
    }
}

impl FromParam for Arc<str> {
    const TARGET: &'static str = "String";
    const KIND: ReadKind = ReadKind::Str;
    fn to_value(&self) -> Value {
        Value::Str(self.clone())
    }
    fn fingerprint(&self) -> u64 {
        crate::report::text_fingerprint(self)
    }
    fn from_param(value: &Value) -> Result<Self, String> {
        match value {
            Value::Str(s) => Ok(s.clone()),
            other => String::from_param(other).map(Arc::from),
        }
    }
}

impl FromParam for Value {
    const TARGET: &'static str = "any value";
    const KIND: ReadKind = ReadKind::Raw;
    fn to_value(&self) -> Value {
        self.clone()
    }
    fn from_param(value: &Value) -> Result<Self, String> {
        Ok(value.clone())
    }
}

impl<T: FromParam> FromParam for Option<T> {
    const TARGET: &'static str = T::TARGET;
    const KIND: ReadKind = T::KIND;
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }
    /// A present null reads as `None`; anything else converts as `T`.
    fn from_param(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_param(other).map(Some),
        }
    }
}

/// A default value as written after `or` in `get x = a.b or <default>`: picks the type a
/// read converts to. `&str` defaults read as `String`, so `or "adam"` works.
pub trait ParamDefault {
    /// The type of the value read.
    type Output: FromParam;
    /// The default itself, as the output type.
    fn into_output(self) -> Self::Output;
}

macro_rules! default_is_itself {
    ($($t:ty),*) => {$(
        impl ParamDefault for $t {
            type Output = $t;
            #[inline]
            fn into_output(self) -> $t { self }
        }
    )*};
}

default_is_itself!(
    bool, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, String, Value
);

impl ParamDefault for &str {
    type Output = String;
    fn into_output(self) -> String {
        self.to_string()
    }
}

impl<T: FromParam> ParamDefault for Option<T> {
    type Output = Option<T>;
    fn into_output(self) -> Option<T> {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Value {
        Value::from(text)
    }

    #[test]
    fn strings_convert_like_a_cli_user_means() {
        assert_eq!(to_i64(&s(" 42 ")), Ok(42));
        assert_eq!(to_i64(&s("1e3")), Ok(1000));
        assert!(to_i64(&s("2.5")).is_err());
        assert!(to_i64(&s("inf")).is_err());
        assert_eq!(to_f64(&s("1e-3")), Ok(0.001));
        assert_eq!(to_bool(&s("YES")), Ok(true));
        assert!(to_bool(&s("1.12")).is_err());
    }

    #[test]
    fn exact_numbers_only() {
        assert!(to_f64(&Value::Int(9_007_199_254_740_993)).is_err());
        assert_eq!(to_f64(&Value::Int(i64::MIN)), Ok(-(2f64.powi(63))));
        assert!(to_f64(&Value::Int(i64::MAX)).is_err());
        assert!(float_to_i64(2f64.powi(63)).is_err());
        assert_eq!(u8::from_param(&Value::Int(255)), Ok(255));
        assert!(u8::from_param(&Value::Int(256)).is_err());
        assert_eq!(u64::from_param(&s("18446744073709551615")), Ok(u64::MAX));
    }

    #[test]
    fn null_needs_option() {
        assert!(i64::from_param(&Value::Null).is_err());
        assert_eq!(Option::<i64>::from_param(&Value::Null), Ok(None));
        assert_eq!(convert(&Value::Null, Target::Int), Ok(Value::Null));
    }
}
