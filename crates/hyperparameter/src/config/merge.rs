//! Deep merge of configurations, and `key=value` overrides merged into the tree.
//!
//! Merge rule: maps merge key by key, recursively; anything else is replaced by
//! the later value (lists are replaced, never appended).

use std::sync::Arc;

use super::limits::MAX_DEPTH;
use super::origin::Origin;
use super::tree::{too_deep, Kind, Node, NodeMap};
use crate::Result;

/// Merges `later` into `earlier`: maps recursively, everything else replaced.
pub(crate) fn merge_maps(earlier: &mut NodeMap, later: NodeMap) {
    for (key, node) in later {
        match earlier.get_mut(&key) {
            Some(existing) => merge_node(existing, node),
            None => {
                earlier.insert(key, node);
            }
        }
    }
}

/// Merges `later` into `earlier`: maps recursively, anything else replaced.
pub(crate) fn merge_node(earlier: &mut Node, later: Node) {
    match (&mut earlier.kind, later.kind) {
        (Kind::Map(into), Kind::Map(from)) => merge_maps(into, from),
        (_, kind) => {
            earlier.kind = kind;
            earlier.origin = later.origin;
        }
    }
}

/// Applies one `key=value` item (CLI `-D`): split at the first `=`, the key trimmed and
/// validated, the value kept as text (it may hold `${...}`, resolved with the rest).
///
/// A numeric segment indexes an existing list (`layers.0.size=3`); a segment below a value
/// that is not a map replaces that value with a map, as a later file would.
pub(crate) fn apply_override(root: &mut NodeMap, item: &str) -> Result<()> {
    let (key, value) = crate::parse_define(item)?;
    let origin = Origin::Define {
        item: Arc::from(item),
    };
    set_leaf(
        root,
        key.as_str(),
        Node::new(Kind::Text(Arc::from(value)), origin),
    )
}

/// Sets the valid dotted `key` to `leaf` as an override does (see [`apply_override`]);
/// maps made on the way take the leaf's origin.
pub(crate) fn set_leaf(root: &mut NodeMap, key: &str, leaf: Node) -> Result<()> {
    let origin = leaf.origin.clone();
    let segments: Vec<&str> = key.split('.').collect();
    if segments.len() > MAX_DEPTH {
        return Err(too_deep(&origin));
    }
    let path = Path {
        segments: &segments,
        origin: &origin,
    };
    set_in_map(root, &path, 0, leaf)
}

/// The key being set by an override, for messages.
struct Path<'a> {
    segments: &'a [&'a str],
    origin: &'a Origin,
}

impl Path<'_> {
    fn prefix(&self, len: usize) -> String {
        self.segments[..len].join(".")
    }
}

/// Sets `path.segments[at..]` below `map` to `leaf`.
fn set_in_map(map: &mut NodeMap, path: &Path<'_>, at: usize, leaf: Node) -> Result<()> {
    let segment = path.segments[at];
    if at + 1 == path.segments.len() {
        match map.get_mut(segment) {
            Some(existing) => merge_node(existing, leaf),
            None => {
                map.insert(segment.to_string(), leaf);
            }
        }
        return Ok(());
    }
    let child = map
        .entry(segment.to_string())
        .or_insert_with(|| Node::new(Kind::Map(NodeMap::new()), path.origin.clone()));
    set_in_node(child, path, at + 1, leaf)
}

/// Sets `path.segments[at..]` below `node` (a map, a list indexed by the segment, or a value
/// that a map replaces).
fn set_in_node(node: &mut Node, path: &Path<'_>, at: usize, leaf: Node) -> Result<()> {
    match &mut node.kind {
        Kind::Map(map) => set_in_map(map, path, at, leaf),
        Kind::List(items) => {
            let segment = path.segments[at];
            let len = items.len();
            let Some(item) = segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)) else {
                return Err(path.origin.error(format!(
                    "cannot set `{}`: `{}` is a list of {len} items and `{segment}` is not one of \
                     its indices",
                    path.prefix(path.segments.len()),
                    path.prefix(at),
                )));
            };
            if at + 1 == path.segments.len() {
                *item = leaf;
                Ok(())
            } else {
                set_in_node(item, path, at + 1, leaf)
            }
        }
        _ => {
            *node = Node::new(Kind::Map(NodeMap::new()), path.origin.clone());
            set_in_node(node, path, at, leaf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_json;
    use crate::Error;

    fn map(text: &str) -> NodeMap {
        match parse_json::parse(text, &Arc::from("t.json")).unwrap().kind {
            Kind::Map(map) => map,
            _ => panic!("not a map"),
        }
    }

    fn show(map: &NodeMap) -> String {
        crate::Value::from(super::super::tree::map_to_value(map)).to_string()
    }

    #[test]
    fn deep_merge_later_wins_lists_replaced() {
        let mut base = map(r#"{"a": {"x": 1, "y": [1, 2]}, "b": 1}"#);
        merge_maps(
            &mut base,
            map(r#"{"a": {"y": [3], "z": 2}, "b": {"c": 1}}"#),
        );
        assert_eq!(
            show(&base),
            r#"{"a": {"x": 1, "y": [3], "z": 2}, "b": {"c": 1}}"#
        );
    }

    #[test]
    fn overrides_set_text_and_index_lists() {
        let mut base = map(r#"{"model": {"dim": 32, "layers": [{"size": 1}]}, "s": 1}"#);
        apply_override(&mut base, " model.dim =64").unwrap();
        apply_override(&mut base, "model.layers.0.size=3").unwrap();
        apply_override(&mut base, "s.t=a=b").unwrap();
        apply_override(&mut base, "new=").unwrap();
        assert_eq!(
            show(&base),
            r#"{"model": {"dim": "64", "layers": [{"size": "3"}]}, "s": {"t": "a=b"}, "new": ""}"#
        );
        let err = apply_override(&mut base, "model.layers.5.size=1").unwrap_err();
        assert_eq!(
            err.to_string(),
            "-D model.layers.5.size=1: cannot set `model.layers.5.size`: `model.layers` is a list \
             of 1 items and `5` is not one of its indices"
        );
        assert!(matches!(
            apply_override(&mut base, "novalue"),
            Err(Error::InvalidDefine { .. })
        ));
        assert!(matches!(
            apply_override(&mut base, "bad key=1"),
            Err(Error::InvalidDefine { .. })
        ));
    }
}
