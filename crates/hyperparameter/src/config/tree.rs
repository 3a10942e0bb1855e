//! The configuration tree: maps, lists and primitives, each node with its [`Origin`].
//!
//! Every parser builds this tree through [`insert`], which is where dotted keys become
//! nesting (`"train.lr" = 1` is `train: {lr: 1}`), key segments are validated, a
//! key written twice in one file is refused, and the nesting depth is bounded.

use std::sync::Arc;

use indexmap::IndexMap;

use super::limits::MAX_DEPTH;
use super::origin::Origin;
use crate::{key_problem, Error, Result, Value};

/// A map of the tree: key segment to node, in the order written.
pub(crate) type NodeMap = IndexMap<String, Node>;

/// One value of the tree and where it was written.
///
/// Every walk over a whole subtree (copying, measuring, conversion to a [`Value`]) goes
/// through [`fold`], which keeps its own stack: none of them recurses on the data.
#[derive(Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    pub origin: Origin,
}

/// What a node holds.
#[derive(Debug)]
pub(crate) enum Kind {
    /// A primitive (null, bool, int, float), a resolved string, or an opaque object from an
    /// in-memory map.
    Scalar(Value),
    /// Text as written, which may hold `${...}` references until it is resolved.
    Text(Arc<str>),
    /// A list.
    List(Vec<Node>),
    /// A map.
    Map(NodeMap),
}

impl Node {
    pub(crate) fn new(kind: Kind, origin: Origin) -> Node {
        Node { kind, origin }
    }

    /// The name of the node's type, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Scalar(value) => value.type_name(),
            Kind::Text(_) => "str",
            Kind::List(_) => "list",
            Kind::Map(_) => "map",
        }
    }

    /// The node as a plain [`Value`] (text is taken as written).
    pub(crate) fn to_value(&self) -> Value {
        fold(self, |node, children| match &node.kind {
            Kind::Scalar(value) => value.clone(),
            Kind::Text(text) => Value::Str(text.clone()),
            Kind::List(_) => Value::List(Arc::new(children)),
            Kind::Map(map) => Value::Map(Arc::new(map.keys().cloned().zip(children).collect())),
        })
    }

    /// How many nodes this subtree holds (itself included).
    pub(crate) fn size(&self) -> usize {
        fold(self, |_, children| 1 + children.into_iter().sum::<usize>())
    }

    /// How many levels of lists and maps this subtree holds (0 for a primitive).
    pub(crate) fn height(&self) -> usize {
        fold(self, |node, children| match node.kind {
            Kind::List(_) | Kind::Map(_) => 1 + children.into_iter().max().unwrap_or(0),
            _ => 0,
        })
    }

    /// The number of children (items of a list, entries of a map).
    fn child_count(&self) -> usize {
        match &self.kind {
            Kind::List(items) => items.len(),
            Kind::Map(map) => map.len(),
            _ => 0,
        }
    }

    /// The `index`th child of a list or map.
    fn child(&self, index: usize) -> Option<&Node> {
        match &self.kind {
            Kind::List(items) => items.get(index),
            Kind::Map(map) => map.get_index(index).map(|(_, node)| node),
            _ => None,
        }
    }
}

impl Clone for Node {
    fn clone(&self) -> Node {
        fold(self, |node, children| {
            let kind = match &node.kind {
                Kind::Scalar(value) => Kind::Scalar(value.clone()),
                Kind::Text(text) => Kind::Text(text.clone()),
                Kind::List(_) => Kind::List(children),
                Kind::Map(map) => Kind::Map(map.keys().cloned().zip(children).collect()),
            };
            Node::new(kind, node.origin.clone())
        })
    }
}

/// Folds a subtree bottom-up without recursion: `combine` gets each node with the results
/// for its children (in order; empty for a primitive) and returns the node's result.
pub(crate) fn fold<'a, T>(root: &'a Node, mut combine: impl FnMut(&'a Node, Vec<T>) -> T) -> T {
    // Lists and maps whose children are being folded, with the results so far.
    let mut open: Vec<(&'a Node, Vec<T>)> = Vec::new();
    let mut current = root;
    loop {
        let count = current.child_count();
        if count > 0 {
            open.push((current, Vec::with_capacity(count)));
            current = current.child(0).expect("a first child");
            continue;
        }
        let mut result = combine(current, Vec::new());
        loop {
            let Some((parent, done)) = open.last_mut() else {
                return result;
            };
            done.push(result);
            if let Some(next) = parent.child(done.len()) {
                current = next;
                break;
            }
            let (parent, done) = open.pop().expect("checked above");
            result = combine(parent, done);
        }
    }
}

/// A map of nodes as a map of plain values.
pub(crate) fn map_to_value(map: &NodeMap) -> IndexMap<String, Value> {
    map.iter().map(|(k, v)| (k.clone(), v.to_value())).collect()
}

/// One step of a path into the tree: a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Step {
    Key(String),
    Index(usize),
}

/// A path as a dotted key (`model.layers.0.size`).
pub(crate) fn dotted(path: &[Step]) -> String {
    let mut out = String::new();
    for (i, step) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match step {
            Step::Key(key) => out.push_str(key),
            Step::Index(index) => out.push_str(&index.to_string()),
        }
    }
    out
}

/// The error for nesting deeper than [`MAX_DEPTH`].
pub(crate) fn too_deep(origin: &Origin) -> Error {
    origin.error(format!(
        "nesting deeper than {MAX_DEPTH} levels (lists and maps inside each other) is refused"
    ))
}

/// The error for an integer literal that does not fit 64 bits, at the dotted `key` (empty
/// for a value that is the whole document).
pub(crate) fn int_too_big(literal: &str, key: &str, origin: &Origin) -> Error {
    let at = if key.is_empty() {
        String::new()
    } else {
        format!(" for `{key}`")
    };
    origin.error(format!(
        "integer {literal}{at} does not fit in 64 bits (write it as a string or a float)"
    ))
}

/// Splits a written key into its segments, validating each.
pub(crate) fn key_segments<'k>(key: &'k str, origin: &Origin) -> Result<Vec<&'k str>> {
    let segments: Vec<&str> = key.split('.').collect();
    for segment in &segments {
        if let Some(reason) = key_problem(segment) {
            return Err(origin.error(format!("invalid key {key:?}: {reason}")));
        }
    }
    Ok(segments)
}

/// Inserts `node` under the written key `key` (dotted keys nest) into `map`, a map at
/// `depth` levels below the root. `key_origin` is where the key was written.
///
/// A key given twice is an error, except that two maps under the same key are merged (so
/// `"a.b" = 1` and a table `[a]` with `c = 2` make `a = {b = 1, c = 2}`).
pub(crate) fn insert(
    map: &mut NodeMap,
    key: &str,
    node: Node,
    key_origin: &Origin,
    depth: usize,
) -> Result<()> {
    let segments = key_segments(key, key_origin)?;
    if depth + segments.len() + node.height() > MAX_DEPTH {
        return Err(too_deep(key_origin));
    }
    let (last, parents) = segments
        .split_last()
        .expect("split always yields at least one segment");
    let mut current = map;
    for (i, segment) in parents.iter().enumerate() {
        let slot = current
            .entry((*segment).to_string())
            .or_insert_with(|| Node::new(Kind::Map(NodeMap::new()), key_origin.clone()));
        if !matches!(slot.kind, Kind::Map(_)) {
            let prefix = segments[..=i].join(".");
            return Err(key_origin.error(format!(
                    "key `{key}` is given twice: `{prefix}` already holds a value of type {} (written at {})",
                    slot.type_name(),
                    slot.origin
                )));
        }
        let Kind::Map(inner) = &mut slot.kind else {
            unreachable!("checked to be a map above")
        };
        current = inner;
    }
    insert_segment(current, last, node, key, key_origin)
}

/// Inserts `node` under `key` taken literally (no dotted nesting, no key rules): the keys
/// of the entries of a defaults list (`override /model`, `db@backup.db`). A key given twice
/// is an error.
pub(crate) fn insert_literal(
    map: &mut NodeMap,
    key: &str,
    node: Node,
    key_origin: &Origin,
) -> Result<()> {
    if let Some(existing) = map.get(key) {
        return Err(key_origin.error(format!(
            "key `{key}` is given twice (first at {})",
            existing.origin
        )));
    }
    map.insert(key.to_string(), node);
    Ok(())
}

/// Whether a map at the dotted `path` is an entry of the top-level `defaults` list.
pub(crate) fn is_defaults_entry(path: &str) -> bool {
    path.strip_prefix("defaults.")
        .is_some_and(|index| !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))
}

fn insert_segment(
    map: &mut NodeMap,
    segment: &str,
    node: Node,
    key: &str,
    key_origin: &Origin,
) -> Result<()> {
    match map.get_mut(segment) {
        None => {
            map.insert(segment.to_string(), node);
            Ok(())
        }
        Some(existing) => match (&mut existing.kind, node.kind) {
            (Kind::Map(into), Kind::Map(from)) => {
                for (inner_key, inner_node) in from {
                    let origin = inner_node.origin.clone();
                    let inner_full = format!("{key}.{inner_key}");
                    insert_segment(into, &inner_key, inner_node, &inner_full, &origin)?;
                }
                Ok(())
            }
            _ => Err(key_origin.error(format!(
                "key `{key}` is given twice (first at {})",
                existing.origin
            ))),
        },
    }
}

/// Builds a tree node from an in-memory value (dotted keys of maps nest), checking depth;
/// `depth` is how far below the root the value sits. The walk keeps its own stack.
pub(crate) fn node_from_value(value: &Value, origin: &Origin, depth: usize) -> Result<Node> {
    /// A list or map being converted: what is done and what is left.
    enum Open<'v> {
        List(Vec<Node>, std::slice::Iter<'v, Value>),
        Map(NodeMap, indexmap::map::Iter<'v, String, Value>, &'v str),
    }
    let mut open: Vec<Open<'_>> = Vec::new();
    let mut current = value;
    loop {
        if depth + open.len() > MAX_DEPTH {
            return Err(too_deep(origin));
        }
        let mut done = match current {
            Value::List(items) => {
                open.push(Open::List(Vec::with_capacity(items.len()), items.iter()));
                None
            }
            Value::Map(map) => {
                open.push(Open::Map(NodeMap::new(), map.iter(), ""));
                None
            }
            Value::Str(text) => Some(Node::new(Kind::Text(text.clone()), origin.clone())),
            other => Some(Node::new(Kind::Scalar(other.clone()), origin.clone())),
        };
        // Place finished values and close finished lists and maps until one has a next
        // child to convert.
        loop {
            if let Some(node) = done.take() {
                let map_depth = depth + open.len().saturating_sub(1);
                match open.last_mut() {
                    None => return Ok(node),
                    Some(Open::List(items, _)) => items.push(node),
                    Some(Open::Map(map, _, key)) => insert(map, key, node, origin, map_depth)?,
                }
            }
            let next = match open.last_mut() {
                Some(Open::List(_, items)) => items.next(),
                Some(Open::Map(_, entries, key)) => entries.next().map(|(k, v)| {
                    *key = k.as_str();
                    v
                }),
                None => unreachable!("returned when the stack empties"),
            };
            if let Some(next) = next {
                current = next;
                break;
            }
            done = Some(match open.pop().expect("checked above") {
                Open::List(items, _) => Node::new(Kind::List(items), origin.clone()),
                Open::Map(map, _, _) => Node::new(Kind::Map(map), origin.clone()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin::file(&Arc::from("t.json"), 1, 1)
    }

    fn int(i: i64) -> Node {
        Node::new(Kind::Scalar(Value::Int(i)), origin())
    }

    #[test]
    fn dotted_keys_nest_and_maps_merge() {
        let mut map = NodeMap::new();
        insert(&mut map, "a.b", int(1), &origin(), 0).unwrap();
        let mut inner = NodeMap::new();
        inner.insert("c".into(), int(2));
        insert(
            &mut map,
            "a",
            Node::new(Kind::Map(inner), origin()),
            &origin(),
            0,
        )
        .unwrap();
        assert_eq!(
            Node::new(Kind::Map(map), origin()).to_value().to_string(),
            r#"{"a": {"b": 1, "c": 2}}"#
        );
    }

    #[test]
    fn duplicates_and_bad_segments_are_refused() {
        let mut map = NodeMap::new();
        insert(&mut map, "a.b", int(1), &origin(), 0).unwrap();
        let err = insert(&mut map, "a.b", int(2), &origin(), 0).unwrap_err();
        assert!(err.to_string().contains("given twice"), "{err}");
        let err = insert(&mut map, "a.b.c", int(2), &origin(), 0).unwrap_err();
        assert!(
            err.to_string()
                .contains("`a.b` already holds a value of type int"),
            "{err}"
        );
        let err = insert(&mut map, "x..y", int(2), &origin(), 0).unwrap_err();
        assert!(
            err.to_string().starts_with("t.json:1:1: invalid key"),
            "{err}"
        );
    }

    #[test]
    fn depth_is_bounded() {
        let key = vec!["k"; MAX_DEPTH + 1].join(".");
        let mut map = NodeMap::new();
        assert!(insert(&mut map, &key, int(1), &origin(), 0).is_err());
        let key = vec!["k"; MAX_DEPTH].join(".");
        assert!(insert(&mut map, &key, int(1), &origin(), 0).is_ok());
    }
}
