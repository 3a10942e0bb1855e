//! JSON (RFC 8259) into the configuration tree, with the line and column of every value.
//!
//! A small parser with its own stack of open lists and maps (it does not recurse, so deep
//! input needs no native stack): the common JSON crates do not report where each value was
//! written. Integers must fit 64 bits (a larger one is an error, never a silent float),
//! duplicate keys are refused, and nesting is bounded by [`MAX_DEPTH`].

use std::sync::Arc;

use super::limits::MAX_DEPTH;
use super::origin::{saturate, Origin};
use super::tree::{
    insert, insert_literal, int_too_big, is_defaults_entry, too_deep, Kind, Node, NodeMap,
};
use crate::{Error, Result, Value};

/// Parses a JSON document; the top level may be any value (the caller checks it is a map).
#[cfg(test)]
pub(crate) fn parse(text: &str, file: &Arc<str>) -> Result<Node> {
    parse_with(text, file, false)
}

/// [`parse`], with the keys of the top-level `defaults` list's entries taken literally when
/// `literal_defaults` is set (for composition).
pub(crate) fn parse_with(text: &str, file: &Arc<str>, literal_defaults: bool) -> Result<Node> {
    let mut parser = JsonParser {
        literal_defaults,
        text,
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        line_start: 0,
        file,
    };
    parser.skip_whitespace();
    let node = parser.document()?;
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error("trailing characters after the JSON value"));
    }
    Ok(node)
}

/// A list or map being read: where it starts and what it holds so far (for a map, also the
/// key waiting for its value).
enum Open {
    List(Origin, Vec<Node>),
    Map(Origin, NodeMap, (String, Origin)),
}

struct JsonParser<'a> {
    /// Keys of the entries of the top-level `defaults` list are taken literally.
    literal_defaults: bool,
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: usize,
    line_start: usize,
    file: &'a Arc<str>,
}

/// The dotted path of the value about to be read inside the lists and maps `open`.
fn dotted_path(open: &[Open]) -> String {
    let steps: Vec<String> = open
        .iter()
        .map(|open| match open {
            Open::List(_, items) => items.len().to_string(),
            Open::Map(_, _, (key, _)) => key.clone(),
        })
        .collect();
    steps.join(".")
}

impl<'a> JsonParser<'a> {
    fn origin(&self) -> Origin {
        let col = self
            .text
            .get(self.line_start..self.pos)
            .map_or(self.pos - self.line_start, |s| s.chars().count());
        Origin::file(self.file, saturate(self.line), saturate(col + 1))
    }

    fn error(&self, msg: &str) -> Error {
        self.origin().error(msg)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                b' ' | b'\t' | b'\r' => self.pos += 1,
                _ => break,
            }
        }
    }

    fn expect_byte(&mut self, byte: u8, what: &str) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else if self.peek().is_none() {
            Err(self.error(&format!("unexpected end of input, expected {what}")))
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    /// One JSON value, lists and maps included, read with an explicit stack.
    fn document(&mut self) -> Result<Node> {
        let mut open: Vec<Open> = Vec::new();
        loop {
            // A value starts here: a primitive, or a list or map that may be empty.
            let origin = self.origin();
            let mut node = match self.peek() {
                Some(b'{' | b'[') => {
                    if open.len() >= MAX_DEPTH {
                        return Err(too_deep(&origin));
                    }
                    let is_map = self.peek() == Some(b'{');
                    self.pos += 1;
                    self.skip_whitespace();
                    let close = if is_map { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        let kind = if is_map {
                            Kind::Map(NodeMap::new())
                        } else {
                            Kind::List(Vec::new())
                        };
                        Node::new(kind, origin)
                    } else if is_map {
                        let key = self.key()?;
                        open.push(Open::Map(origin, NodeMap::new(), key));
                        continue;
                    } else {
                        open.push(Open::List(origin, Vec::new()));
                        continue;
                    }
                }
                _ => self.primitive(&open)?,
            };
            // The value is complete: place it, closing the lists and maps it completes.
            loop {
                let depth = open.len().saturating_sub(1);
                self.skip_whitespace();
                match open.last_mut() {
                    None => return Ok(node),
                    Some(Open::List(_, items)) => {
                        items.push(node);
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_whitespace();
                                break;
                            }
                            Some(b']') => self.pos += 1,
                            None => {
                                return Err(
                                    self.error("unexpected end of input, expected `,` or `]`")
                                )
                            }
                            Some(_) => return Err(self.error("expected `,` or `]`")),
                        }
                    }
                    Some(Open::Map(..)) => {
                        let literal = self.literal_defaults
                            && depth == 2
                            && is_defaults_entry(&dotted_path(&open[..2]));
                        let Some(Open::Map(_, map, pending)) = open.last_mut() else {
                            unreachable!("matched above")
                        };
                        if literal {
                            insert_literal(map, &pending.0, node, &pending.1)?;
                        } else {
                            insert(map, &pending.0, node, &pending.1, depth)?;
                        }
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                *pending = self.key()?;
                                break;
                            }
                            Some(b'}') => self.pos += 1,
                            None => {
                                return Err(
                                    self.error("unexpected end of input, expected `,` or `}`")
                                )
                            }
                            Some(_) => return Err(self.error("expected `,` or `}`")),
                        }
                    }
                }
                node = match open.pop().expect("checked above") {
                    Open::List(origin, items) => Node::new(Kind::List(items), origin),
                    Open::Map(origin, map, _) => Node::new(Kind::Map(map), origin),
                };
            }
        }
    }

    /// A key and its `:` (whitespace around skipped): the key and where it was written.
    fn key(&mut self) -> Result<(String, Origin)> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a key in double quotes"));
        }
        let key_origin = self.origin();
        let key = self.string()?;
        self.skip_whitespace();
        self.expect_byte(b':', "`:` after the key")?;
        self.skip_whitespace();
        Ok((key, key_origin))
    }

    /// A string, number, `true`, `false` or `null`, inside the lists and maps `open`.
    fn primitive(&mut self, open: &[Open]) -> Result<Node> {
        let origin = self.origin();
        let kind = match self.peek() {
            None => return Err(self.error("unexpected end of input, expected a value")),
            Some(b'"') => Kind::Text(self.string()?.into()),
            Some(b't') => self.word("true", Value::Bool(true))?,
            Some(b'f') => self.word("false", Value::Bool(false))?,
            Some(b'n') => self.word("null", Value::Null)?,
            Some(b'-' | b'0'..=b'9') => match self.number()? {
                Ok(value) => Kind::Scalar(value),
                Err(literal) => return Err(int_too_big(literal, &dotted_path(open), &origin)),
            },
            Some(_) => return Err(self.error("expected a value")),
        };
        Ok(Node::new(kind, origin))
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Kind> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Kind::Scalar(value))
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn string(&mut self) -> Result<String> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            while let Some(byte) = self.peek() {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // The run stops only at ASCII bytes, so it ends on a character boundary.
            out.push_str(&self.text[run_start..self.pos]);
            match self.peek() {
                None => return Err(self.error("unexpected end of input inside a string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => {
                    return Err(self.error("control character in a string (write it escaped)"))
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<()> {
        let Some(byte) = self.peek() else {
            return Err(self.error("unexpected end of input inside a string"));
        };
        self.pos += 1;
        let ch = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                if (0xD800..0xDC00).contains(&first) {
                    if !self.bytes[self.pos..].starts_with(b"\\u") {
                        return Err(self.error("unpaired surrogate in a \\u escape"));
                    }
                    self.pos += 2;
                    let second = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.error("unpaired surrogate in a \\u escape"));
                    }
                    let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))?
                } else {
                    char::from_u32(first)
                        .ok_or_else(|| self.error("unpaired surrogate in a \\u escape"))?
                }
            }
            _ => {
                self.pos -= 1;
                return Err(self.error("invalid escape in a string"));
            }
        };
        out.push(ch);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(|d| u32::from_str_radix(d, 16).ok())
            .ok_or_else(|| self.error("expected four hex digits after \\u"))?;
        self.pos += 4;
        Ok(digits)
    }

    /// A number; an integer literal beyond 64 bits comes back as `Err(literal)`.
    fn number(&mut self) -> Result<Result<Value, &'a str>> {
        let start = self.pos;
        let origin = self.origin();
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit")),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            is_float = true;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit after the decimal point"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            is_float = true;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit in the exponent"));
            }
            self.digits();
        }
        let literal = &self.text[start..self.pos];
        if is_float {
            match literal.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Ok(Value::Float(x))),
                _ => Err(origin.error(format!("number {literal} is out of the float range"))),
            }
        } else {
            Ok(literal.parse::<i64>().map(Value::Int).map_err(|_| literal))
        }
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Result<Value> {
        parse(text, &Arc::from("t.json")).map(|node| node.to_value())
    }

    fn err(text: &str) -> String {
        json(text).unwrap_err().to_string()
    }

    #[test]
    fn values_and_types() {
        let value =
            json(r#"{"a": [1, -2.5, 1e3, true, null, "x\n\u00e9\ud83d\ude00"], "b": {}}"#).unwrap();
        assert_eq!(
            value.to_string(),
            "{\"a\": [1, -2.5, 1000.0, true, null, \"x\\n\u{e9}\u{1f600}\"], \"b\": {}}"
        );
    }

    #[test]
    fn positions_of_values() {
        let node = parse("{\n  \"a\": 1,\n  \"b\": \"é\"\n}", &Arc::from("t.json")).unwrap();
        let Kind::Map(map) = node.kind else {
            panic!("not a map")
        };
        assert_eq!(map["a"].origin.to_string(), "t.json:2:8");
        assert_eq!(map["b"].origin.to_string(), "t.json:3:8");
    }

    #[test]
    fn errors_name_line_and_column() {
        assert_eq!(
            err("{\n  \"a\": 1,\n}"),
            "t.json:3:1: expected a key in double quotes"
        );
        assert_eq!(err("[1 2]"), "t.json:1:4: expected `,` or `]`");
        assert_eq!(err("{\"a\": tru}"), "t.json:1:7: expected a value");
        assert_eq!(
            err("1 2"),
            "t.json:1:3: trailing characters after the JSON value"
        );
        assert_eq!(
            err("\"abc"),
            "t.json:1:5: unexpected end of input inside a string"
        );
        assert!(err("99999999999999999999").contains("does not fit in 64 bits"));
        assert!(err("{\"a\": 1, \"a\": 2}").contains("given twice"));
        assert!(err(&"[".repeat(100_000)).contains("nesting deeper than"));
        assert_eq!(err("\"\\x\""), "t.json:1:3: invalid escape in a string");
        assert!(err("01").contains("trailing characters"));
    }
}
