//! TOML into the configuration tree, using the `toml` crate's spanned document parser.
//!
//! TOML's own dotted keys (`train.lr = 1`) already nest; a quoted key with dots
//! (`"train.lr" = 1`) nests too. Dates and times are kept as their TOML text.

use std::sync::Arc;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::limits::MAX_DEPTH;
use super::origin::{LineIndex, Origin};
use super::tree::{
    insert, insert_literal, int_too_big, is_defaults_entry, too_deep, Kind, Node, NodeMap,
};
use crate::{Result, Value};

/// Nesting up to which a TOML text is parsed on the caller's thread; deeper (up to the
/// bound) it is parsed on a helper thread with [`DEEP_STACK`] bytes of stack, because the
/// `toml` parser recurses once per level of inline arrays and tables and once per segment
/// of a dotted key.
const SHALLOW: usize = 8;

/// The stack of the helper thread that parses deeply nested TOML.
const DEEP_STACK: usize = 8 * 1024 * 1024;

/// Parses a TOML document into a map node.
///
/// Nesting deeper than [`MAX_DEPTH`] is refused by a scan of the text before the `toml`
/// parser sees it, so the parser's recursion is bounded whatever the input.
#[cfg(test)]
pub(crate) fn parse(text: &str, file: &Arc<str>) -> Result<Node> {
    parse_with(text, file, false)
}

/// [`parse`], with the keys of the top-level `defaults` list's entries taken literally when
/// `literal_defaults` is set (for composition).
pub(crate) fn parse_with(text: &str, file: &Arc<str>, literal_defaults: bool) -> Result<Node> {
    let nesting = Nesting::scan(text);
    if nesting.deepest > Nesting::REFUSED_ABOVE {
        let (line, col) = LineIndex::new(text).position(nesting.at);
        return Err(too_deep(&Origin::file(file, line, col)));
    }
    if nesting.deepest <= SHALLOW {
        return parse_here(text, file, literal_defaults);
    }
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("hyperparameter-toml".into())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, || parse_here(text, file, literal_defaults))
            .map_err(|err| {
                Origin::file(file, 0, 0).error(format!("cannot start a thread to parse: {err}"))
            })?
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// How deep a TOML text nests, as the parser will recurse: open inline arrays and tables
/// (`[`, `{`) plus the segments of the key being written, at worst; strings and comments are
/// skipped. It never underestimates a value's real depth by more than the brackets of a
/// table header.
struct Nesting {
    deepest: usize,
    /// The byte offset where `deepest` is first reached.
    at: usize,
}

impl Nesting {
    /// Nesting past which a text is refused before parsing: the depth bound, with two levels
    /// of slack for the brackets of a header such as `[[a]]`, which count as levels here.
    const REFUSED_ABOVE: usize = MAX_DEPTH + 2;

    fn scan(text: &str) -> Nesting {
        let bytes = text.as_bytes();
        let mut nesting = Nesting { deepest: 0, at: 0 };
        // The brackets open here, and whether a key is being written (with its dots).
        let mut open: Vec<u8> = Vec::new();
        let mut braces = 0usize;
        let mut in_key = true;
        let mut dots = 0usize;
        let mut i = 0;
        while i < bytes.len() {
            let byte = bytes[i];
            match byte {
                b'#' => {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                    continue;
                }
                b'"' | b'\'' => {
                    i = skip_string(bytes, i);
                    continue;
                }
                b'\n' if open.last().is_none_or(|b| *b == b'{') => {
                    in_key = true;
                    dots = 0;
                }
                b'[' | b'{' => {
                    // A `[` where a key starts, outside any value, opens a table header.
                    let header = byte == b'[' && in_key && braces == 0;
                    open.push(byte);
                    braces += usize::from(byte == b'{');
                    in_key = header || byte == b'{';
                    dots = 0;
                }
                b']' | b'}' => {
                    let closed = open.pop();
                    braces -= usize::from(closed == Some(b'{'));
                }
                b',' if open.last() == Some(&b'{') => {
                    in_key = true;
                    dots = 0;
                }
                b'=' => in_key = false,
                b'.' if in_key => dots += 1,
                _ => {}
            }
            let depth = open.len() + if in_key { dots + 1 } else { 0 };
            if depth > nesting.deepest {
                nesting.deepest = depth;
                nesting.at = i;
                if depth > Nesting::REFUSED_ABOVE {
                    // Refused anyway: the rest does not matter.
                    break;
                }
            }
            i += 1;
        }
        nesting
    }
}

/// The offset just past the string (basic or literal, one-line or multi-line) starting at
/// `start`, or the end of the line for one left open.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let triple = bytes[start..].starts_with(&[quote; 3]);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        if quote == b'"' && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if !triple && bytes[i] == b'\n' {
            return i;
        }
        if bytes[i] == quote && (!triple || bytes[i..].starts_with(&[quote; 3])) {
            // A closing `"""` may be followed by up to two more quotes that belong to the
            // string; they are skipped as ordinary bytes.
            return i + if triple { 3 } else { 1 };
        }
        i += 1;
    }
    i
}

/// Parses a TOML document into a map node on the current thread.
fn parse_here(text: &str, file: &Arc<str>, literal_defaults: bool) -> Result<Node> {
    let lines = LineIndex::new(text);
    let document = DeTable::parse(text).map_err(|err| {
        let (line, col) = err.span().map_or((0, 0), |span| lines.position(span.start));
        let origin = Origin::file(file, line, col);
        let message = err.message().trim_end();
        match err.span() {
            Some(span) if message == "duplicate key" => {
                origin.error(format!("key `{}` is given twice", written_key(text, span)))
            }
            _ => origin.error(message),
        }
    })?;
    let builder = Builder {
        lines,
        file,
        literal_defaults,
    };
    let origin = builder.origin(document.span().start);
    let map = builder.table(document.get_ref(), 0, "")?;
    Ok(Node::new(Kind::Map(map), origin))
}

struct Builder<'a> {
    lines: LineIndex<'a>,
    file: &'a Arc<str>,
    /// Keys of the entries of the top-level `defaults` list are taken literally.
    literal_defaults: bool,
}

impl Builder<'_> {
    fn origin(&self, offset: usize) -> Origin {
        let (line, col) = self.lines.position(offset);
        Origin::file(self.file, line, col)
    }

    /// A table `depth` levels below the root, at the dotted `path`.
    fn table(&self, table: &DeTable<'_>, depth: usize, path: &str) -> Result<NodeMap> {
        let mut map = NodeMap::new();
        for (key, value) in table.iter() {
            let key_origin = self.origin(key.span().start);
            let node = self.value(value, depth + 1, &join(path, key.get_ref()))?;
            if self.literal_defaults && depth == 2 && is_defaults_entry(path) {
                insert_literal(&mut map, key.get_ref(), node, &key_origin)?;
            } else {
                insert(&mut map, key.get_ref(), node, &key_origin, depth)?;
            }
        }
        Ok(map)
    }

    /// A value `depth` levels below the root, at the dotted `path`.
    fn value(&self, value: &Spanned<DeValue<'_>>, depth: usize, path: &str) -> Result<Node> {
        let origin = self.origin(value.span().start);
        let kind = match value.get_ref() {
            DeValue::String(text) => Kind::Text(Arc::from(text.as_ref())),
            DeValue::Integer(integer) => {
                let parsed = i64::from_str_radix(integer.as_str(), integer.radix());
                match parsed {
                    Ok(i) => Kind::Scalar(Value::Int(i)),
                    Err(_) => return Err(int_too_big(&integer.to_string(), path, &origin)),
                }
            }
            DeValue::Float(float) => match float.as_str().parse::<f64>() {
                Ok(x) => Kind::Scalar(Value::Float(x)),
                Err(_) => return Err(origin.error(format!("invalid float {float}"))),
            },
            DeValue::Boolean(b) => Kind::Scalar(Value::Bool(*b)),
            DeValue::Datetime(datetime) => Kind::Text(Arc::from(datetime.to_string())),
            DeValue::Array(items) => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(&origin));
                }
                Kind::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| self.value(item, depth + 1, &join(path, &i.to_string())))
                        .collect::<Result<_>>()?,
                )
            }
            DeValue::Table(table) => {
                if depth >= MAX_DEPTH {
                    return Err(too_deep(&origin));
                }
                Kind::Map(self.table(table, depth, path)?)
            }
        };
        Ok(Node::new(kind, origin))
    }
}

/// The whole key, as written, whose last segment is the text at `span`: a table header
/// (`[a.b]`), or a key of a `key = value` line under the header before it (`[t]` ... `x`
/// gives `t.x`). Inside an inline table only the key's own segments are known.
fn written_key(text: &str, span: std::ops::Range<usize>) -> String {
    let end = span.end.min(text.len());
    let line_start = text[..span.start.min(end)].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..end].trim_start();
    if let Some(header) = before.strip_prefix('[') {
        // A header: `[a.b]` or `[[a.b]]`, up to the key's end.
        return header.trim_start_matches('[').trim().to_string();
    }
    if before.contains(['=', '{', '[']) {
        // Inside an inline table or array: the segment alone.
        return text.get(span).unwrap_or_default().trim().to_string();
    }
    let key = before.trim_end();
    // The header the line is under, if any.
    let table = text[..line_start].lines().rev().find_map(|line| {
        let line = line.trim_start();
        let header = line.strip_prefix('[')?;
        let header = header.trim_start_matches('[');
        let close = header.find(']')?;
        Some(header[..close].trim().to_string())
    });
    match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_string(),
    }
}

/// `prefix.key`, or `key` at the root.
fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml(text: &str) -> Result<Node> {
        parse(text, &Arc::from("t.toml"))
    }

    #[test]
    fn types_dotted_keys_and_positions() {
        let text = "\"train.lr\" = 0.1\nname = \"x\"\n[train]\nepochs = 0x10\n\
                    [[layers]]\nsize = 2\n[when]\nday = 2024-01-02\n";
        let node = toml(text).unwrap();
        assert_eq!(
            node.to_value().to_string(),
            r#"{"train": {"lr": 0.1, "epochs": 16}, "name": "x", "layers": [{"size": 2}], "when": {"day": "2024-01-02"}}"#
        );
        let Kind::Map(map) = &node.kind else {
            panic!("not a map")
        };
        let Kind::Map(train) = &map["train"].kind else {
            panic!("not a map")
        };
        assert_eq!(train["lr"].origin.to_string(), "t.toml:1:14");
        assert_eq!(train["epochs"].origin.to_string(), "t.toml:4:10");
    }

    #[test]
    fn errors_name_line_and_column() {
        let err = toml("a = 1\nb = \n").unwrap_err().to_string();
        assert!(err.starts_with("t.toml:2:5: "), "{err}");
        let err = toml("a = 1\na = 2\n").unwrap_err().to_string();
        assert_eq!(err, "t.toml:2:1: key `a` is given twice");
        let cases = [
            (
                "[t]\nx = 1\n[t]\ny = 2\n",
                "t.toml:3:2: key `t` is given twice",
            ),
            (
                "[t]\nx = 1\n  x = 3\n",
                "t.toml:3:3: key `t.x` is given twice",
            ),
            (
                "[t.u]\nx.y = 1\nx.y = 3\n",
                "t.toml:3:3: key `t.u.x.y` is given twice",
            ),
            (
                "t = {x = 1, x = 2}\n",
                "t.toml:1:13: key `x` is given twice",
            ),
            ("[[t]]\n[t]\n", "t.toml:2:2: key `t` is given twice"),
            ("a = 1\n[a]\n", "t.toml:2:2: key `a` is given twice"),
            (
                "\"a b\" = 1\n\"a b\" = 2\n",
                "t.toml:2:1: key `\"a b\"` is given twice",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(toml(text).unwrap_err().to_string(), expected, "{text:?}");
        }
        let err = toml("\"a.b\" = 1\n[a]\nb = 2\n").unwrap_err().to_string();
        assert!(err.contains("given twice"), "{err}");
    }
}
