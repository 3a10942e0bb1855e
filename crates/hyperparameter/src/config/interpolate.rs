//! Interpolation: `${a.b}`, `${env:NAME}`, `${env:NAME,default}` and the `$${...}` escape.
//!
//! Rules (SPEC §6):
//! - `${a.b}` is the value of the absolute key `a.b` in the merged tree (numeric segments
//!   index lists: `${layers.0.size}`). A text that is exactly one reference takes the
//!   referenced value with its type (a map or list is copied); a reference inside longer
//!   text is formatted as text (floats by [`crate::format_float`], bools `true`/`false`,
//!   null `null`; a map or list there is an error).
//! - `${env:NAME}` is the environment variable, as text; `${env:NAME,default}` uses the text
//!   after the first comma (spaces around it trimmed) when the variable is unset.
//! - `$${` is a literal `${`; any other `$` is itself. References do not nest, and nothing
//!   is ever executed.
//! - A missing key, an unset variable without default, a cycle and bad syntax are errors
//!   located at the value that holds the reference, naming the chain of keys followed.
//!
//! Values are resolved on demand in document order: following a reference first resolves
//! what it points at (all of it, for a map or list), and a key met again while it is being
//! resolved is a cycle.

use std::collections::HashSet;
use std::sync::Arc;

use super::limits::{MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES};
use super::origin::Origin;
use super::tree::{dotted, too_deep, Kind, Node, NodeMap, Step};
use crate::{format_float, validate_key, Error, Result, Value};

/// One part of a text: literal text or a reference.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Piece {
    Literal(String),
    Reference(Reference),
}

/// What a `${...}` names.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Reference {
    /// `${a.b}`
    Key(String),
    /// `${env:NAME}` or `${env:NAME,default}`
    Env {
        name: String,
        default: Option<String>,
    },
}

impl Reference {
    fn written(&self) -> String {
        match self {
            Reference::Key(key) => format!("${{{key}}}"),
            Reference::Env {
                name,
                default: None,
            } => format!("${{env:{name}}}"),
            Reference::Env {
                name,
                default: Some(default),
            } => format!("${{env:{name},{default}}}"),
        }
    }
}

/// Splits a text into literal pieces and references; the error says what is wrong.
pub(crate) fn parse_template(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        literal.push_str(&rest[..dollar]);
        let after = &rest[dollar..];
        if let Some(escaped) = after.strip_prefix("$${") {
            literal.push_str("${");
            rest = escaped;
        } else if let Some(body_start) = after.strip_prefix("${") {
            let Some(end) = body_start.find('}') else {
                return Err(format!("unclosed `${{` in {text:?} (expected `}}`)"));
            };
            let body = &body_start[..end];
            if body.contains(['$', '{']) {
                return Err(format!("nested references are not supported in {text:?}"));
            }
            if !literal.is_empty() {
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Reference(parse_reference(body)?));
            rest = &body_start[end + 1..];
        } else {
            literal.push('$');
            rest = &after[1..];
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    Ok(pieces)
}

fn parse_reference(body: &str) -> Result<Reference, String> {
    let written = format!("${{{body}}}");
    if body.contains(['$', '{']) {
        return Err(format!(
            "nested references are not supported: `{written}...`"
        ));
    }
    let body = body.trim();
    if body.is_empty() {
        return Err("empty reference `${}`".into());
    }
    if let Some(env) = body.strip_prefix("env:") {
        let (name, default) = match env.split_once(',') {
            Some((name, default)) => (name.trim(), Some(default.trim().to_string())),
            None => (env.trim(), None),
        };
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!(
                "`{written}` needs an environment variable name (`${{env:NAME}}`)"
            ));
        }
        return Ok(Reference::Env {
            name: name.to_string(),
            default,
        });
    }
    if let Some((resolver, _)) = body.split_once(':') {
        return Err(format!(
            "unknown resolver `{resolver}` in `{written}` (only `env:` is supported)"
        ));
    }
    validate_key(body).map_err(|err| format!("invalid reference `{written}`: {err}"))?;
    Ok(Reference::Key(body.to_string()))
}

/// Resolves every `${...}` of the tree in place; `env` reads environment variables.
pub(crate) fn resolve_tree(root: &mut NodeMap, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    let mut pending = Vec::new();
    collect_texts(root_steps(root), &mut Vec::new(), &mut pending);
    let mut resolver = Resolver {
        root,
        env,
        in_progress: HashSet::new(),
        chain: Vec::new(),
        copied: 0,
    };
    for path in pending {
        resolver.resolve_text(&path)?;
    }
    Ok(())
}

fn root_steps(root: &NodeMap) -> impl Iterator<Item = (Step, &Node)> {
    root.iter().map(|(k, v)| (Step::Key(k.clone()), v))
}

/// Appends the paths of every unresolved text under the given children of `prefix`.
fn collect_texts<'a>(
    children: impl Iterator<Item = (Step, &'a Node)>,
    prefix: &mut Vec<Step>,
    out: &mut Vec<Vec<Step>>,
) {
    for (step, node) in children {
        prefix.push(step);
        collect_node(node, prefix, out);
        prefix.pop();
    }
}

fn collect_node(node: &Node, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match &node.kind {
        Kind::Text(_) => out.push(prefix.clone()),
        Kind::List(items) => collect_texts(
            items.iter().enumerate().map(|(i, n)| (Step::Index(i), n)),
            prefix,
            out,
        ),
        Kind::Map(map) => collect_texts(root_steps(map), prefix, out),
        Kind::Scalar(_) => {}
    }
}

fn node_at<'a>(root: &'a NodeMap, path: &[Step]) -> Option<&'a Node> {
    let (first, rest) = path.split_first()?;
    let Step::Key(key) = first else { return None };
    let mut node = root.get(key)?;
    for step in rest {
        node = match (&node.kind, step) {
            (Kind::Map(map), Step::Key(key)) => map.get(key)?,
            (Kind::List(items), Step::Index(i)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn node_at_mut<'a>(root: &'a mut NodeMap, path: &[Step]) -> Option<&'a mut Node> {
    let (first, rest) = path.split_first()?;
    let Step::Key(key) = first else { return None };
    let mut node = root.get_mut(key)?;
    for step in rest {
        node = match (&mut node.kind, step) {
            (Kind::Map(map), Step::Key(key)) => map.get_mut(key)?,
            (Kind::List(items), Step::Index(i)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

struct Resolver<'a> {
    root: &'a mut NodeMap,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// Texts being resolved (on the current chain).
    in_progress: HashSet<Vec<Step>>,
    /// The keys followed so far, for messages: `a -> b -> c`.
    chain: Vec<String>,
    /// Nodes copied by whole-value references, bounded by [`MAX_NODES`].
    copied: usize,
}

impl Resolver<'_> {
    fn chain_text(&self) -> String {
        self.chain.join(" -> ")
    }

    /// Resolves the text at `path` (if it still is one).
    fn resolve_text(&mut self, path: &[Step]) -> Result<()> {
        let Some(node) = node_at(self.root, path) else {
            return Ok(());
        };
        let Kind::Text(text) = &node.kind else {
            return Ok(());
        };
        let text = text.clone();
        let origin = node.origin.clone();
        let key = dotted(path);
        if self.in_progress.contains(path) {
            if self.chain.last() != Some(&key) {
                self.chain.push(key);
            }
            let start = self
                .chain
                .iter()
                .position(|k| *k == self.chain[self.chain.len() - 1]);
            let cycle = self.chain[start.unwrap_or(0)..].join(" -> ");
            let first = self.cycle_origin(start.unwrap_or(0)).unwrap_or(origin);
            return Err(first.error(format!("interpolation cycle: {cycle}")));
        }
        if !text.contains('$') {
            self.set(path, Node::new(Kind::Scalar(Value::Str(text)), origin));
            return Ok(());
        }
        let pieces = parse_template(&text)
            .map_err(|msg| origin.error(format!("bad interpolation in `{key}`: {msg}")))?;
        let pushed = self.chain.last() != Some(&key);
        if pushed {
            self.chain.push(key.clone());
        }
        self.in_progress.insert(path.to_vec());
        let result = self.evaluate(&pieces, path, &key, &origin);
        self.in_progress.remove(path);
        if pushed {
            self.chain.pop();
        }
        let mut node = result?;
        node.origin = origin;
        self.set(path, node);
        Ok(())
    }

    /// Where the value of the chain's `index`th key was written.
    fn cycle_origin(&self, index: usize) -> Option<Origin> {
        let key = self.chain.get(index)?;
        let steps: Vec<Step> = key.split('.').map(|s| Step::Key(s.to_string())).collect();
        self.lookup_plain(&steps).map(|node| node.origin.clone())
    }

    /// A node by dotted steps, where numeric steps may index lists (no resolving).
    fn lookup_plain(&self, steps: &[Step]) -> Option<&Node> {
        let (first, rest) = steps.split_first()?;
        let Step::Key(key) = first else { return None };
        let mut node = self.root.get(key)?;
        for step in rest {
            let Step::Key(segment) = step else {
                return None;
            };
            node = match &node.kind {
                Kind::Map(map) => map.get(segment)?,
                Kind::List(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    fn set(&mut self, path: &[Step], node: Node) {
        if let Some(slot) = node_at_mut(self.root, path) {
            *slot = node;
        }
    }

    fn evaluate(
        &mut self,
        pieces: &[Piece],
        path: &[Step],
        key: &str,
        origin: &Origin,
    ) -> Result<Node> {
        if let [Piece::Reference(reference)] = pieces {
            let node = self.follow(reference, key, origin)?;
            if path.len() + node.height() > MAX_DEPTH {
                return Err(too_deep(origin));
            }
            return Ok(node);
        }
        let mut text = String::new();
        for piece in pieces {
            match piece {
                Piece::Literal(literal) => text.push_str(literal),
                Piece::Reference(reference) => {
                    let node = self.follow(reference, key, origin)?;
                    match &node.kind {
                        Kind::Scalar(Value::Str(s)) => text.push_str(s),
                        Kind::Scalar(Value::Float(x)) => text.push_str(&format_float(*x)),
                        Kind::Scalar(value @ (Value::Null | Value::Bool(_) | Value::Int(_))) => {
                            text.push_str(&value.to_string())
                        }
                        _ => {
                            return Err(origin.error(format!(
                                "cannot put `{}` inside text in `{key}`: it is a {} (a reference \
                                 that is the whole value copies it instead)",
                                reference.written(),
                                node.type_name()
                            )))
                        }
                    }
                }
            }
            if text.len() > MAX_INPUT_BYTES {
                return Err(origin.error(format!(
                    "interpolation of `{key}` builds a text longer than {MAX_INPUT_BYTES} bytes"
                )));
            }
        }
        Ok(Node::new(
            Kind::Scalar(Value::Str(Arc::from(text))),
            origin.clone(),
        ))
    }

    /// The resolved value a reference names (a copy).
    fn follow(&mut self, reference: &Reference, key: &str, origin: &Origin) -> Result<Node> {
        match reference {
            Reference::Env { name, default } => {
                let value = (self.env)(name).or_else(|| default.clone());
                match value {
                    Some(value) => Ok(Node::new(
                        Kind::Scalar(Value::Str(Arc::from(value))),
                        origin.clone(),
                    )),
                    None => Err(origin.error(format!(
                        "environment variable `{name}` is not set (referenced by `{}` in `{key}`; \
                         `${{env:{name},default}}` gives a default)",
                        reference.written()
                    ))),
                }
            }
            Reference::Key(target) => {
                self.chain.push(target.clone());
                let result = self.follow_key(target, reference, origin);
                self.chain.pop();
                result
            }
        }
    }

    fn follow_key(&mut self, target: &str, reference: &Reference, origin: &Origin) -> Result<Node> {
        let path = self.find(target, reference, origin)?;
        // Resolve everything under the target before copying it.
        let mut texts = Vec::new();
        if let Some(node) = node_at(self.root, &path) {
            let mut prefix = path.clone();
            collect_node(node, &mut prefix, &mut texts);
        }
        for text in texts {
            self.resolve_text(&text)?;
        }
        let Some(node) = node_at(self.root, &path) else {
            return Err(self.missing(target, reference, origin, None));
        };
        let size = node.size();
        self.copied = self.copied.saturating_add(size);
        if self.copied > MAX_NODES {
            return Err(origin.error(format!(
                "interpolation copies more than {MAX_NODES} values; the configuration is refused"
            )));
        }
        Ok(node.clone())
    }

    /// The path of `target`, resolving texts met on the way (a reference may go through a
    /// value that is itself a reference to a map).
    fn find(&mut self, target: &str, reference: &Reference, origin: &Origin) -> Result<Vec<Step>> {
        let segments: Vec<&str> = target.split('.').collect();
        let mut path: Vec<Step> = Vec::with_capacity(segments.len());
        for (i, segment) in segments.iter().enumerate() {
            if i > 0 {
                if let Some(Node {
                    kind: Kind::Text(_),
                    ..
                }) = node_at(self.root, &path)
                {
                    self.resolve_text(&path)?;
                }
            }
            let parent = if i == 0 {
                None
            } else {
                node_at(self.root, &path)
            };
            let step = match parent.map(|node| &node.kind) {
                None => Step::Key((*segment).to_string()),
                Some(Kind::Map(_)) => Step::Key((*segment).to_string()),
                Some(Kind::List(items)) => match segment.parse::<usize>() {
                    Ok(index) if index < items.len() => Step::Index(index),
                    _ => {
                        let why = format!("`{}` is a list of {} items", dotted(&path), items.len());
                        return Err(self.missing(target, reference, origin, Some(why)));
                    }
                },
                Some(_) => {
                    let why = format!(
                        "`{}` is of type {}, not a map",
                        dotted(&path),
                        parent.map_or("value", Node::type_name)
                    );
                    return Err(self.missing(target, reference, origin, Some(why)));
                }
            };
            path.push(step);
            if node_at(self.root, &path).is_none() {
                return Err(self.missing(target, reference, origin, None));
            }
        }
        Ok(path)
    }

    fn missing(
        &self,
        target: &str,
        reference: &Reference,
        origin: &Origin,
        why: Option<String>,
    ) -> Error {
        let why = why.map(|w| format!(": {w}")).unwrap_or_default();
        origin.error(format!(
            "missing key `{target}` referenced by `{}`{why} (chain: {})",
            reference.written(),
            self.chain_text()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_yaml;

    fn key(k: &str) -> Piece {
        Piece::Reference(Reference::Key(k.into()))
    }

    fn lit(s: &str) -> Piece {
        Piece::Literal(s.into())
    }

    #[test]
    fn templates() {
        assert_eq!(parse_template("${a.b}"), Ok(vec![key("a.b")]));
        assert_eq!(
            parse_template("x ${ a } $5 $${b} }"),
            Ok(vec![lit("x "), key("a"), lit(" $5 ${b} }")])
        );
        assert_eq!(
            parse_template("${env:HOME, /tmp }"),
            Ok(vec![Piece::Reference(Reference::Env {
                name: "HOME".into(),
                default: Some("/tmp".into())
            })])
        );
        assert!(parse_template("${a").unwrap_err().contains("unclosed"));
        assert!(parse_template("${}").unwrap_err().contains("empty"));
        assert!(parse_template("${a.${b}}").unwrap_err().contains("nested"));
        assert!(parse_template("${oc.x:1}")
            .unwrap_err()
            .contains("unknown resolver"));
        assert!(parse_template("${env:}")
            .unwrap_err()
            .contains("variable name"));
        assert!(parse_template("${a b}")
            .unwrap_err()
            .contains("invalid reference"));
    }

    fn resolve(text: &str) -> Result<String> {
        let node = parse_yaml::parse(text, &Arc::from("t.yaml"))?;
        let Kind::Map(mut map) = node.kind else {
            panic!("not a map")
        };
        let env = |name: &str| (name == "HP_TEST_SET").then(|| "from-env".to_string());
        resolve_tree(&mut map, &env)?;
        Ok(Value::from(super::super::tree::map_to_value(&map)).to_string())
    }

    #[test]
    fn references_keep_types_or_format_text() {
        let out = resolve(
            "a: {b: 2, f: 0.5, t: true}\nx: ${a.b}\ny: 'n=${a.b} f=${a.f} ${a.t}'\n\
             m: ${a}\nl: ['${y}', 3]\ni: ${l.1}\ne: ${env:HP_TEST_SET}\nd: ${env:HP_NOPE, dflt}\n\
             esc: $${a.b}\n",
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"a": {"b": 2, "f": 0.5, "t": true}, "x": 2, "y": "n=2 f=0.5 true", "m": {"b": 2, "f": 0.5, "t": true}, "l": ["n=2 f=0.5 true", 3], "i": 3, "e": "from-env", "d": "dflt", "esc": "${a.b}"}"#
        );
        // Through a reference to a map, and resolved references are not resolved again.
        let out = resolve("a: ${b}\nb: {c: '$${x}'}\nd: ${a.c}\n").unwrap();
        assert_eq!(
            out,
            r#"{"a": {"c": "${x}"}, "b": {"c": "${x}"}, "d": "${x}"}"#
        );
    }

    #[test]
    fn errors_name_chain_and_place() {
        assert_eq!(
            resolve("a: ${b}\nb: ${c}\n").unwrap_err().to_string(),
            "t.yaml:2:4: missing key `c` referenced by `${c}` (chain: a -> b -> c)"
        );
        assert_eq!(
            resolve("a: ${b}\nb: ${a}\n").unwrap_err().to_string(),
            "t.yaml:1:4: interpolation cycle: a -> b -> a"
        );
        assert_eq!(
            resolve("a: {x: '${a}'}\n").unwrap_err().to_string(),
            "t.yaml:1:8: interpolation cycle: a.x -> a -> a.x"
        );
        assert_eq!(
            resolve("n: 1\na: ${n.x}\n").unwrap_err().to_string(),
            "t.yaml:2:4: missing key `n.x` referenced by `${n.x}`: `n` is of type int, not a map \
             (chain: a -> n.x)"
        );
        assert!(resolve("a: x ${b\n")
            .unwrap_err()
            .to_string()
            .contains("unclosed"));
        assert!(resolve("m: {}\na: x ${m}\n")
            .unwrap_err()
            .to_string()
            .contains("cannot put `${m}` inside text in `a`: it is a map"));
        assert!(resolve("a: ${env:HP_NOPE}\n")
            .unwrap_err()
            .to_string()
            .contains("environment variable `HP_NOPE` is not set"));
    }
}
