//! A [`Config`] as dotted-key entries and as a [`ParamScope`], provenance kept.

use super::merge::set_leaf;
use super::origin::Origin;
use super::tree::{Kind, Node, NodeMap};
use super::{Config, RawConfig};
use crate::{Entry, Key, ParamScope, Result, Value};

impl RawConfig {
    /// The values as written (references unresolved) flattened to dotted keys, each with
    /// where it was written, as [`Config::flatten`] flattens a resolved configuration.
    pub(crate) fn entries(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        flatten_map(&self.root, &mut String::new(), &mut out);
        out
    }

    /// Sets the valid dotted `key` to `value` taken literally (no `${...}` in it is
    /// resolved, a map or list stays one value), written at `origin`.
    pub(crate) fn set_literal(&mut self, key: &Key, value: Value, origin: Origin) -> Result<()> {
        set_leaf(
            &mut self.root,
            key.as_str(),
            Node::new(Kind::Scalar(value), origin),
        )
    }
}

impl Config {
    /// The values flattened to dotted keys, in document order: maps are walked, everything
    /// else (lists included) is one entry. An empty map is kept as an entry holding an empty
    /// map, so its key stays visible. Each entry's source is where the value was written.
    pub fn flatten(&self) -> Vec<Entry> {
        let mut out = Vec::new();
        flatten_map(&self.root, &mut String::new(), &mut out);
        out
    }

    /// This configuration without the values whose origin is [`Origin::Default`] (and
    /// without the maps holding only such values).
    pub(crate) fn without_defaults(mut self) -> Config {
        prune_defaults(&mut self.root);
        self
    }

    /// A scope holding the flattened values (see [`Config::flatten`]).
    ///
    /// Fails only on a hash collision between two keys.
    pub fn to_scope(&self) -> Result<ParamScope> {
        let mut scope = ParamScope::new();
        for entry in self.flatten() {
            // Key segments were validated when the configuration was built.
            let key = Key::new(entry.key.as_str())?;
            scope.put_with_source(&key, entry.value, entry.source)?;
        }
        Ok(scope)
    }
}

/// Removes the nodes of `map` that come from a declared default, and the maps left empty by
/// that which a default made. The depth is bounded by the configuration's depth bound.
fn prune_defaults(map: &mut NodeMap) {
    map.retain(|_, node| {
        if node.origin == Origin::Default {
            if let Kind::Map(inner) = &mut node.kind {
                prune_defaults(inner);
                return !inner.is_empty();
            }
            return false;
        }
        if let Kind::Map(inner) = &mut node.kind {
            prune_defaults(inner);
        }
        true
    });
}

fn flatten_map(map: &NodeMap, prefix: &mut String, out: &mut Vec<Entry>) {
    for (key, node) in map {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(key);
        flatten_node(node, prefix, out);
        prefix.truncate(len);
    }
}

fn flatten_node(node: &Node, prefix: &mut String, out: &mut Vec<Entry>) {
    match &node.kind {
        Kind::Map(map) if !map.is_empty() => flatten_map(map, prefix, out),
        _ => out.push(Entry {
            key: prefix.as_str().into(),
            value: node.to_value(),
            source: node.origin.to_source(),
            read_mark: Default::default(),
        }),
    }
}

/// The configuration as a scope, values flattened to dotted keys with their file and line
/// as source.
///
/// # Panics
/// Only if two keys of the configuration collide in hash; use
/// [`Config::to_scope`] to handle that as an error.
impl From<&Config> for ParamScope {
    fn from(config: &Config) -> ParamScope {
        config.to_scope().unwrap_or_else(|err| panic!("{err}"))
    }
}

/// See `From<&Config>`.
impl From<Config> for ParamScope {
    fn from(config: Config) -> ParamScope {
        ParamScope::from(&config)
    }
}
