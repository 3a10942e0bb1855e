//! Writing dotted keys and their values as a TOML, YAML or JSON file that loads back to the
//! same values with the same types (see [`write_config`]).

use indexmap::IndexMap;

use super::Format;
use crate::value::format_float;
use crate::{Error, Result, Value};

/// One value to write: its dotted key, the value, and a comment to put above it (formats
/// without comments, JSON, leave it out).
#[derive(Clone, Debug)]
pub struct WriteItem {
    /// The dotted key; its segments become nested tables.
    pub key: String,
    /// The value.
    pub value: Value,
    /// A one-line comment, usually where the value came from.
    pub comment: Option<String>,
}

enum Node<'a> {
    Leaf(&'a WriteItem),
    Table(IndexMap<&'a str, Node<'a>>),
}

/// Renders `items` as a file of `format`, nested by the keys' dotted segments, with `header`
/// (one comment line per line of it, where the format has comments) at the top.
///
/// Loading the result (with [`crate::Config::from_str`] or from a file) gives every key its
/// value back with its type: text that looks like a reference (`${...}`) is escaped, so it
/// is not interpolated. A value the format cannot hold is an error naming the key: null in
/// TOML, NaN or infinity in JSON, an object of a front end in any format; so is a key that
/// holds a value and also has keys below it.
pub fn write_config(format: Format, items: &[WriteItem], header: &str) -> Result<String> {
    let tree = nest(items)?;
    let mut out = String::new();
    if format != Format::Json {
        for line in header.lines() {
            out.push_str(&comment_line(line));
        }
    }
    match format {
        Format::Toml => write_toml_table(&mut out, &tree, &mut Vec::new())?,
        Format::Yaml => write_yaml_table(&mut out, &tree, 0)?,
        Format::Json => {
            write_json_table(&mut out, &tree, 0)?;
            out.push('\n');
        }
    }
    Ok(out)
}

fn unwritable(item: &WriteItem, format: &str, detail: impl Into<String>) -> Error {
    Error::Conversion {
        key: item.key.clone(),
        value: item.value.describe(),
        origin: item
            .comment
            .clone()
            .unwrap_or_else(|| "unknown source".into()),
        target: format!("a {format} value"),
        detail: detail.into(),
    }
}

fn nest(items: &[WriteItem]) -> Result<IndexMap<&str, Node<'_>>> {
    let mut root: IndexMap<&str, Node<'_>> = IndexMap::new();
    let clash = |item: &WriteItem| Error::Conversion {
        key: item.key.clone(),
        value: item.value.describe(),
        origin: item.comment.clone().unwrap_or_default(),
        target: "a config file".into(),
        detail: "a key that holds a value cannot also have keys below it in a file".into(),
    };
    for item in items {
        let mut table = &mut root;
        let mut segments = item.key.split('.').peekable();
        while let Some(segment) = segments.next() {
            if segments.peek().is_none() {
                if table.insert(segment, Node::Leaf(item)).is_some() {
                    return Err(clash(item));
                }
                break;
            }
            let node = table
                .entry(segment)
                .or_insert_with(|| Node::Table(IndexMap::new()));
            table = match node {
                Node::Table(inner) => inner,
                Node::Leaf(_) => return Err(clash(item)),
            };
        }
    }
    Ok(root)
}

fn comment_line(text: &str) -> String {
    format!("# {}\n", text.replace(['\n', '\r'], " "))
}

/// Text as a double-quoted string with JSON escapes, which TOML and YAML read alike;
/// `${` is doubled so that loading does not interpolate it.
fn quoted(text: &str, escape_references: bool) -> String {
    let text = if escape_references {
        text.replace("${", "$${")
    } else {
        text.to_string()
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn bare_key(key: &str, reserved: &[&str]) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && !reserved.contains(&key.to_ascii_lowercase().as_str())
}

fn toml_key(key: &str) -> String {
    if bare_key(key, &[]) {
        key.to_string()
    } else {
        quoted(key, false)
    }
}

const YAML_WORDS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n"];

fn yaml_key(key: &str) -> String {
    if bare_key(key, YAML_WORDS) {
        key.to_string()
    } else {
        quoted(key, false)
    }
}

/// A value inline: scalars, `[...]` lists and `{...}` maps, in the syntax of `format`.
fn inline(out: &mut String, item: &WriteItem, value: &Value, format: Format) -> Result<()> {
    let name = match format {
        Format::Toml => "TOML",
        Format::Yaml => "YAML",
        Format::Json => "JSON",
    };
    match value {
        Value::Null => match format {
            Format::Toml => {
                return Err(unwritable(
                    item,
                    name,
                    "TOML has no null; save the config as .yaml or .json",
                ))
            }
            _ => out.push_str("null"),
        },
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(x) if x.is_finite() => out.push_str(&format_float(*x)),
        Value::Float(x) => match format {
            Format::Json => {
                return Err(unwritable(
                    item,
                    name,
                    "JSON has no NaN or infinity; save the config as .yaml or .toml",
                ))
            }
            Format::Toml => out.push_str(&format_float(*x)),
            Format::Yaml => out.push_str(if x.is_nan() {
                ".nan"
            } else if *x > 0.0 {
                ".inf"
            } else {
                "-.inf"
            }),
        },
        Value::Str(text) => out.push_str(&quoted(text, true)),
        Value::List(items) => {
            out.push('[');
            for (i, element) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline(out, item, element, format)?;
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (key, element)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match format {
                    Format::Toml => {
                        out.push_str(&toml_key(key));
                        out.push_str(" = ");
                    }
                    _ => {
                        out.push_str(&quoted(key, false));
                        out.push_str(": ");
                    }
                }
                inline(out, item, element, format)?;
            }
            out.push('}');
        }
        Value::Foreign(foreign) => {
            return Err(unwritable(
                item,
                name,
                format!(
                    "{} is not a value a config file can hold",
                    crate::convert::kind_phrase(&Value::Foreign(foreign.clone()))
                ),
            ))
        }
    }
    Ok(())
}

fn write_toml_table<'a>(
    out: &mut String,
    table: &IndexMap<&'a str, Node<'a>>,
    path: &mut Vec<&'a str>,
) -> Result<()> {
    for (key, node) in table {
        if let Node::Leaf(item) = node {
            if let Some(comment) = &item.comment {
                out.push_str(&comment_line(comment));
            }
            out.push_str(&toml_key(key));
            out.push_str(" = ");
            inline(out, item, &item.value, Format::Toml)?;
            out.push('\n');
        }
    }
    for (key, node) in table {
        if let Node::Table(inner) = node {
            path.push(key);
            let has_leaves = inner.values().any(|n| matches!(n, Node::Leaf(_)));
            if has_leaves {
                let header: Vec<String> = path.iter().map(|s| toml_key(s)).collect();
                out.push_str(&format!("\n[{}]\n", header.join(".")));
            }
            write_toml_table(out, inner, path)?;
            path.pop();
        }
    }
    Ok(())
}

fn write_yaml_table(
    out: &mut String,
    table: &IndexMap<&str, Node<'_>>,
    depth: usize,
) -> Result<()> {
    let indent = "  ".repeat(depth);
    for (key, node) in table {
        match node {
            Node::Leaf(item) => {
                if let Some(comment) = &item.comment {
                    out.push_str(&indent);
                    out.push_str(&comment_line(comment));
                }
                out.push_str(&format!("{indent}{}: ", yaml_key(key)));
                inline(out, item, &item.value, Format::Yaml)?;
                out.push('\n');
            }
            Node::Table(inner) => {
                out.push_str(&format!("{indent}{}:\n", yaml_key(key)));
                write_yaml_table(out, inner, depth + 1)?;
            }
        }
    }
    Ok(())
}

fn write_json_table(
    out: &mut String,
    table: &IndexMap<&str, Node<'_>>,
    depth: usize,
) -> Result<()> {
    if table.is_empty() {
        out.push_str("{}");
        return Ok(());
    }
    let indent = "  ".repeat(depth + 1);
    out.push_str("{\n");
    for (i, (key, node)) in table.iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        out.push_str(&indent);
        out.push_str(&quoted(key, false));
        out.push_str(": ");
        match node {
            Node::Leaf(item) => inline(out, item, &item.value, Format::Json)?,
            Node::Table(inner) => write_json_table(out, inner, depth + 1)?,
        }
    }
    out.push('\n');
    out.push_str(&"  ".repeat(depth));
    out.push('}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    fn item(key: &str, value: Value) -> WriteItem {
        WriteItem {
            key: key.into(),
            value,
            comment: Some(format!("from {key}")),
        }
    }

    fn sample() -> Vec<WriteItem> {
        vec![
            item("top", Value::Int(1)),
            item("train.lr", Value::Float(2.0)),
            item("train.name", Value::from("run ${x} \"q\"\n")),
            item("train.flag", Value::Bool(false)),
            item("model.layers", Value::from(vec![3, 4])),
            item("model.deep.größe-1", Value::Float(1e-7)),
            item("model.deep.true", Value::Null),
        ]
    }

    #[test]
    fn every_format_loads_back_to_the_same_values() {
        for format in [Format::Toml, Format::Yaml, Format::Json] {
            let mut items = sample();
            if format == Format::Toml {
                items.retain(|item| item.value != Value::Null);
            }
            let text = write_config(format, &items, "saved\nby a test").unwrap();
            let config = Config::from_str(&text, format, "saved").unwrap();
            for expected in items {
                let got = config.get(&expected.key).unwrap();
                assert_eq!(got, expected.value, "{format:?} {}:\n{text}", expected.key);
                assert_eq!(got.type_name(), expected.value.type_name());
            }
        }
    }

    #[test]
    fn what_a_format_cannot_hold_is_an_error_naming_the_key() {
        let null = [item("a.b", Value::Null)];
        let err = write_config(Format::Toml, &null, "")
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.b") && err.contains("null"), "{err}");
        assert!(write_config(Format::Yaml, &null, "").is_ok());
        let nan = [item("x", Value::Float(f64::NAN))];
        let err = write_config(Format::Json, &nan, "")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`x`") || err.contains("x"), "{err}");
        let clash = [item("a", Value::Int(1)), item("a.b", Value::Int(2))];
        assert!(write_config(Format::Yaml, &clash, "").is_err());
    }
}
