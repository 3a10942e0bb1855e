//! Typed reads of structured targets: lists, tuples, string-keyed maps, a fixed set of
//! choices and optional values, with the primitive table of [`convert`](super::convert) at
//! the leaves.
//!
//! Text converts the way a command-line user writes it. A list is `[3, 4]` (a YAML or JSON
//! flow sequence, nested freely) or the same items without the brackets, `3,4`; a map is a
//! flow mapping `{a: 1, b: 2}` (or `{"a": 1}`). Items are split at the commas outside
//! brackets and quotes, trimmed, and a quoted item (`'b,c'` or `"b,c"`) is its text without
//! the quotes; empty text and `[]` are the empty list. Each item then converts to the
//! element's target, from its text: `007` read as `str` is `"007"`, read as `int` it is 7.
//! Only a list, tuple or map target splits text, so text read as `str` keeps its commas.

use crate::report::ReadKind;
use std::sync::Arc;

use indexmap::IndexMap;

use super::{convert, kind_phrase, FromParam, ParamDefault, Target};
use crate::compose::Element;
use crate::value::Value;

/// What a structured read converts to.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// No conversion; text items of a list or map are typed as a YAML flow literal types
    /// them (`3` → int, `1.5` → float, `true` → bool, `null` → null, else text).
    Any,
    /// One of the four primitive types.
    Primitive(Target),
    /// A value the front end converts itself (a Python `Enum` or path, say): kept as is.
    Opaque,
    /// `none` or `null` (any case) gives null, anything else converts to the inner shape.
    Optional(Box<Shape>),
    /// A list of any length whose items convert to the inner shape.
    List(Box<Shape>),
    /// A list of exactly one item per shape, in order.
    Tuple(Vec<Shape>),
    /// A string-keyed map whose values convert to the inner shape.
    Map(Box<Shape>),
    /// Exactly one of these values (each compared after converting to its own type).
    Choice(Vec<Value>),
}

/// Converts `value` to `shape` (see the module docs). A present null stays null. The error
/// is the reason, without the key (the caller adds it); an item's reason says which item.
///
/// ```
/// use hyperparameter::convert::{convert_structured, Shape, Target};
/// use hyperparameter::Value;
///
/// let ints = Shape::List(Box::new(Shape::Primitive(Target::Int)));
/// let want = Value::List(vec![Value::Int(3), Value::Int(4)].into());
/// assert_eq!(convert_structured(&Value::from("3,4"), &ints), Ok(want.clone()));
/// assert_eq!(convert_structured(&Value::from("[3, 4]"), &ints), Ok(want));
/// assert!(convert_structured(&Value::from("3,x"), &ints).is_err());
/// ```
pub fn convert_structured(value: &Value, shape: &Shape) -> Result<Value, String> {
    if let Value::Null = value {
        return Ok(Value::Null);
    }
    match shape {
        Shape::Any | Shape::Opaque => Ok(value.clone()),
        Shape::Primitive(target) => convert(value, *target),
        Shape::Optional(inner) => match value {
            Value::Str(text) if is_null_word(text) => Ok(Value::Null),
            other => convert_structured(other, inner),
        },
        Shape::List(inner) => {
            let items = sequence_items(value)?;
            let converted = items
                .iter()
                .enumerate()
                .map(|(index, item)| item.convert(inner).map_err(|e| item_error(index, e)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::List(Arc::new(converted)))
        }
        Shape::Tuple(shapes) => {
            let items = sequence_items(value)?;
            if items.len() != shapes.len() {
                return Err(format!(
                    "got {} item{} where {} {} needed",
                    items.len(),
                    if items.len() == 1 { "" } else { "s" },
                    shapes.len(),
                    if shapes.len() == 1 { "is" } else { "are" }
                ));
            }
            let converted = items
                .iter()
                .zip(shapes)
                .enumerate()
                .map(|(index, (item, shape))| item.convert(shape).map_err(|e| item_error(index, e)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::List(Arc::new(converted)))
        }
        Shape::Map(inner) => {
            let entries = map_entries(value)?;
            let mut out = IndexMap::with_capacity(entries.len());
            for (key, item) in entries {
                let converted = item
                    .convert(inner)
                    .map_err(|e| format!("at key `{key}`: {e}"))?;
                out.insert(key, converted);
            }
            Ok(Value::Map(Arc::new(out)))
        }
        Shape::Choice(members) => choose(value, members),
    }
}

/// The items of a list value for a typed list read: a stored list's items, or the items of
/// text written as a command-line list (`[3,4]` or `3,4`), each as its text with any quotes
/// removed, for the element type to convert.
pub fn list_items(value: &Value) -> Result<Vec<Value>, String> {
    Ok(sequence_items(value)?
        .into_iter()
        .map(|item| match item {
            Item::Value(value) => value,
            Item::Text { text, .. } => Value::from(text.as_str()),
        })
        .collect())
}

/// A list read in Rust: `get layers = model.layers or vec![1]` takes `[3, 4]` from a stored
/// list, from `"3,4"` and from `"[3, 4]"` alike, each item converted as `T`.
///
/// ```
/// use hyperparameter::with_params;
///
/// with_params! {
///     set model.layers = "[3, 4]";
///     get layers = model.layers or vec![1_i64];
///     assert_eq!(layers, vec![3, 4]);
/// }
/// ```
impl<T: FromParam> FromParam for Vec<T> {
    const TARGET: &'static str = "list";
    // A list read records the value as stored (the core's kinds are the scalar targets).
    const KIND: ReadKind = ReadKind::Other;
    fn from_param(value: &Value) -> Result<Self, String> {
        list_items(value)?
            .iter()
            .enumerate()
            .map(|(index, item)| T::from_param(item).map_err(|e| item_error(index, e)))
            .collect()
    }
    fn to_value(&self) -> Value {
        Value::List(Arc::new(self.iter().map(FromParam::to_value).collect()))
    }
}

impl<T: FromParam> ParamDefault for Vec<T> {
    type Output = Vec<T>;
    fn into_output(self) -> Vec<T> {
        self
    }
}

/// `none` or `null` in any case, spaces around ignored: the text an optional target reads
/// as null.
pub fn is_null_word(text: &str) -> bool {
    let word = text.trim();
    word.eq_ignore_ascii_case("none") || word.eq_ignore_ascii_case("null")
}

fn item_error(index: usize, reason: String) -> String {
    format!("item {index}: {reason}")
}

/// An item of a list or map: a value already, or a piece of text (quoted or not).
enum Item {
    Value(Value),
    Text { text: String, quoted: bool },
}

impl Item {
    fn convert(&self, shape: &Shape) -> Result<Value, String> {
        match self {
            Item::Value(value) => convert_structured(value, shape),
            Item::Text { text, quoted: true } => match shape {
                // A quoted `'null'` is text, not null.
                Shape::Optional(inner) => convert_structured(&Value::from(text.as_str()), inner),
                _ => convert_structured(&Value::from(text.as_str()), shape),
            },
            Item::Text {
                text,
                quoted: false,
            } => match shape {
                Shape::Any | Shape::Opaque => typed_text(text),
                _ => convert_structured(&Value::from(text.as_str()), shape),
            },
        }
    }
}

/// Unquoted text typed as a flow literal types it (nested lists and maps included).
fn typed_text(text: &str) -> Result<Value, String> {
    if text.starts_with('[') {
        return convert_structured(&Value::from(text), &Shape::List(Box::new(Shape::Any)));
    }
    if text.starts_with('{') {
        return convert_structured(&Value::from(text), &Shape::Map(Box::new(Shape::Any)));
    }
    Ok(match crate::compose::typed_word(text) {
        Element::Null => Value::Null,
        Element::Bool(b) => Value::Bool(b),
        Element::Int(i) => Value::Int(i),
        Element::Float(x) => Value::Float(x),
        _ => Value::from(text),
    })
}

fn sequence_items(value: &Value) -> Result<Vec<Item>, String> {
    match value {
        Value::List(items) => Ok(items.iter().cloned().map(Item::Value).collect()),
        Value::Str(text) => {
            let trimmed = text.trim();
            let inner = match trimmed.strip_prefix('[') {
                Some(rest) => rest
                    .strip_suffix(']')
                    .ok_or("no closing `]` (a list is written [3,4] or 3,4)")?,
                None => trimmed,
            };
            split_items(inner)
        }
        other => Err(format!("{} cannot be read as a list", kind_phrase(other))),
    }
}

fn map_entries(value: &Value) -> Result<Vec<(String, Item)>, String> {
    match value {
        Value::Map(map) => Ok(map
            .iter()
            .map(|(key, item)| (key.clone(), Item::Value(item.clone())))
            .collect()),
        Value::Str(text) => {
            let trimmed = text.trim();
            let inner = trimmed
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
                .ok_or("a mapping is written {a: 1, b: 2}")?;
            split_raw(inner)?.into_iter().map(split_entry).collect()
        }
        other => Err(format!(
            "{} cannot be read as a mapping",
            kind_phrase(other)
        )),
    }
}

/// `key: value` (the first `:` outside quotes and brackets), the key unquoted.
fn split_entry(text: &str) -> Result<(String, Item), String> {
    let at = top_level_positions(text, ':')?
        .first()
        .copied()
        .ok_or_else(|| format!("expected `key: value`, got `{text}`"))?;
    let key = piece(text[..at].trim())?;
    let value = piece(text[at + 1..].trim())?;
    let key = match key {
        Item::Text { text, .. } if !text.is_empty() => text,
        _ => return Err(format!("expected a key before `:` in `{text}`")),
    };
    Ok((key, value))
}

/// The items of the text between the brackets of a list (or of a whole bare list).
fn split_items(inner: &str) -> Result<Vec<Item>, String> {
    split_raw(inner)?.into_iter().map(piece).collect()
}

/// The trimmed pieces of `inner` between the commas outside quotes and brackets.
fn split_raw(inner: &str) -> Result<Vec<&str>, String> {
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    for at in top_level_positions(inner, ',')?
        .into_iter()
        .chain([inner.len()])
    {
        let text = inner[start..at].trim();
        if text.is_empty() {
            return Err("empty item (two commas in a row, or a comma at an end)".into());
        }
        pieces.push(text);
        start = at + 1;
    }
    Ok(pieces)
}

/// One trimmed piece: quoted text without its quotes (escapes `\\`, `\'`, `\"` removed), or
/// the text itself.
fn piece(text: &str) -> Result<Item, String> {
    let quote = match text.chars().next() {
        Some(q @ ('\'' | '"')) => q,
        _ => {
            return Ok(Item::Text {
                text: text.to_string(),
                quoted: false,
            })
        }
    };
    let mut out = String::new();
    let mut chars = text[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('\\' | '\'' | '"')) => out.push(escaped),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => break,
            },
            c if c == quote => {
                if chars.as_str().is_empty() {
                    return Ok(Item::Text {
                        text: out,
                        quoted: true,
                    });
                }
                return Err(format!(
                    "unexpected text after the closing quote in `{text}`"
                ));
            }
            c => out.push(c),
        }
    }
    Err(format!("unclosed quote in `{text}`"))
}

/// Byte positions of `sep` outside quotes and brackets; unbalanced brackets or an open
/// quote are an error.
fn top_level_positions(text: &str, sep: char) -> Result<Vec<usize>, String> {
    let mut found = Vec::new();
    let mut open: Vec<char> = Vec::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '{' => open.push(c),
            ']' | '}' => {
                let want = if c == ']' { '[' } else { '{' };
                if open.pop() != Some(want) {
                    return Err(format!("unbalanced `{c}` in `{text}`"));
                }
            }
            c if c == sep && open.is_empty() => found.push(at),
            _ => {}
        }
    }
    if quote.is_some() {
        return Err(format!("unclosed quote in `{text}`"));
    }
    if let Some(c) = open.last() {
        return Err(format!("unclosed `{c}` in `{text}`"));
    }
    Ok(found)
}

/// The member `value` stands for: equal to it once converted to the member's own type.
fn choose(value: &Value, members: &[Value]) -> Result<Value, String> {
    for member in members {
        let target = match member {
            Value::Bool(_) => Target::Bool,
            Value::Int(_) => Target::Int,
            Value::Float(_) => Target::Float,
            Value::Str(_) => Target::Str,
            other if other == value => return Ok(other.clone()),
            _ => continue,
        };
        // A bool is not the int 1, nor "1" the bool true: only text converts across kinds.
        let same_kind = std::mem::discriminant(value) == std::mem::discriminant(member);
        if !same_kind && !matches!(value, Value::Str(_)) {
            continue;
        }
        let text_value = match value {
            Value::Str(text) => Value::from(text.trim()),
            other => other.clone(),
        };
        if convert(&text_value, target).is_ok_and(|converted| &converted == member) {
            return Ok(member.clone());
        }
    }
    Err(format!("expected one of {}", choices_text(members)))
}

/// The members as a message lists them: `'adam', 'sgd'`, numbers and bools as written.
pub fn choices_text(members: &[Value]) -> String {
    members
        .iter()
        .map(|member| match member {
            Value::Str(text) => format!("'{text}'"),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints() -> Shape {
        Shape::List(Box::new(Shape::Primitive(Target::Int)))
    }

    fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }

    fn read(text: &str, shape: &Shape) -> Result<Value, String> {
        convert_structured(&Value::from(text), shape)
    }

    #[test]
    fn lists_with_and_without_brackets() {
        let want = list(vec![Value::Int(3), Value::Int(4)]);
        for text in ["3,4", "[3,4]", " [ 3 , 4 ] ", "[\"3\", '4']"] {
            assert_eq!(read(text, &ints()), Ok(want.clone()), "{text}");
        }
        assert_eq!(read("", &ints()), Ok(list(vec![])));
        assert_eq!(read("[]", &ints()), Ok(list(vec![])));
        assert_eq!(read("7", &ints()), Ok(list(vec![Value::Int(7)])));
        assert!(read("3,,4", &ints()).unwrap_err().contains("empty item"));
        assert!(read("[3,4", &ints()).is_err());
        assert_eq!(
            read("3,x", &ints()).unwrap_err(),
            "item 1: expected an integer"
        );
    }

    #[test]
    fn text_items_keep_their_text() {
        let strs = Shape::List(Box::new(Shape::Primitive(Target::Str)));
        let got = read("007, 'b,c', \"d\"", &strs).unwrap();
        assert_eq!(got, list(vec!["007".into(), "b,c".into(), "d".into()]));
        assert_eq!(
            read("a,b", &Shape::Primitive(Target::Str)),
            Ok(Value::from("a,b"))
        );
    }

    #[test]
    fn untyped_items_are_typed_as_flow_literals() {
        let any = Shape::List(Box::new(Shape::Any));
        let got = read("[1, 1.5, true, null, x, '2', [3]]", &any).unwrap();
        let want = list(vec![
            Value::Int(1),
            Value::Float(1.5),
            Value::Bool(true),
            Value::Null,
            "x".into(),
            "2".into(),
            list(vec![Value::Int(3)]),
        ]);
        assert_eq!(got, want);
    }

    #[test]
    fn tuples_maps_nesting() {
        let pair = Shape::Tuple(vec![
            Shape::Primitive(Target::Int),
            Shape::Primitive(Target::Str),
        ]);
        assert_eq!(
            read("1,a", &pair),
            Ok(list(vec![Value::Int(1), "a".into()]))
        );
        assert_eq!(
            read("1", &pair).unwrap_err(),
            "got 1 item where 2 are needed"
        );
        let map = Shape::Map(Box::new(Shape::Primitive(Target::Float)));
        let got = read("{a: 1, \"b\": 2.5}", &map).unwrap();
        let Value::Map(got) = got else { panic!() };
        assert_eq!(got.get("a"), Some(&Value::Float(1.0)));
        assert_eq!(got.get("b"), Some(&Value::Float(2.5)));
        assert!(read("{a: x}", &map).unwrap_err().starts_with("at key `a`"));
        let nested = Shape::List(Box::new(ints()));
        let got = read("[[1,2],[3]]", &nested).unwrap();
        assert_eq!(
            got,
            list(vec![
                list(vec![Value::Int(1), Value::Int(2)]),
                list(vec![Value::Int(3)])
            ])
        );
    }

    #[test]
    fn optional_and_choices() {
        let maybe = Shape::Optional(Box::new(Shape::Primitive(Target::Int)));
        assert_eq!(read("None", &maybe), Ok(Value::Null));
        assert_eq!(read("NULL", &maybe), Ok(Value::Null));
        assert_eq!(read("5", &maybe), Ok(Value::Int(5)));
        let choice = Shape::Choice(vec!["adam".into(), "sgd".into(), Value::Int(3)]);
        assert_eq!(read("sgd", &choice), Ok(Value::from("sgd")));
        assert_eq!(read("3", &choice), Ok(Value::Int(3)));
        assert_eq!(
            read("sdg", &choice).unwrap_err(),
            "expected one of 'adam', 'sgd', 3"
        );
        assert!(
            convert_structured(&Value::Bool(true), &Shape::Choice(vec![Value::Int(1)])).is_err()
        );
    }

    #[test]
    fn rust_list_reads() {
        assert_eq!(
            Vec::<u16>::from_param(&Value::from("80, 443")),
            Ok(vec![80, 443])
        );
        assert_eq!(
            Vec::<String>::from_param(&Value::from("007,'a,b'")),
            Ok(vec!["007".to_string(), "a,b".to_string()])
        );
        let stored = list(vec![Value::Int(1), Value::from("2")]);
        assert_eq!(Vec::<f64>::from_param(&stored), Ok(vec![1.0, 2.0]));
        assert_eq!(
            Vec::<i64>::from_param(&Value::from("1,x")),
            Err("item 1: expected an integer".to_string())
        );
        assert!(Vec::<i64>::from_param(&Value::Null).is_err());
    }
}
