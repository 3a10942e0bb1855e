//! The crate's one error type.

/// Everything that can go wrong in the core. Each variant carries what a user needs to find
/// the cause: the key, the value and its source, the file and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A key that breaks the key rules.
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey {
        /// The key as written.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A required key that no scope, snapshot or default provides.
    #[error("missing parameter `{key}`: no scope sets it and no default was given")]
    Missing {
        /// The key that was read.
        key: String,
    },
    /// A value that cannot be converted to the type a reader asked for.
    #[error("cannot convert parameter `{key}` = {value} (from {origin}) to {target}{}", detail_suffix(.detail))]
    Conversion {
        /// The key that was read.
        key: String,
        /// The stored value, rendered for humans.
        value: String,
        /// Where the stored value came from.
        origin: String,
        /// The target type.
        target: String,
        /// Why, when there is more to say than "not convertible".
        detail: String,
    },
    /// Two different keys with the same hash; the write is refused.
    #[error("hash collision: key `{key}` has the same hash as the stored key `{existing}`")]
    HashCollision {
        /// The key being written.
        key: String,
        /// The key already stored under that hash.
        existing: String,
    },
    /// A scope exited out of order, exited twice, or written to while an inner scope is active.
    #[error("scope error: {0}")]
    Scope(String),
    /// A `key=value` item (`-D` on the command line) without `=` or with a bad key.
    #[error("invalid definition {item:?}: {reason} (expected key=value, e.g. train.lr=0.01)")]
    InvalidDefine {
        /// The item as given.
        item: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A configuration text that cannot be parsed or resolved. Shown rustc-style as
    /// `file:line:col: msg`, shortened to `file:line: msg` or `file: msg` when the column or
    /// line is unknown (0).
    #[error("{}: {msg}", location(.file, *.line, *.col))]
    Parse {
        /// File name (or `<string>`).
        file: String,
        /// 1-based line, 0 when unknown.
        line: u32,
        /// 1-based column, 0 when unknown.
        col: u32,
        /// What is wrong.
        msg: String,
    },
    /// An override (`key=value` word of a composition) that breaks the override grammar.
    #[error("invalid override {text:?} at column {col}: {msg}")]
    Override {
        /// The override as given.
        text: String,
        /// 1-based column (in characters) where the problem is.
        col: u32,
        /// What is wrong.
        msg: String,
    },
    /// A config tree that cannot be composed: a missing option or file, a bad defaults
    /// list, an override that does not apply.
    #[error("cannot compose `{config}`: {msg}")]
    Compose {
        /// The primary config being composed.
        config: String,
        /// What is wrong, naming the file or override concerned.
        msg: String,
    },
    /// Deserializing a typed struct from a scope failed.
    #[error("cannot deserialize `{prefix}`: {msg}")]
    Deserialize {
        /// The key prefix that was read.
        prefix: String,
        /// What is wrong.
        msg: String,
    },
}

fn location(file: &str, line: u32, col: u32) -> String {
    match (line, col) {
        (0, _) => file.to_string(),
        (_, 0) => format!("{file}:{line}"),
        _ => format!("{file}:{line}:{col}"),
    }
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
