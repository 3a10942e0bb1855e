//! Bounds on hostile input: how big, how deep and how many values a configuration
//! may be. Configurations of experiments stay far below them.

/// Largest accepted input text, in bytes (also the longest string interpolation may build).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// Deepest accepted nesting: a value may sit at most this many keys and list indices below
/// the top level (`a.b.c` is 3 deep).
pub const MAX_DEPTH: usize = 64;

/// Most values (maps, lists and primitives) one configuration may hold, counting each use
/// of a YAML alias and each copy made by a `${...}` reference to a map or list.
pub const MAX_NODES: usize = 1_000_000;
