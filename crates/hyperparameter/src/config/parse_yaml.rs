//! YAML into the configuration tree, from the events of `saphyr-parser` (YAML 1.2).
//!
//! Building the tree from parser events keeps this loader safe by construction: nothing but
//! maps, lists and the core-schema scalars can come out of it.
//! - Tags: only the core schema (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!seq`,
//!   `!!map`) is honoured; any other tag (`!!python/object`, `!custom`, ...) is refused,
//!   because tags are how YAML loaders are told to construct objects.
//! - Plain scalars resolve by the YAML 1.2 core schema: `null`/`~`/empty, `true`/`false`,
//!   decimal, `0o` and `0x` integers, floats with `.inf`/`.nan`; everything else (including
//!   `yes`/`no`, which typed reads still convert) is text. Quoted scalars are text.
//! - Aliases copy their anchor's value; every copy counts against [`MAX_NODES`], so an
//!   alias bomb stops with an error instead of exhausting memory.
//! - The merge key `<<` (from YAML 1.1, common in configurations) is honoured: `<<: *base`
//!   or `<<: [*a, *b]` adds the keys of those maps that the map does not set itself
//!   (shallow; an earlier map in the list wins over a later one).
//! - One document per file; keys must be scalars.

use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use super::limits::{MAX_DEPTH, MAX_NODES};
use super::origin::{saturate, Origin};
use super::tree::{
    insert, insert_literal, int_too_big, is_defaults_entry, too_deep, Kind, Node, NodeMap,
};
use crate::{Error, Result, Value};

/// Parses a YAML stream holding at most one document. An empty stream is an empty map.
#[cfg(test)]
pub(crate) fn parse(text: &str, file: &Arc<str>) -> Result<Node> {
    parse_with(text, file, false)
}

/// [`parse`], with the keys of the top-level `defaults` list's entries taken literally when
/// `literal_defaults` is set (for composition).
pub(crate) fn parse_with(text: &str, file: &Arc<str>, literal_defaults: bool) -> Result<Node> {
    let mut builder = Builder {
        literal_defaults,
        file,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        document: None,
        documents: 0,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|err| {
            let origin = builder.origin(err.marker());
            // The scanner's own bound on flow nesting, met before the builder's.
            if err.info() == "recursion limit exceeded" {
                return too_deep(&origin);
            }
            origin.error(format!("YAML syntax error: {}", err.info()))
        })?;
        builder.event(event, &span.start)?;
    }
    Ok(builder
        .document
        .unwrap_or_else(|| Node::new(Kind::Map(NodeMap::new()), Origin::file(file, 1, 1))))
}

/// A list or map being built.
struct Open {
    anchor: usize,
    origin: Origin,
    content: OpenContent,
}

enum OpenContent {
    List(Vec<Node>),
    Map(OpenMap),
}

/// A map being built.
struct OpenMap {
    map: NodeMap,
    /// The key read and waiting for its value.
    pending: Option<PendingKey>,
    /// Maps given to the merge key `<<`, in order.
    merges: Vec<NodeMap>,
}

struct PendingKey {
    text: String,
    origin: Origin,
    /// The plain key `<<` (YAML merge key).
    is_merge: bool,
}

struct Builder<'a> {
    /// Keys of the entries of the top-level `defaults` list are taken literally.
    literal_defaults: bool,
    file: &'a Arc<str>,
    stack: Vec<Open>,
    /// Anchored values by anchor id, with their sizes in nodes.
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    document: Option<Node>,
    documents: usize,
}

impl Builder<'_> {
    fn origin(&self, mark: &Marker) -> Origin {
        Origin::file(self.file, saturate(mark.line()), saturate(mark.col() + 1))
    }

    fn count(&mut self, nodes: usize, origin: &Origin) -> Result<()> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            return Err(origin.error(format!(
                "more than {MAX_NODES} values (aliases included); the input is refused"
            )));
        }
        Ok(())
    }

    /// The dotted path of the value being read (empty for the document itself).
    fn path(&self) -> String {
        let mut steps: Vec<String> = Vec::with_capacity(self.stack.len());
        for open in &self.stack {
            match &open.content {
                OpenContent::List(items) => steps.push(items.len().to_string()),
                OpenContent::Map(map) => {
                    if let Some(key) = &map.pending {
                        steps.push(key.text.clone());
                    }
                }
            }
        }
        steps.join(".")
    }

    /// Whether the next value completes a map key (keys must be scalars).
    fn expecting_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Open {
                content: OpenContent::Map(OpenMap { pending: None, .. }),
                ..
            })
        )
    }

    /// Whether the innermost map is an entry of the top-level `defaults` list.
    fn in_defaults_entry_after_key(&self) -> bool {
        if !self.literal_defaults || self.stack.len() != 3 {
            return false;
        }
        let at = |open: &Open| match &open.content {
            OpenContent::List(items) => items.len().to_string(),
            OpenContent::Map(map) => map
                .pending
                .as_ref()
                .map_or(String::new(), |k| k.text.clone()),
        };
        is_defaults_entry(&format!("{}.{}", at(&self.stack[0]), at(&self.stack[1])))
    }

    fn event(&mut self, event: Event<'_>, mark: &Marker) -> Result<()> {
        let origin = self.origin(mark);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(origin.error(
                        "a configuration file holds one YAML document; found a second one",
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if self.expecting_key() {
                    if tag.is_some() || anchor != 0 {
                        return Err(origin.error("tags and anchors on map keys are not supported"));
                    }
                    if let Some(Open {
                        content: OpenContent::Map(open),
                        ..
                    }) = self.stack.last_mut()
                    {
                        open.pending = Some(PendingKey {
                            is_merge: style == ScalarStyle::Plain && text == "<<",
                            text: text.into_owned(),
                            origin,
                        });
                    }
                    return Ok(());
                }
                let value = match scalar(&text, style, tag.as_deref(), &origin)? {
                    Some(value) => value,
                    None => return Err(int_too_big(&text, &self.path(), &origin)),
                };
                let node = Node::new(value, origin.clone());
                self.count(1, &origin)?;
                if anchor != 0 {
                    self.anchors.insert(anchor, (node.clone(), 1));
                }
                self.complete(node)?;
            }
            Event::SequenceStart(anchor, tag) => self.open(anchor, tag.as_deref(), true, origin)?,
            Event::MappingStart(anchor, tag) => self.open(anchor, tag.as_deref(), false, origin)?,
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = self.stack.pop() else {
                    return Err(origin.error("unbalanced end of a list or map"));
                };
                let kind = match open.content {
                    OpenContent::List(items) => Kind::List(items),
                    OpenContent::Map(open) => Kind::Map(apply_merges(open)),
                };
                let node = Node::new(kind, open.origin);
                if open.anchor != 0 {
                    let size = node.size();
                    self.anchors.insert(open.anchor, (node.clone(), size));
                }
                self.complete(node)?;
            }
            Event::Alias(anchor) => {
                if self.expecting_key() {
                    return Err(origin.error("map keys must be scalars, not aliases"));
                }
                let Some((node, size)) = self.anchors.get(&anchor).cloned() else {
                    return Err(origin.error("alias to an unknown anchor"));
                };
                if self.stack.len() + node.height() > MAX_DEPTH {
                    return Err(too_deep(&origin));
                }
                self.count(size, &origin)?;
                self.complete(node)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    /// Starts a list or a map.
    fn open(
        &mut self,
        anchor: usize,
        tag: Option<&Tag>,
        is_list: bool,
        origin: Origin,
    ) -> Result<()> {
        if self.expecting_key() {
            return Err(origin.error("map keys must be scalars, not lists or maps"));
        }
        if let Some(tag) = tag {
            let allowed = if is_list { "seq" } else { "map" };
            if !(tag.is_yaml_core_schema() && tag.suffix == allowed) {
                return Err(refused_tag(tag, &origin));
            }
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(too_deep(&origin));
        }
        self.count(1, &origin)?;
        let content = if is_list {
            OpenContent::List(Vec::new())
        } else {
            OpenContent::Map(OpenMap {
                map: NodeMap::new(),
                pending: None,
                merges: Vec::new(),
            })
        };
        self.stack.push(Open {
            anchor,
            origin,
            content,
        });
        Ok(())
    }

    /// Places a finished value into the list or map being built, or makes it the document.
    fn complete(&mut self, node: Node) -> Result<()> {
        let depth = self.stack.len().saturating_sub(1);
        let literal = self.in_defaults_entry_after_key();
        match self.stack.last_mut() {
            None => self.document = Some(node),
            Some(Open {
                content: OpenContent::List(items),
                ..
            }) => items.push(node),
            Some(Open {
                content: OpenContent::Map(open),
                ..
            }) => {
                let Some(key) = open.pending.take() else {
                    return Err(node.origin.error("a map value without a key"));
                };
                if key.is_merge {
                    merge_sources(node, &mut open.merges)?;
                } else if literal {
                    insert_literal(&mut open.map, &key.text, node, &key.origin)?;
                } else {
                    insert(&mut open.map, &key.text, node, &key.origin, depth)?;
                }
            }
        }
        Ok(())
    }
}

/// Collects the maps given to a merge key: a map, or a list of maps.
fn merge_sources(node: Node, merges: &mut Vec<NodeMap>) -> Result<()> {
    match node.kind {
        Kind::Map(map) => merges.push(map),
        Kind::List(items) => {
            for item in items {
                match item.kind {
                    Kind::Map(map) => merges.push(map),
                    _ => return Err(merge_error(&item.origin)),
                }
            }
        }
        _ => return Err(merge_error(&node.origin)),
    }
    Ok(())
}

fn merge_error(origin: &Origin) -> Error {
    origin.error("the merge key `<<` takes a map or a list of maps")
}

/// Applies merge keys: a key of a merged map is added unless the map sets it itself or an
/// earlier merged map did (YAML merge keys are shallow).
fn apply_merges(open: OpenMap) -> NodeMap {
    let mut map = open.map;
    for source in open.merges {
        for (key, node) in source {
            map.entry(key).or_insert(node);
        }
    }
    map
}

fn tag_text(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn refused_tag(tag: &Tag, origin: &Origin) -> Error {
    origin.error(format!(
        "YAML tag `{}` is refused: tags that construct objects are not allowed (only !!str, \
         !!int, !!float, !!bool, !!null, !!seq and !!map)",
        tag_text(tag)
    ))
}

/// Resolves a scalar by its tag, or by the core schema when it is plain and untagged;
/// `None` for an integer that does not fit 64 bits.
fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    origin: &Origin,
) -> Result<Option<Kind>> {
    let Some(tag) = tag else {
        return Ok(if style == ScalarStyle::Plain {
            core_schema(text)
        } else {
            Some(Kind::Text(Arc::from(text)))
        });
    };
    if !tag.is_yaml_core_schema() {
        return Err(refused_tag(tag, origin));
    }
    let expected = |what: &str| origin.error(format!("`{}` is not {what}", tag_text(tag)));
    let resolved = core_schema(text);
    let kind = match (tag.suffix.as_str(), resolved) {
        ("str", _) => Kind::Text(Arc::from(text)),
        ("int", None) => return Ok(None),
        ("int", Some(kind @ Kind::Scalar(Value::Int(_)))) => kind,
        ("int", _) => return Err(expected("an integer")),
        // An integer too big for 64 bits is still a float.
        ("float", None) => match text.parse::<f64>() {
            Ok(x) => Kind::Scalar(Value::Float(x)),
            Err(_) => return Err(expected("a float")),
        },
        ("float", Some(Kind::Scalar(Value::Int(i)))) => Kind::Scalar(Value::Float(i as f64)),
        ("float", Some(kind @ Kind::Scalar(Value::Float(_)))) => kind,
        ("float", _) => return Err(expected("a float")),
        ("bool", Some(kind @ Kind::Scalar(Value::Bool(_)))) => kind,
        ("bool", _) => return Err(expected("a bool")),
        ("null", Some(kind @ Kind::Scalar(Value::Null))) => kind,
        ("null", _) => return Err(expected("null")),
        _ => return Err(refused_tag(tag, origin)),
    };
    Ok(Some(kind))
}

/// The YAML 1.2 core schema for plain scalars; `None` for an integer beyond 64 bits (an
/// error, never text or a float).
fn core_schema(text: &str) -> Option<Kind> {
    let value = match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => match number(text) {
            Number::Value(value) => value,
            Number::TooBig => return None,
            Number::Text => return Some(Kind::Text(Arc::from(text))),
        },
    };
    Some(Kind::Scalar(value))
}

/// What a plain scalar is as a number.
enum Number {
    Value(Value),
    /// An integer of the core schema that does not fit 64 bits.
    TooBig,
    /// Not a number of the core schema.
    Text,
}

/// A core-schema integer (`[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`) or float.
fn number(text: &str) -> Number {
    let radix_int = |digits: &str, radix: u32| {
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            Number::Text
        } else {
            i64::from_str_radix(digits, radix)
                .map_or(Number::TooBig, |i| Number::Value(Value::Int(i)))
        }
    };
    if let Some(octal) = text.strip_prefix("0o") {
        return radix_int(octal, 8);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return radix_int(hex, 16);
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .map_or(Number::TooBig, |i| Number::Value(Value::Int(i)));
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = mantissa.contains('.') || exponent.is_some();
    let mantissa_ok = mantissa_ok
        && digits(whole)
        && digits(fraction)
        && !(whole.is_empty() && fraction.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !(mantissa_ok && exponent_ok) {
        return Number::Text;
    }
    text.parse::<f64>()
        .map_or(Number::Text, |x| Number::Value(Value::Float(x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Result<Value> {
        parse(text, &Arc::from("t.yaml")).map(|node| node.to_value())
    }

    fn err(text: &str) -> String {
        yaml(text).unwrap_err().to_string()
    }

    #[test]
    fn core_schema_scalars() {
        let value = yaml(
            "a: 1\nb: -2.5\nc: 1e3\nd: .inf\ne: true\nf: ~\ng:\nh: yes\ni: '1'\nj: 0x1f\n\
             l: !!str 12\nm: !!float 2\nn: 1.\nk: '99999999999999999999'\n",
        )
        .unwrap();
        assert_eq!(
            value.to_string(),
            r#"{"a": 1, "b": -2.5, "c": 1000.0, "d": inf, "e": true, "f": null, "g": null, "h": "yes", "i": "1", "j": 31, "l": "12", "m": 2.0, "n": 1.0, "k": "99999999999999999999"}"#
        );
    }

    #[test]
    fn anchors_dotted_keys_and_positions() {
        let text = "base: &b {x: 1}\ncopy: *b\ntrain.lr: 0.1\n";
        assert_eq!(
            yaml(text).unwrap().to_string(),
            r#"{"base": {"x": 1}, "copy": {"x": 1}, "train": {"lr": 0.1}}"#
        );
        let node = parse("a:\n  b: [1, 2]\n", &Arc::from("t.yaml")).unwrap();
        let Kind::Map(map) = &node.kind else {
            panic!("not a map")
        };
        let Kind::Map(a) = &map["a"].kind else {
            panic!("not a map")
        };
        assert_eq!(a["b"].origin.to_string(), "t.yaml:2:6");
        assert_eq!(yaml("").unwrap().to_string(), "{}");
        let text = "a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc:\n  <<: [*a, *b]\n  x: 0\n";
        assert_eq!(
            yaml(text).unwrap().to_string(),
            r#"{"a": {"x": 1, "y": 2}, "b": {"y": 3, "z": 4}, "c": {"x": 0, "y": 2, "z": 4}}"#
        );
        assert!(err("a:\n  <<: 1\n").contains("merge key"));
        // Quoted, `<<` is an ordinary key.
        assert_eq!(yaml("'<<': 1\n").unwrap().to_string(), r#"{"<<": 1}"#);
    }

    #[test]
    fn hostile_input_is_refused() {
        assert!(err("a: !!python/object/apply:os.system [\"ls\"]\n")
            .starts_with("t.yaml:1:4: YAML tag `!!python/object/apply:os.system` is refused"));
        assert!(err("a: !custom 1\n").contains("YAML tag `!custom` is refused"));
        assert!(err("a: !!binary aGk=\n").contains("is refused"));
        assert!(err(&format!("a: {}1{}\n", "[".repeat(80), "]".repeat(80)))
            .contains("nesting deeper than"));
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let j = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}, *a{j}]\n"
            ));
        }
        assert!(err(&bomb).contains("more than 1000000 values"));
        assert!(err("a: 1\n---\nb: 2\n").contains("one YAML document"));
        assert!(err("? [a]\n: 1\n").contains("map keys must be scalars"));
        assert!(err("a: [1,\n b: c").starts_with("t.yaml:3:1: YAML syntax error:"));
        assert!(err("a: 1\na: 2\n").contains("given twice"));
    }
}
