//! Interpolation: `${a.b}`, relative `${.b}`, resolvers (`${env:NAME}`, `${now:%Y}`,
//! `${hydra:job.name}`, registered ones: [`super::resolvers`]) and the `$${...}` escape.
//!
//! Rules:
//! - `${a.b}` is the value of the absolute key `a.b` in the merged tree (numeric segments
//!   index lists: `${layers.0.size}`). A text that is exactly one reference takes the
//!   referenced value with its type (a map or list is copied); a reference inside longer
//!   text is formatted as text (floats by [`crate::format_float`], bools `true`/`false`,
//!   null `null`; a map or list there is an error).
//! - `${.b}` is the key `b` beside the value holding the reference (in the same map or
//!   list), `${..b}` one level further up, and so on.
//! - `${env:NAME}` (also `${oc.env:NAME}`) is the environment variable, as text;
//!   `${env:NAME,default}` uses the text after the first comma (spaces around it trimmed)
//!   when the variable is unset.
//! - `$${` is a literal `${`; any other `$` is itself. References do not nest, and nothing
//!   is ever executed (a registered resolver runs the code it was registered with).
//! - A missing key, an unset variable without default, a cycle and bad syntax are errors
//!   located at the value that holds the reference, naming the chain of keys followed.
//!
//! Values are resolved on demand in document order: following a reference first resolves
//! what it points at (all of it, for a map or list), and a key met again while it is being
//! resolved is a cycle (a long one is shown by its first and last keys and its length).
//!
//! Texts are parsed into pieces by [`super::template`]. The resolver keeps its own stack of
//! the texts waiting for others ([`Frame`]s) instead of recursing, so a chain of references
//! as long as the node bound allows needs no more native stack than a chain of two.

use std::collections::HashSet;
use std::sync::Arc;

use super::limits::{MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES};
use super::origin::Origin;
use super::resolvers;
use super::template::{anchored, parse_template, Piece, Reference};
use super::tree::{dotted, node_from_value, too_deep, Kind, Node, NodeMap, Step};
use super::with_article;
use crate::{format_float, Error, Result, Value};

/// Resolves every `${...}` of the tree in place; `env` reads environment variables.
///
/// The walk keeps its own stack of the texts being resolved, so a chain of references of
/// any length (up to the node bound) needs no more native stack than a short one.
pub(crate) fn resolve_tree(root: &mut NodeMap, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    let mut pending = Vec::new();
    for (key, node) in root.iter() {
        collect_texts(node, &mut vec![Step::Key(key.clone())], &mut pending);
    }
    let mut resolver = Resolver {
        root,
        env,
        in_progress: HashSet::new(),
        stack: Vec::new(),
        copied: 0,
    };
    for path in pending {
        resolver.run(path)?;
    }
    Ok(())
}

/// Appends the paths of every unresolved text in `node` (itself included), which sits at
/// `path`, in document order. The walk keeps its own stack; `path` is as given afterwards.
fn collect_texts(node: &Node, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    if matches!(node.kind, Kind::Text(_)) {
        out.push(path.clone());
        return;
    }
    // The lists and maps being walked, each with the index of its next child.
    let mut open: Vec<(&Node, usize)> = vec![(node, 0)];
    while let Some((parent, next)) = open.last_mut() {
        let index = *next;
        *next += 1;
        let (step, child) = match &parent.kind {
            Kind::List(items) => match items.get(index) {
                Some(child) => (Step::Index(index), child),
                None => {
                    open.pop();
                    if !open.is_empty() {
                        path.pop();
                    }
                    continue;
                }
            },
            Kind::Map(map) => match map.get_index(index) {
                Some((key, child)) => {
                    if matches!(child.kind, Kind::Scalar(_)) {
                        continue;
                    }
                    (Step::Key(key.clone()), child)
                }
                None => {
                    open.pop();
                    if !open.is_empty() {
                        path.pop();
                    }
                    continue;
                }
            },
            _ => {
                open.pop();
                continue;
            }
        };
        match child.kind {
            Kind::Scalar(_) => {}
            Kind::Text(_) => {
                path.push(step);
                out.push(path.clone());
                path.pop();
            }
            Kind::List(_) | Kind::Map(_) => {
                path.push(step);
                open.push((child, 0));
            }
        }
    }
}

/// The paths of every unresolved text in the subtree at `path` (itself included).
fn texts_at(root: &NodeMap, path: &[Step]) -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    if let Some(node) = node_at(root, path) {
        collect_texts(node, &mut path.to_vec(), &mut out);
    }
    out
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

fn is_text(root: &NodeMap, path: &[Step]) -> bool {
    matches!(
        node_at(root, path),
        Some(Node {
            kind: Kind::Text(_),
            ..
        })
    )
}

/// How many keys of a chain a message shows at each end before it elides the middle.
const CHAIN_ENDS: usize = 4;

/// The keys of a chain joined by ` -> `; a long chain shows only its first and last few
/// keys (the caller says how many there are).
fn chain_text(keys: &[String]) -> String {
    if is_long(keys) {
        format!(
            "{} -> ... -> {}",
            keys[..CHAIN_ENDS].join(" -> "),
            keys[keys.len() - CHAIN_ENDS..].join(" -> ")
        )
    } else {
        keys.join(" -> ")
    }
}

/// Whether a message shortens this chain.
fn is_long(keys: &[String]) -> bool {
    keys.len() > 2 * CHAIN_ENDS + 1
}

/// A text being resolved: where it is, what it is made of and how far it got.
struct Frame {
    path: Vec<Step>,
    origin: Origin,
    pieces: Vec<Piece>,
    /// The piece being evaluated.
    next: usize,
    /// The text built from the pieces before `next` (for a text of several pieces).
    text: String,
    /// While the reference at `next` is followed: its target's path and the texts under the
    /// target still to resolve before it can be copied (last first).
    target: Option<(Vec<Step>, Vec<Vec<Step>>)>,
}

impl Frame {
    fn key(&self) -> String {
        dotted(&self.path)
    }

    /// The key the reference being evaluated names, if it names one.
    fn following(&self) -> Option<&str> {
        match self.pieces.get(self.next) {
            Some(Piece::Reference(Reference::Key(target))) => Some(target),
            _ => None,
        }
    }
}

/// What evaluating a frame came to.
enum Advance {
    /// The text at this path must be resolved first.
    Need(Vec<Step>),
    /// The frame's value.
    Done(Node),
}

/// Where a key reference leads.
enum Lookup {
    Found(Vec<Step>),
    /// A text on the way (a reference to a map or list) must be resolved first.
    Need(Vec<Step>),
    /// Absent; the detail says why when it is more than "not there".
    Missing(Option<String>),
}

struct Resolver<'a> {
    root: &'a mut NodeMap,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// Paths of the texts on the stack.
    in_progress: HashSet<Vec<Step>>,
    /// The texts being resolved, each waiting for the one above it.
    stack: Vec<Frame>,
    /// Nodes copied by whole-value references, bounded by [`MAX_NODES`].
    copied: usize,
}

impl Resolver<'_> {
    /// Resolves the text at `path` (if it still is one) and everything it leads to.
    fn run(&mut self, path: Vec<Step>) -> Result<()> {
        self.push(path)?;
        while let Some(mut frame) = self.stack.pop() {
            match self.advance(&mut frame) {
                Ok(Advance::Need(path)) => {
                    self.stack.push(frame);
                    self.push(path)?;
                }
                Ok(Advance::Done(mut node)) => {
                    self.in_progress.remove(&frame.path);
                    node.origin = frame.origin;
                    self.set(&frame.path, node);
                }
                Err(err) => {
                    self.stack.clear();
                    self.in_progress.clear();
                    return Err(err);
                }
            }
        }
        Ok(())
    }

    /// Starts resolving the text at `path`: a text met again while it is being resolved is
    /// a cycle; a text without `$` is final at once.
    fn push(&mut self, path: Vec<Step>) -> Result<()> {
        let Some(node) = node_at(self.root, &path) else {
            return Ok(());
        };
        let Kind::Text(text) = &node.kind else {
            return Ok(());
        };
        let text = text.clone();
        let origin = node.origin.clone();
        if self.in_progress.contains(&path) {
            return Err(self.cycle(&path, origin));
        }
        if !text.contains('$') {
            self.set(&path, Node::new(Kind::Scalar(Value::Str(text)), origin));
            return Ok(());
        }
        let pieces = parse_template(&text)
            .and_then(|pieces| anchored(pieces, &path))
            .map_err(|msg| {
                origin.error(format!("bad interpolation in `{}`: {msg}", dotted(&path)))
            })?;
        self.in_progress.insert(path.clone());
        self.stack.push(Frame {
            path,
            origin,
            pieces,
            next: 0,
            text: String::new(),
            target: None,
        });
        Ok(())
    }

    /// The keys followed so far, outermost first, with `current` (the frame being
    /// evaluated, off the stack) last: `a -> b -> c`.
    fn chain(&self, current: Option<&Frame>) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for frame in self.stack.iter().chain(current) {
            // A frame is usually the target the frame below it follows: named once.
            let key = frame.key();
            if keys.last() != Some(&key) {
                keys.push(key);
            }
            if let Some(target) = frame.following() {
                keys.push(target.to_string());
            }
        }
        keys
    }

    /// The error for a cycle closed by reaching `path` again, located at the first key of
    /// the cycle.
    fn cycle(&self, path: &[Step], fallback: Origin) -> Error {
        let mut chain = self.chain(None);
        let key = dotted(path);
        if chain.last() != Some(&key) {
            chain.push(key.clone());
        }
        let start = chain.iter().position(|k| *k == key).unwrap_or(0);
        let cycle = &chain[start..];
        let origin = self.origin_of_key(&cycle[0]).unwrap_or(fallback);
        if is_long(cycle) {
            // The last key closes the cycle: it is the first one again.
            let keys = cycle.len() - 1;
            origin.error(format!(
                "interpolation cycle of {keys} keys: {}",
                chain_text(cycle)
            ))
        } else {
            origin.error(format!("interpolation cycle: {}", chain_text(cycle)))
        }
    }

    /// Where the value of a dotted key was written (numeric segments may index lists).
    fn origin_of_key(&self, key: &str) -> Option<Origin> {
        let mut segments = key.split('.');
        let mut node = self.root.get(segments.next()?)?;
        for segment in segments {
            node = match &node.kind {
                Kind::Map(map) => map.get(segment)?,
                Kind::List(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node.origin.clone())
    }

    fn set(&mut self, path: &[Step], node: Node) {
        if let Some(slot) = node_at_mut(self.root, path) {
            *slot = node;
        }
    }

    /// Evaluates the frame's pieces from where it stopped, until it needs another text
    /// resolved or has its value.
    fn advance(&mut self, frame: &mut Frame) -> Result<Advance> {
        let whole = frame.pieces.len() == 1;
        while frame.next < frame.pieces.len() {
            let node = match &frame.pieces[frame.next] {
                Piece::Literal(literal) => {
                    frame.text.push_str(literal);
                    frame.next += 1;
                    continue;
                }
                Piece::Reference(reference @ Reference::Env { name, default }) => {
                    let value = (self.env)(name).or_else(|| default.clone());
                    let Some(value) = value else {
                        return Err(frame.origin.error(format!(
                            "environment variable `{name}` is not set (referenced by `{}` in \
                             `{}`; `${{env:{name},default}}` gives a default)",
                            reference.written(),
                            frame.key()
                        )));
                    };
                    Node::new(
                        Kind::Scalar(Value::Str(Arc::from(value))),
                        frame.origin.clone(),
                    )
                }
                Piece::Reference(Reference::Key(target)) => {
                    let target = target.clone();
                    match self.follow(frame, &target)? {
                        Ok(node) => node,
                        Err(path) => return Ok(Advance::Need(path)),
                    }
                }
                Piece::Reference(reference @ Reference::Call { name, args }) => {
                    self.call(frame, reference, name, args)?
                }
                Piece::Reference(
                    Reference::Relative { .. } | Reference::Now(_) | Reference::Hydra(_),
                ) => unreachable!("settled when the frame is pushed"),
            };
            if whole {
                if frame.path.len() + node.height() > MAX_DEPTH {
                    return Err(too_deep(&frame.origin));
                }
                return Ok(Advance::Done(node));
            }
            let Piece::Reference(reference) = &frame.pieces[frame.next] else {
                unreachable!("literals are handled above")
            };
            match &node.kind {
                Kind::Scalar(Value::Str(s)) => frame.text.push_str(s),
                Kind::Scalar(Value::Float(x)) => frame.text.push_str(&format_float(*x)),
                Kind::Scalar(value @ (Value::Null | Value::Bool(_) | Value::Int(_))) => {
                    frame.text.push_str(&value.to_string())
                }
                _ => {
                    return Err(frame.origin.error(format!(
                        "cannot put `{}` inside text in `{}`: it is {} (a reference that is \
                         the whole value copies it instead)",
                        reference.written(),
                        frame.key(),
                        with_article(node.type_name())
                    )))
                }
            }
            if frame.text.len() > MAX_INPUT_BYTES {
                return Err(frame.origin.error(format!(
                    "interpolation of `{}` builds a text longer than {MAX_INPUT_BYTES} bytes",
                    frame.key()
                )));
            }
            frame.next += 1;
        }
        Ok(Advance::Done(Node::new(
            Kind::Scalar(Value::Str(Arc::from(std::mem::take(&mut frame.text)))),
            frame.origin.clone(),
        )))
    }

    /// The value a registered resolver gives for `${name:args}` in the frame's text.
    fn call(
        &self,
        frame: &Frame,
        reference: &Reference,
        name: &str,
        args: &[Value],
    ) -> Result<Node> {
        let failed = |msg: String| {
            frame.origin.error(format!(
                "resolver `{name}` failed on `{}` in `{}`: {msg}",
                reference.written(),
                frame.key()
            ))
        };
        let function = resolvers::registered(name)
            .ok_or_else(|| failed("it is no longer registered".into()))?;
        let value = function(args).map_err(failed)?;
        node_from_value(&value, &frame.origin, frame.path.len())
    }

    /// The resolved value (a copy) the key reference at the frame's current piece names, or
    /// the path of a text to resolve first.
    fn follow(&mut self, frame: &mut Frame, target: &str) -> Result<Result<Node, Vec<Step>>> {
        if frame.target.is_none() {
            let path = match self.find(target) {
                Lookup::Found(path) => path,
                Lookup::Need(path) => return Ok(Err(path)),
                Lookup::Missing(why) => return Err(self.missing(frame, target, why)),
            };
            let mut texts = texts_at(self.root, &path);
            texts.reverse();
            frame.target = Some((path, texts));
        }
        let (path, texts) = frame.target.as_mut().expect("set above");
        // Everything under the target is resolved before it is copied.
        while let Some(text) = texts.pop() {
            if is_text(self.root, &text) {
                return Ok(Err(text));
            }
        }
        let path = std::mem::take(path);
        frame.target = None;
        let Some(node) = node_at(self.root, &path) else {
            return Err(self.missing(frame, target, None));
        };
        self.copied = self.copied.saturating_add(node.size());
        if self.copied > MAX_NODES {
            return Err(frame.origin.error(format!(
                "interpolation copies more than {MAX_NODES} values; the configuration is refused"
            )));
        }
        Ok(Ok(node.clone()))
    }

    /// The path of `target`; a text met on the way (a reference to a map or list) must be
    /// resolved before the walk can go through it.
    fn find(&self, target: &str) -> Lookup {
        let mut path: Vec<Step> = Vec::new();
        for segment in target.split('.') {
            let step = match node_at(self.root, &path).map(|node| &node.kind) {
                None => Step::Key(segment.to_string()),
                Some(Kind::Text(_)) => return Lookup::Need(path),
                Some(Kind::Map(_)) => Step::Key(segment.to_string()),
                Some(Kind::List(items)) => match segment.parse::<usize>() {
                    Ok(index) if index < items.len() => Step::Index(index),
                    _ => {
                        return Lookup::Missing(Some(format!(
                            "`{}` is a list of {} items",
                            dotted(&path),
                            items.len()
                        )))
                    }
                },
                Some(Kind::Scalar(value)) => {
                    return Lookup::Missing(Some(format!(
                        "`{}` is of type {}, not a map",
                        dotted(&path),
                        value.type_name()
                    )))
                }
            };
            path.push(step);
            if node_at(self.root, &path).is_none() {
                return Lookup::Missing(None);
            }
        }
        Lookup::Found(path)
    }

    fn missing(&self, frame: &Frame, target: &str, why: Option<String>) -> Error {
        let why = why.map(|w| format!(": {w}")).unwrap_or_default();
        let chain = self.chain(Some(frame));
        let chain = if is_long(&chain) {
            format!("chain of {} keys: {}", chain.len(), chain_text(&chain))
        } else {
            format!("chain: {}", chain_text(&chain))
        };
        frame.origin.error(format!(
            "missing key `{target}` referenced by `${{{target}}}`{why} ({chain})"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_yaml;

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
