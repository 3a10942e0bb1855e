//! The override grammar: `key=value`, `+key=value`, `++key=value`, `~key[=value]`,
//! `group@package=option`, with values typed the way Hydra types them.
//!
//! # Keys
//! A key is a dotted path whose segments are identifiers (letters, digits, `_`, `-`, `$`;
//! not starting with a digit or `-`) or unsigned integers (`layers.0.size`), or a config
//! group path of identifiers joined by `/` (`hydra/launcher`). `@package` may follow
//! (a dotted path, possibly empty for the top level). No spaces around `=`'s left side.
//!
//! # Values
//! Spaces after `=`, around `,` and `:` and inside brackets are ignored.
//! - A single word is typed: `null`, `true`/`false` (any case), an integer (`1_000`), a
//!   float (`1.5`, `1e-3`, `.5`, `inf`, `nan`); any other word is text.
//! - `'...'` and `"..."` are strings; inside, a quote is escaped by `\`, and backslashes
//!   before a quote or the closing quote are doubled.
//! - Unquoted text may hold letters, digits, spaces and `_-/+.$%*@?|:`, `${...}`
//!   references (kept as text), and the escapes `\\ \( \) \[ \] \{ \} \: \= \, \␣`.
//!   Several pieces (`a b`, `1abc`, `'x'y`) make one text as written.
//! - `[a, b]` lists and `{k: v}` dicts, nested freely.
//! - `a,b,c` is a choice sweep; `name(args)` calls a function (see
//!   [`functions`](super::functions)): `choice`, `range`, `interval`, `tag`, `glob`,
//!   `int`, `float`, `str`, `bool`.
//!
//! Errors are [`Error::Override`] with the override's text and the 1-based column.

use super::functions::{call, Arg};
use super::value::{Element, OverrideValue, Quote, Sweep, ESCAPED};
use super::words::{check_key, check_path, is_id, typed_word};
use crate::{Error, Result};

/// How deeply lists, dicts and calls may nest inside one override.
const MAX_NESTING: usize = 64;

/// What an override does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverrideKind {
    /// `key=value`: change an existing key, or choose a config group's option.
    Change,
    /// `+key=value`: add a key that is not there, or append a config group.
    Add,
    /// `++key=value`: add or replace.
    ForceAdd,
    /// `~key` or `~key=value`: delete (only if the value matches, when given).
    Delete,
}

/// One parsed override.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// What it does.
    pub kind: OverrideKind,
    /// The key or config group, as written (`model.lr`, `hydra/launcher`).
    pub key: String,
    /// The package after `@`, if any (`db@backup=mysql` has `backup`).
    pub package: Option<String>,
    /// The value; `None` only for a delete without `=`.
    pub value: Option<OverrideValue>,
    /// The override as given.
    pub text: String,
}

impl Override {
    /// Parses one override.
    ///
    /// ```
    /// use hyperparameter::compose::{Element, Override, OverrideKind, OverrideValue};
    ///
    /// let o = Override::parse("+model.layers=[64, 32]")?;
    /// assert_eq!(o.kind, OverrideKind::Add);
    /// assert_eq!(o.key, "model.layers");
    /// assert_eq!(
    ///     o.value,
    ///     Some(OverrideValue::Element(Element::List(vec![Element::Int(64), Element::Int(32)])))
    /// );
    /// assert!(Override::parse("lr=0.1,0.01").unwrap().is_sweep());
    /// # Ok::<(), hyperparameter::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Override> {
        let mut p = Parser::new(text);
        let kind = if p.eat('~') {
            OverrideKind::Delete
        } else if p.eat('+') {
            if p.eat('+') {
                OverrideKind::ForceAdd
            } else {
                OverrideKind::Add
            }
        } else {
            OverrideKind::Change
        };
        let key_start = p.pos;
        let key = p.take_while(|c| c.is_ascii_alphanumeric() || "_-$./".contains(c));
        check_key(key).map_err(|msg| p.error_at(key_start, msg))?;
        let package = if p.eat('@') {
            let start = p.pos;
            let package = p.take_while(|c| c.is_ascii_alphanumeric() || "_-$.".contains(c));
            if !package.is_empty() {
                check_path(package).map_err(|msg| p.error_at(start, msg))?;
            }
            Some(package.to_string())
        } else {
            None
        };
        let value = if p.at_end() && kind == OverrideKind::Delete {
            None
        } else {
            if !p.eat('=') {
                return Err(match p.peek() {
                    None => p.error(
                        "expected `=` after the key (write key=value; only a delete `~key` \
                         may omit it)",
                    ),
                    Some(c) => p.error(format!(
                        "unexpected {} in the key (expected `=`)",
                        describe(c)
                    )),
                });
            }
            p.skip_ws();
            Some(p.value()?)
        };
        Ok(Override {
            kind,
            key: key.to_string(),
            package,
            value,
            text: text.to_string(),
        })
    }

    /// Whether the value is a sweep (several values).
    pub fn is_sweep(&self) -> bool {
        matches!(self.value, Some(OverrideValue::Sweep(_)))
    }

    /// The key with its package, as the defaults list names it (`db@backup`).
    pub fn key_element(&self) -> String {
        match &self.package {
            Some(package) => format!("{}@{package}", self.key),
            None => self.key.clone(),
        }
    }
}

impl std::fmt::Display for Override {
    /// The override in canonical form: it parses back to the same override.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = match self.kind {
            OverrideKind::Change => "",
            OverrideKind::Add => "+",
            OverrideKind::ForceAdd => "++",
            OverrideKind::Delete => "~",
        };
        write!(f, "{prefix}{}", self.key_element())?;
        match &self.value {
            Some(value) => write!(f, "={value}"),
            None => Ok(()),
        }
    }
}

impl OverrideValue {
    /// Parses the value of an override on its own, the text after `=`: one element or a
    /// sweep, as [`Override::parse`] reads it (a tuner reads its search space this way).
    ///
    /// ```
    /// use hyperparameter::compose::{Number, OverrideValue, Sweep};
    ///
    /// let value = OverrideValue::parse("tag(log, interval(1e-4, 1e-1))")?;
    /// assert_eq!(
    ///     value,
    ///     OverrideValue::Sweep(Sweep::Interval {
    ///         start: Number::Float(1e-4),
    ///         end: Number::Float(1e-1),
    ///         tags: vec!["log".to_string()],
    ///     })
    /// );
    /// assert!(OverrideValue::parse("interval(1)").is_err());
    /// # Ok::<(), hyperparameter::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<OverrideValue> {
        let mut p = Parser::new(text);
        p.skip_ws();
        p.value()
    }
}

/// Parses one element (no sweep) on its own, e.g. to check how a text reads back.
pub(crate) fn parse_element(text: &str) -> Result<Element> {
    let mut p = Parser::new(text);
    p.skip_ws();
    let start = p.pos;
    let arg = p.element(0)?;
    p.skip_ws();
    p.expect_end()?;
    match arg {
        Arg::Element(element) => Ok(element),
        Arg::Sweep(_) => Err(p.error_at(start, "a sweep is not a single value")),
    }
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        '\t' => "a tab".into(),
        _ if c.is_control() => format!("the control character U+{:04X}", c as u32),
        _ => format!("`{c}`"),
    }
}

/// A piece of a primitive value.
enum Piece {
    /// Letters, digits and the other characters allowed unquoted.
    Word(String),
    /// Spaces or tabs.
    Space(String),
    /// A quoted string: its text and the quote used; `raw` as written.
    Quoted {
        text: String,
        quote: Quote,
        raw: String,
    },
    /// `${...}`, a `:`, or escapes (already removed): text taken as it is.
    Other(String),
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Parser<'a> {
        Parser { text, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> &'a str {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if !keep(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        &self.text[start..self.pos]
    }

    fn skip_ws(&mut self) {
        self.take_while(|c| c == ' ' || c == '\t');
    }

    fn column(&self, pos: usize) -> u32 {
        let chars = self.text[..pos.min(self.text.len())].chars().count();
        u32::try_from(chars + 1).unwrap_or(u32::MAX)
    }

    fn error_at(&self, pos: usize, msg: impl Into<String>) -> Error {
        Error::Override {
            text: self.text.to_string(),
            col: self.column(pos),
            msg: msg.into(),
        }
    }

    fn error(&self, msg: impl Into<String>) -> Error {
        self.error_at(self.pos, msg)
    }

    fn expect_end(&self) -> Result<()> {
        match self.peek() {
            None => Ok(()),
            Some(c) => Err(self.error(format!(
                "unexpected {} (quote the value or escape it with `\\`)",
                describe(c)
            ))),
        }
    }

    /// The value after `=`: empty, one element, or `a,b,...` (a choice sweep).
    fn value(&mut self) -> Result<OverrideValue> {
        if self.at_end() {
            return Ok(OverrideValue::Element(Element::Str(String::new())));
        }
        let start = self.pos;
        let first = self.element(0)?;
        self.skip_ws();
        if self.peek() != Some(',') {
            self.expect_end()?;
            return Ok(match first {
                Arg::Element(element) => OverrideValue::Element(element),
                Arg::Sweep(sweep) => OverrideValue::Sweep(sweep),
            });
        }
        let mut items = vec![self.plain(first, start)?];
        while self.eat(',') {
            self.skip_ws();
            let at = self.pos;
            let item = self.element(0)?;
            items.push(self.plain(item, at)?);
            self.skip_ws();
        }
        self.expect_end()?;
        Ok(OverrideValue::Sweep(Sweep::Choice {
            items,
            simple: true,
            tags: Vec::new(),
        }))
    }

    /// An element that must not be a sweep (an item of a list, dict or `a,b` choice).
    fn plain(&self, arg: Arg, at: usize) -> Result<Element> {
        match arg {
            Arg::Element(element) => Ok(element),
            Arg::Sweep(_) => Err(self.error_at(at, "a sweep cannot be nested in another value")),
        }
    }

    /// One element: list, dict, function call or primitive. Leading spaces are skipped.
    fn element(&mut self, depth: usize) -> Result<Arg> {
        self.skip_ws();
        if depth > MAX_NESTING {
            return Err(self.error(format!(
                "values nested deeper than {MAX_NESTING} levels are refused"
            )));
        }
        let start = self.pos;
        match self.peek() {
            Some('[') => {
                self.pos += 1;
                let items = self.sequence(']', depth, |p, depth| {
                    let at = p.pos;
                    let arg = p.element(depth + 1)?;
                    p.plain(arg, at)
                })?;
                Ok(Arg::Element(Element::List(items)))
            }
            Some('{') => {
                self.pos += 1;
                let entries = self.sequence('}', depth, |p, depth| {
                    let key = p.dict_key()?;
                    p.skip_ws();
                    if !p.eat(':') {
                        return Err(p.error("expected `:` after the dict key"));
                    }
                    let at = p.pos;
                    let arg = p.element(depth + 1)?;
                    Ok((key, p.plain(arg, at)?))
                })?;
                Ok(Arg::Element(Element::Dict(entries)))
            }
            _ => {
                if let Some(name) = self.function_name() {
                    return self.call(name, start, depth);
                }
                Ok(Arg::Element(self.primitive()?))
            }
        }
    }

    /// Items separated by `,` up to `close`, after the opening bracket.
    fn sequence<T>(
        &mut self,
        close: char,
        depth: usize,
        mut item: impl FnMut(&mut Parser<'a>, usize) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        self.skip_ws();
        if self.eat(close) {
            return Ok(items);
        }
        loop {
            items.push(item(self, depth)?);
            self.skip_ws();
            if self.eat(close) {
                return Ok(items);
            }
            if !self.eat(',') {
                return Err(match self.peek() {
                    None => self.error(format!("missing `{close}`")),
                    Some(c) => self.error(format!(
                        "unexpected {} (expected `,` or `{close}`)",
                        describe(c)
                    )),
                });
            }
        }
    }

    /// `name` when the text here is `name(` (spaces allowed before `(`).
    fn function_name(&mut self) -> Option<&'a str> {
        let start = self.pos;
        let name = self.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if is_id(name) {
            self.skip_ws();
            if self.eat('(') {
                return Some(name);
            }
        }
        self.pos = start;
        None
    }

    /// The arguments of a call, after `name(`, then the call evaluated.
    fn call(&mut self, name: &'a str, start: usize, depth: usize) -> Result<Arg> {
        let args = self.sequence(')', depth, |p, depth| {
            p.skip_ws();
            let before = p.pos;
            let arg_name = p.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            let keyword = if is_id(arg_name) {
                p.skip_ws();
                if p.eat('=') {
                    Some(arg_name.to_string())
                } else {
                    None
                }
            } else {
                None
            };
            if keyword.is_none() {
                p.pos = before;
            }
            let at = p.pos;
            Ok((keyword, p.element(depth + 1)?, at))
        })?;
        let mut positional = Vec::new();
        let mut keywords = Vec::new();
        for (keyword, arg, at) in args {
            match keyword {
                Some(keyword) => keywords.push((keyword, arg)),
                None if !keywords.is_empty() => {
                    return Err(
                        self.error_at(at, "a positional argument follows a keyword argument")
                    )
                }
                None => positional.push(arg),
            }
        }
        call(name, positional, keywords).map_err(|msg| {
            self.error_at(
                start,
                format!("in `{}`: {msg}", &self.text[start..self.pos]),
            )
        })
    }

    /// A dict key: unquoted text up to `:` (escapes removed, spaces around trimmed).
    fn dict_key(&mut self) -> Result<String> {
        self.skip_ws();
        let start = self.pos;
        let mut out = String::new();
        // The length without trailing spaces (escaped spaces are kept).
        let mut kept = 0;
        loop {
            match self.peek() {
                Some('\\') => {
                    let next = self.rest()[1..].chars().next();
                    match next {
                        Some(c) if ESCAPED.contains(c) => {
                            out.push(c);
                            self.pos += 1 + c.len_utf8();
                        }
                        _ => {
                            out.push('\\');
                            self.pos += 1;
                        }
                    }
                    kept = out.len();
                }
                Some(c) if c == ' ' || c == '\t' => {
                    out.push(c);
                    self.pos += 1;
                }
                Some(c) if c.is_ascii_alphanumeric() || "_-/+.$%*@?|".contains(c) => {
                    out.push(c);
                    self.pos += 1;
                    kept = out.len();
                }
                _ => break,
            }
        }
        out.truncate(kept);
        let key = out;
        if key.is_empty() {
            return Err(match self.peek() {
                Some(c) if c != ':' => {
                    self.error(format!("unexpected {} in a dict key", describe(c)))
                }
                _ => self.error_at(start, "expected a dict key"),
            });
        }
        Ok(key)
    }

    /// A primitive: pieces up to a `,`, bracket, brace, parenthesis or `=`.
    fn primitive(&mut self) -> Result<Element> {
        let start = self.pos;
        let mut pieces: Vec<Piece> = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                ',' | '(' | ')' | '[' | ']' | '{' | '}' | '=' => break,
                ' ' | '\t' => {
                    let ws = self.take_while(|c| c == ' ' || c == '\t');
                    pieces.push(Piece::Space(ws.to_string()));
                }
                '\\' => pieces.push(self.escapes()),
                '\'' | '"' => pieces.push(self.quoted(c)?),
                ':' => {
                    self.pos += 1;
                    pieces.push(Piece::Other(":".into()));
                }
                '$' if self.rest().starts_with("${") => match self.rest()[2..].find('}') {
                    Some(0) | None => {
                        self.pos += 1;
                        push_word(&mut pieces, '$');
                    }
                    Some(end) => {
                        let text = self.rest()[..end + 3].to_string();
                        self.pos += text.len();
                        pieces.push(Piece::Other(text));
                    }
                },
                _ if c.is_ascii_alphanumeric() || "_-/+.$%*@?|".contains(c) => {
                    self.pos += 1;
                    push_word(&mut pieces, c);
                }
                _ => {
                    return Err(self.error(format!(
                        "{} is not allowed in an unquoted value (put the value in quotes)",
                        describe(c)
                    )))
                }
            }
        }
        // Spaces around the value are not part of it.
        while matches!(pieces.last(), Some(Piece::Space(_))) {
            pieces.pop();
        }
        let first = pieces
            .iter()
            .position(|piece| !matches!(piece, Piece::Space(_)));
        let Some(first) = first else {
            return Err(match self.peek() {
                Some(c) => self.error(format!("expected a value before {}", describe(c))),
                None => self.error_at(start, "expected a value"),
            });
        };
        let pieces = &pieces[first..];
        if let [single] = pieces {
            return Ok(match single {
                Piece::Word(word) => typed_word(word),
                Piece::Quoted { text, quote, .. } => Element::Quoted {
                    text: text.clone(),
                    quote: *quote,
                },
                Piece::Other(text) | Piece::Space(text) => Element::Str(text.clone()),
            });
        }
        let mut text = String::new();
        for piece in pieces {
            match piece {
                Piece::Word(s) | Piece::Space(s) => text.push_str(s),
                Piece::Quoted { raw, .. } => text.push_str(raw),
                Piece::Other(s) => text.push_str(s),
            }
        }
        Ok(Element::Str(text))
    }

    /// A run of escapes (`\,` ...), or a lone `\` taken as itself.
    fn escapes(&mut self) -> Piece {
        let mut text = String::new();
        while self.peek() == Some('\\') {
            match self.rest()[1..].chars().next() {
                Some(c) if ESCAPED.contains(c) => {
                    text.push(c);
                    self.pos += 1 + c.len_utf8();
                }
                _ => break,
            }
        }
        if text.is_empty() {
            self.pos += 1;
            return Piece::Word("\\".into());
        }
        Piece::Other(text)
    }

    /// A quoted string starting at the quote `q`.
    fn quoted(&mut self, q: char) -> Result<Piece> {
        let start = self.pos;
        let body = &self.rest()[1..];
        let mut backslashes = 0usize;
        let mut text = String::new();
        for (i, c) in body.char_indices() {
            if c == q && backslashes.is_multiple_of(2) {
                // The closing quote: escaped backslashes before it are halved.
                text.extend(std::iter::repeat_n('\\', backslashes / 2));
                let raw = self.text[start..start + 1 + i + 1].to_string();
                self.pos = start + 1 + i + 1;
                let quote = if q == '\'' {
                    Quote::Single
                } else {
                    Quote::Double
                };
                return Ok(Piece::Quoted { text, quote, raw });
            }
            if c == '\\' {
                backslashes += 1;
                continue;
            }
            if c == q {
                // An escaped quote: `\'` is `'`, `\\\'` is `\'`.
                text.extend(std::iter::repeat_n('\\', backslashes / 2));
            } else {
                text.extend(std::iter::repeat_n('\\', backslashes));
            }
            backslashes = 0;
            text.push(c);
        }
        Err(self.error_at(start, format!("unterminated string (no closing {q})")))
    }
}

fn push_word(pieces: &mut Vec<Piece>, c: char) {
    if let Some(Piece::Word(word)) = pieces.last_mut() {
        word.push(c);
    } else {
        pieces.push(Piece::Word(c.to_string()));
    }
}
