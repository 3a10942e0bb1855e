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
    #[error("{0}")]
    Scope(String),
    /// A `key=value` item (`-D` on the command line) without `=` or with a bad key.
    #[error("invalid definition {item:?}: {}{reason} (expected key=value, e.g. train.lr=0.01)", key_prefix(.key.as_deref()))]
    InvalidDefine {
        /// The item as given.
        item: String,
        /// The key before the `=` (trimmed) when it is the key that breaks the rules.
        key: Option<String>,
        /// What is wrong with it: `no `=` in the item`, or the key's problem.
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

fn key_prefix(key: Option<&str>) -> String {
    match key {
        Some(key) => format!("invalid key {key:?}: "),
        None => String::new(),
    }
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

/// What kind of error an [`Error`] is, one variant per [`Error`] variant. Unlike [`Error`] this
/// enum is exhaustive: a front end that turns errors into its own (a Python exception class,
/// a C status) matches it without a wildcard, so a new kind of error fails to compile there
/// until it is given a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// [`Error::InvalidKey`].
    InvalidKey,
    /// [`Error::Missing`].
    Missing,
    /// [`Error::Conversion`].
    Conversion,
    /// [`Error::HashCollision`].
    HashCollision,
    /// [`Error::Scope`].
    Scope,
    /// [`Error::InvalidDefine`].
    InvalidDefine,
    /// [`Error::Parse`].
    Parse,
    /// [`Error::Override`].
    Override,
    /// [`Error::Compose`].
    Compose,
    /// [`Error::Deserialize`].
    Deserialize,
}

/// The facts an [`Error`] carries, by name, for front ends that hand them on (the Python
/// exceptions' attributes). A field the kind does not have is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErrorFields<'a> {
    /// The key concerned: the key read or written, the key of a `key=value` item, the key
    /// prefix of a deserialization.
    pub key: Option<&'a str>,
    /// The offending value: a stored value as text for humans, or a whole `key=value` item.
    pub value: Option<&'a str>,
    /// Where a stored value came from (`-D/--define`, `base.toml:4`).
    pub source: Option<&'a str>,
    /// The type a read asked for.
    pub target: Option<&'a str>,
    /// The configuration file (or `<string>`, `<mapping>`).
    pub file: Option<&'a str>,
    /// The 1-based line in `file`, when known.
    pub line: Option<u32>,
    /// The 1-based column in `file`, when known.
    pub column: Option<u32>,
    /// What is wrong, without the location and key the message adds around it; `None` when
    /// the message is all there is to say (a scope error).
    pub reason: Option<&'a str>,
}

impl Error {
    /// The kind of this error.
    ///
    /// ```
    /// use hyperparameter::ErrorKind;
    /// let err = hyperparameter::validate_key("a..b").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidKey);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidKey { .. } => ErrorKind::InvalidKey,
            Error::Missing { .. } => ErrorKind::Missing,
            Error::Conversion { .. } => ErrorKind::Conversion,
            Error::HashCollision { .. } => ErrorKind::HashCollision,
            Error::Scope(_) => ErrorKind::Scope,
            Error::InvalidDefine { .. } => ErrorKind::InvalidDefine,
            Error::Parse { .. } => ErrorKind::Parse,
            Error::Override { .. } => ErrorKind::Override,
            Error::Compose { .. } => ErrorKind::Compose,
            Error::Deserialize { .. } => ErrorKind::Deserialize,
        }
    }

    /// The facts this error carries, by name.
    ///
    /// ```
    /// let err = hyperparameter::parse_define("a b=1").unwrap_err();
    /// let fields = err.fields();
    /// assert_eq!((fields.key, fields.value), (Some("a b"), Some("a b=1")));
    /// ```
    pub fn fields(&self) -> ErrorFields<'_> {
        let none = ErrorFields::default();
        match self {
            Error::InvalidKey { key, reason } => ErrorFields {
                key: Some(key),
                reason: Some(reason),
                ..none
            },
            Error::Missing { key } => ErrorFields {
                key: Some(key),
                ..none
            },
            Error::Conversion {
                key,
                value,
                origin,
                target,
                detail,
            } => ErrorFields {
                key: Some(key),
                value: Some(value),
                source: Some(origin),
                target: Some(target),
                reason: (!detail.is_empty()).then_some(detail.as_str()),
                ..none
            },
            Error::HashCollision { key, .. } => ErrorFields {
                key: Some(key),
                ..none
            },
            // The message is all there is to say.
            Error::Scope(_) => none,
            Error::InvalidDefine { item, key, reason } => ErrorFields {
                key: key.as_deref(),
                value: Some(item),
                reason: Some(reason),
                ..none
            },
            Error::Parse {
                file,
                line,
                col,
                msg,
            } => ErrorFields {
                file: Some(file),
                line: (*line != 0).then_some(*line),
                column: (*line != 0 && *col != 0).then_some(*col),
                reason: Some(msg),
                ..none
            },
            Error::Override { text, col, msg } => ErrorFields {
                value: Some(text),
                column: (*col != 0).then_some(*col),
                reason: Some(msg),
                ..none
            },
            Error::Compose { config, msg } => ErrorFields {
                file: Some(config),
                reason: Some(msg),
                ..none
            },
            Error::Deserialize { prefix, msg } => ErrorFields {
                key: Some(prefix),
                reason: Some(msg),
                ..none
            },
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
