//! Value overrides applied to the composed tree, before interpolation.
//!
//! - `key=value` changes a key that exists (a dict value merges into a map); a key that
//!   does not exist is an error naming the closest existing key. Keys under `hydra.` may
//!   be set freely (Hydra's own settings need not be in the tree).
//! - `+key=value` adds a key that is absent or null (a list or dict value may also merge
//!   into an existing one); `++key=value` adds or replaces.
//! - `~key` deletes a key; `~key=value` only if it holds that value.
//!
//! Numeric segments index lists (`layers.0.size=3`). The value keeps the override's text
//! as its source.

use std::sync::Arc;

use super::grammar::{Override, OverrideKind};
use super::value::{Element, OverrideValue};
use crate::config::merge::merge_node;
use crate::config::tree::{insert, Kind, Node, NodeMap};
use crate::config::Origin;
use crate::suggest::closest;
use crate::{Error, Result, Value};

/// Applies one value override; `error` makes the composition's error from a message.
pub(crate) fn apply(
    root: &mut NodeMap,
    o: &Override,
    groups: &[String],
    error: &dyn Fn(String) -> Error,
) -> Result<()> {
    if let Some(package) = &o.package {
        let close = closest(&o.key, groups.iter().map(String::as_str));
        return Err(error(format!(
            "`{}` looks like a config group override (`{}@{package}`), but there is no config \
             group `{}`{}",
            o.text,
            o.key,
            o.key,
            close.map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
        )));
    }
    let segments: Vec<&str> = o.key.split('.').collect();
    let origin = Origin::Define {
        item: Arc::from(o.text.as_str()),
    };
    let element = match &o.value {
        Some(OverrideValue::Element(element)) => Some(element.clone().unquoted()),
        Some(OverrideValue::Sweep(_)) => {
            return Err(error(format!("`{}` is a sweep", o.text)));
        }
        None => None,
    };
    let existing = find(root, &segments);
    let missing = |what: &str| {
        let keys = dotted_keys(root);
        let close = closest(&o.key, keys.iter().map(String::as_str));
        error(format!(
            "`{}`: {what}{}",
            o.text,
            close.map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
        ))
    };
    match o.kind {
        OverrideKind::Delete => {
            let Some(current) = existing.filter(|node| !is_null(node)) else {
                return Err(missing(&format!(
                    "cannot delete `{}`: it does not exist",
                    o.key
                )));
            };
            if let Some(element) = &element {
                let wanted = to_node(element, &origin)?.to_value();
                if !same_value(&wanted, &current.to_value()) {
                    return Err(error(format!(
                        "`{}`: cannot delete `{}`: its value is {} and not {}",
                        o.text,
                        o.key,
                        current.to_value(),
                        wanted
                    )));
                }
            }
            remove(root, &segments);
            Ok(())
        }
        OverrideKind::Add | OverrideKind::ForceAdd | OverrideKind::Change => {
            let element = element.unwrap_or(Element::Str(String::new()));
            let mergeable = matches!(element, Element::List(_) | Element::Dict(_));
            let present = existing.is_some_and(|node| !is_null(node));
            if o.kind == OverrideKind::Add && present && !mergeable {
                return Err(error(format!(
                    "`{}`: cannot add `{}`: it is already set (drop the `+` to change it, or \
                     use `++` to add or change)",
                    o.text, o.key
                )));
            }
            if o.kind == OverrideKind::Change && existing.is_none() && segments[0] != "hydra" {
                return Err(missing(&format!(
                    "cannot change `{}`: there is no such key (use `+{}` to add it)",
                    o.key, o.text
                )));
            }
            set(
                root,
                &segments,
                to_node(&element, &origin)?,
                &origin,
                &error,
                &o.text,
            )
        }
    }
}

fn is_null(node: &Node) -> bool {
    matches!(node.kind, Kind::Scalar(Value::Null))
}

/// Compares values the way an override's text and a file's value are compared: text and
/// the type it reads as are the same.
fn same_value(a: &Value, b: &Value) -> bool {
    a == b || a.to_string() == b.to_string()
}

/// The node at a path, if present.
fn find<'a>(root: &'a NodeMap, segments: &[&str]) -> Option<&'a Node> {
    let mut node = root.get(segments[0])?;
    for segment in &segments[1..] {
        node = child(node, segment)?;
    }
    Some(node)
}

fn child<'a>(node: &'a Node, segment: &str) -> Option<&'a Node> {
    match &node.kind {
        Kind::Map(map) => map.get(segment),
        Kind::List(items) => items.get(segment.parse::<usize>().ok()?),
        _ => None,
    }
}

fn remove(root: &mut NodeMap, segments: &[&str]) {
    let (last, parents) = segments.split_last().expect("a key has a segment");
    if parents.is_empty() {
        root.shift_remove(*last);
        return;
    }
    let mut node = root.get_mut(parents[0]).expect("found above");
    for segment in &parents[1..] {
        node = match &mut node.kind {
            Kind::Map(map) => map.get_mut(*segment).expect("found above"),
            Kind::List(items) => &mut items[segment.parse::<usize>().expect("found above")],
            _ => unreachable!("found above"),
        };
    }
    match &mut node.kind {
        Kind::Map(map) => {
            map.shift_remove(*last);
        }
        Kind::List(items) => {
            items.remove(last.parse::<usize>().expect("found above"));
        }
        _ => unreachable!("found above"),
    }
}

/// Sets (merging maps) the value at a path, creating maps on the way.
fn set(
    root: &mut NodeMap,
    segments: &[&str],
    value: Node,
    origin: &Origin,
    error: &dyn Fn(String) -> Error,
    text: &str,
) -> Result<()> {
    let (last, parents) = segments.split_last().expect("a key has a segment");
    let mut map = root;
    let mut walked = Vec::new();
    for segment in parents {
        walked.push(*segment);
        let node = map
            .entry((*segment).to_string())
            .or_insert_with(|| Node::new(Kind::Map(NodeMap::new()), origin.clone()));
        if is_null(node) {
            *node = Node::new(Kind::Map(NodeMap::new()), origin.clone());
        }
        let type_name = node.type_name();
        map = match &mut node.kind {
            Kind::Map(map) => map,
            _ => {
                return Err(error(format!(
                    "`{text}`: `{}` holds {}, not a map",
                    walked.join("."),
                    crate::config::with_article(type_name)
                )))
            }
        };
    }
    match map.get_mut(*last) {
        Some(existing) => merge_node(existing, value),
        None => {
            map.insert((*last).to_string(), value);
        }
    }
    Ok(())
}

/// An override's value as a node of the tree; strings keep their `${...}` for resolution.
fn to_node(element: &Element, origin: &Origin) -> Result<Node> {
    let kind = match element {
        Element::Null => Kind::Scalar(Value::Null),
        Element::Bool(b) => Kind::Scalar(Value::Bool(*b)),
        Element::Int(i) => Kind::Scalar(Value::Int(*i)),
        Element::Float(x) => Kind::Scalar(Value::Float(*x)),
        Element::Str(text) | Element::Quoted { text, .. } => Kind::Text(Arc::from(text.as_str())),
        Element::List(items) => Kind::List(
            items
                .iter()
                .map(|item| to_node(item, origin))
                .collect::<Result<_>>()?,
        ),
        Element::Dict(entries) => {
            let mut map = NodeMap::new();
            for (key, value) in entries {
                insert(&mut map, key, to_node(value, origin)?, origin, 0)?;
            }
            Kind::Map(map)
        }
    };
    Ok(Node::new(kind, origin.clone()))
}

/// Every dotted key of the tree (maps only), for suggestions.
fn dotted_keys(root: &NodeMap) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending: Vec<(String, &NodeMap)> = vec![(String::new(), root)];
    while let Some((prefix, map)) = pending.pop() {
        for (key, node) in map {
            let full = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            if let Kind::Map(inner) = &node.kind {
                pending.push((full.clone(), inner));
            }
            out.push(full);
        }
    }
    out
}
