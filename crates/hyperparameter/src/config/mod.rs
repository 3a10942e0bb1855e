//! Configuration files: TOML, JSON and YAML, merged, overridden and interpolated.
//!
//! # The pipeline
//! 1. **Parse** ([`RawConfig::read`], [`RawConfig::parse`], [`RawConfig::from_value`]): each
//!    file becomes a tree of maps, lists and primitives in which every value remembers where
//!    it was written ([`Origin`]: file, line, column). The format comes from the extension
//!    (`.toml`, `.json`, `.yaml`/`.yml`). Dotted keys nest (`"train.lr" = 1` is
//!    `train: {lr: 1}`), every key segment must be a valid key segment, and a key
//!    given twice in one file is an error. YAML is loaded safely (no tags that construct
//!    objects), and size and nesting are bounded ([`MAX_INPUT_BYTES`], [`MAX_DEPTH`],
//!    [`MAX_NODES`]).
//! 2. **Merge** ([`RawConfig::merge`]): in order, deep for maps, later wins, lists replaced.
//! 3. **Overrides** ([`RawConfig::apply_overrides`]): `key=value` items (CLI `-D`) are merged
//!    into the tree as text, *before* interpolation, so `${model.dim}` sees
//!    `-D model.dim=64`.
//! 4. **Interpolate** ([`RawConfig::resolve`]): the result is a [`Config`], resolved and
//!    read-only, still knowing where each value came from.
//!    - `${a.b}` is the value of the absolute key `a.b` in the merged tree (numeric segments
//!      index lists: `${layers.0.size}`). A text that is exactly one reference takes the
//!      referenced value with its type (a map or list is copied); a reference inside longer
//!      text is formatted as text (floats by [`format_float`](crate::format_float), bools
//!      `true`/`false`, null `null`; a map or list there is an error).
//!    - `${env:NAME}` is the environment variable, as text; `${env:NAME,default}` takes the
//!      text after the first comma (spaces around it trimmed) when the variable is unset.
//!    - `$${` is a literal `${`; any other `$` is itself. References do not nest, and
//!      nothing is ever executed.
//!    - A missing key, an unset variable without default, a cycle (`a -> b -> a`) and bad
//!      syntax are errors located at the value holding the reference, naming the chain of
//!      keys followed.
//!
//! A [`Config`] becomes a scope with its values flattened to dotted keys, each with
//! [`Source::File`](crate::Source::File) (or [`Source::Define`](crate::Source::Define) for an
//! override) as provenance, or a typed struct through serde ([`Config::deserialize`]).
//!
//! Errors are [`Error::Parse`] located at the value concerned, shown the way rustc and
//! serde users expect: `file:line:col: message`.
//!
//! ```
//! use hyperparameter::config::{Config, Format, RawConfig};
//! use hyperparameter::ParamScope;
//!
//! let mut raw = RawConfig::parse(
//!     "[model]\ndim = 32\nname = \"net-${model.dim}\"\n",
//!     Format::Toml,
//!     "base.toml",
//! )?;
//! raw.apply_overrides(&["model.dim=64"])?;
//! let config: Config = raw.resolve()?;
//! assert_eq!(config.get("model.name").unwrap().to_string(), "net-64");
//!
//! let scope = ParamScope::from(&config);
//! assert_eq!(scope.get::<i64>("model.dim")?, Some(64));
//! # Ok::<(), hyperparameter::Error>(())
//! ```

mod flatten;
mod interpolate;
mod limits;
pub(crate) mod merge;
mod origin;
pub(crate) mod parse_json;
mod parse_toml;
mod parse_yaml;
pub mod resolvers;
mod template;
pub(crate) mod tree;
mod write;

use std::path::Path;
use std::sync::Arc;

pub use limits::{MAX_DEPTH, MAX_INPUT_BYTES, MAX_NODES};
pub use origin::Origin;
pub use write::{write_config, WriteItem};

use tree::{map_to_value, Kind, Node, NodeMap};

use crate::{Error, Result, Value};

/// A configuration file format, chosen by file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// TOML (`.toml`).
    Toml,
    /// JSON (`.json`).
    Json,
    /// YAML 1.2 (`.yaml`, `.yml`), loaded safely.
    Yaml,
}

impl Format {
    /// The format for a file extension (without the dot, any case), if it is one.
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension.to_ascii_lowercase().as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    /// The format of a file by its extension, or an error naming the file.
    pub fn from_path(path: &Path) -> Result<Format> {
        path.extension()
            .and_then(|ext| ext.to_str())
            .and_then(Format::from_extension)
            .ok_or_else(|| Error::Parse {
                file: path.display().to_string(),
                line: 0,
                col: 0,
                msg: "unknown configuration format (expected a .toml, .json, .yaml or .yml \
                      file)"
                    .into(),
            })
    }
}

/// A parsed and merged configuration whose `${...}` references are not resolved yet.
///
/// Build it from files, texts and in-memory maps, merge in order, apply `-D` overrides,
/// then [`resolve`](RawConfig::resolve) it into a [`Config`].
#[derive(Clone, Debug, Default)]
pub struct RawConfig {
    root: NodeMap,
}

impl RawConfig {
    /// An empty configuration.
    pub fn new() -> RawConfig {
        RawConfig::default()
    }

    /// Reads and parses one file; the format comes from its extension. Errors name the path
    /// as given.
    ///
    /// Only a regular file (or a link to one) is read: a directory, a FIFO, a device or a
    /// socket is an error saying what it is, found before the file is opened. At most
    /// [`MAX_INPUT_BYTES`] are read whatever size the file reports, so a file that grows
    /// while it is read is refused like one that is too large.
    pub fn read(path: impl AsRef<Path>) -> Result<RawConfig> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let format = Format::from_path(path)?;
        let text = read_bounded(path, &name)?;
        RawConfig::parse(&text, format, &name)
    }

    /// Parses a text in `format`; `name` stands for the file in positions and errors.
    pub fn parse(text: &str, format: Format, name: &str) -> Result<RawConfig> {
        RawConfig::parse_impl(text, format, name, false)
    }

    fn parse_impl(
        text: &str,
        format: Format,
        name: &str,
        literal_defaults: bool,
    ) -> Result<RawConfig> {
        if text.len() > MAX_INPUT_BYTES {
            return Err(too_large(name));
        }
        // A byte-order mark is not content (editors on Windows write one).
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let file: Arc<str> = Arc::from(name);
        let node = match format {
            Format::Toml => parse_toml::parse_with(text, &file, literal_defaults)?,
            Format::Json => parse_json::parse_with(text, &file, literal_defaults)?,
            Format::Yaml => parse_yaml::parse_with(text, &file, literal_defaults)?,
        };
        match node.kind {
            Kind::Map(root) => Ok(RawConfig { root }),
            // An empty YAML document (or one holding only `null`) is an empty configuration.
            Kind::Scalar(Value::Null) if format == Format::Yaml => Ok(RawConfig::new()),
            _ => Err(node.origin.error(format!(
                "the top level of a configuration must be a map, not {}",
                with_article(node.type_name())
            ))),
        }
    }

    /// Parses a file of a config tree being composed: as [`RawConfig::parse`], except that
    /// the keys of the top-level `defaults` list's entries are taken literally
    /// (`override /model`, `db@backup.db`).
    pub(crate) fn parse_composable(text: &str, format: Format, name: &str) -> Result<RawConfig> {
        RawConfig::parse_impl(text, format, name, true)
    }

    /// The tree.
    pub(crate) fn into_root(self) -> NodeMap {
        self.root
    }

    /// The tree, to change in place.
    pub(crate) fn root_mut(&mut self) -> &mut NodeMap {
        &mut self.root
    }

    /// A configuration holding `root`.
    pub(crate) fn from_root(root: NodeMap) -> RawConfig {
        RawConfig { root }
    }

    /// A configuration from an in-memory map (dotted keys nest); `name` stands for the file
    /// in provenance and errors (for example `"<dict>"`).
    pub fn from_value(value: &Value, name: &str) -> Result<RawConfig> {
        let origin = Origin::file(&Arc::from(name), 0, 0);
        let node = tree::node_from_value(value, &origin, 0)?;
        match node.kind {
            Kind::Map(root) => Ok(RawConfig { root }),
            _ => Err(origin.error(format!(
                "a configuration must be a map, not {}",
                with_article(node.type_name())
            ))),
        }
    }

    /// Merges `later` into this configuration: maps deeply, everything else (lists
    /// included) replaced by the later value.
    pub fn merge(&mut self, later: RawConfig) {
        merge::merge_maps(&mut self.root, later.root);
    }

    /// Builder form of [`RawConfig::merge`].
    pub fn merged(mut self, later: RawConfig) -> RawConfig {
        self.merge(later);
        self
    }

    /// Merges `key=value` items (CLI `-D`) into the tree, in order: split at the first `=`,
    /// key trimmed and validated, value kept as text (typed reads convert it; it may hold
    /// `${...}`). A numeric segment indexes an existing list (`layers.0.size=3`).
    /// An item without `=` or with a bad key is [`Error::InvalidDefine`].
    pub fn apply_overrides<S: AsRef<str>>(&mut self, items: &[S]) -> Result<()> {
        for item in items {
            merge::apply_override(&mut self.root, item.as_ref())?;
        }
        Ok(())
    }

    /// Resolves every `${...}`, reading `${env:...}` from the process environment.
    pub fn resolve(self) -> Result<Config> {
        self.resolve_with_env(|name| std::env::var(name).ok())
    }

    /// Resolves every `${...}`, reading `${env:NAME}` through `env` (for tests and
    /// sandboxes).
    pub fn resolve_with_env(mut self, env: impl Fn(&str) -> Option<String>) -> Result<Config> {
        interpolate::resolve_tree(&mut self.root, &env)?;
        Ok(Config { root: self.root })
    }

    /// The tree as a nested map, references unresolved.
    pub fn to_value(&self) -> Value {
        Value::from(map_to_value(&self.root))
    }

    /// The tree as a [`Config`] with every `${...}` left as written: for showing a tree
    /// whose references cannot be resolved here, as a composed one is shown before it is
    /// read. Origins are kept.
    ///
    /// ```
    /// use hyperparameter::config::{Format, RawConfig};
    ///
    /// let raw = RawConfig::parse("a: 1\nb: ${oc.env:HOME}\n", Format::Yaml, "x.yaml")?;
    /// let config = raw.unresolved();
    /// assert_eq!(config.get("b").unwrap().to_string(), "${oc.env:HOME}");
    /// assert_eq!(config.origin("b").unwrap().to_string(), "x.yaml:2:4");
    /// # Ok::<(), hyperparameter::Error>(())
    /// ```
    pub fn unresolved(self) -> Config {
        Config { root: self.root }
    }
}

/// A type name (or a phrase starting with one) with its indefinite article, for messages:
/// `an int`, `a map`, `an int value`; the type `null` alone reads `null`.
pub(crate) fn with_article(phrase: &str) -> String {
    if phrase == "null" {
        return phrase.to_string();
    }
    let vowel = phrase
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    if vowel {
        format!("an {phrase}")
    } else {
        format!("a {phrase}")
    }
}

/// The text of the regular file at `path`, at most [`MAX_INPUT_BYTES`] long.
pub(crate) fn read_bounded(path: &Path, name: &str) -> Result<String> {
    use std::io::Read;

    let error = |msg: String| Error::Parse {
        file: name.to_string(),
        line: 0,
        col: 0,
        msg,
    };
    let io_error = |err: std::io::Error| error(format!("cannot read the file: {err}"));
    // Checked before opening: opening a FIFO would wait for a writer.
    let kind = std::fs::metadata(path).map_err(io_error)?.file_type();
    if !kind.is_file() {
        return Err(error(format!(
            "cannot read the file: it is {}, not a regular file",
            describe_file_type(&kind)
        )));
    }
    let file = std::fs::File::open(path).map_err(io_error)?;
    // The path may have been replaced between the check and the open.
    let metadata = file.metadata().map_err(io_error)?;
    let kind = metadata.file_type();
    if !kind.is_file() {
        return Err(error(format!(
            "cannot read the file: it is {}, not a regular file",
            describe_file_type(&kind)
        )));
    }
    // The reported size is only a hint for the buffer; the bound is what is read.
    let hint = usize::try_from(metadata.len()).map_or(0, |len| len.min(MAX_INPUT_BYTES) + 1);
    let mut bytes = Vec::with_capacity(hint);
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(too_large(name));
    }
    String::from_utf8(bytes).map_err(|err| {
        error(format!(
            "cannot read the file: it is not UTF-8 text (invalid byte at offset {})",
            err.utf8_error().valid_up_to()
        ))
    })
}

/// What kind of file this is, for messages: `a directory`, `a FIFO (named pipe)`, ...
fn describe_file_type(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

fn too_large(name: &str) -> Error {
    Error::Parse {
        file: name.to_string(),
        line: 0,
        col: 0,
        msg: format!("the input is larger than {MAX_INPUT_BYTES} bytes and is refused"),
    }
}

/// A resolved configuration: a read-only tree of values that knows where each was written.
///
/// Get one from [`Config::load`] (files merged in order, then resolved) or from
/// [`RawConfig::resolve`] when overrides or in-memory maps take part.
#[derive(Clone, Debug, Default)]
pub struct Config {
    root: NodeMap,
}

impl Config {
    /// Loads files in order (format by extension), merges them (later wins, lists
    /// replaced) and resolves `${...}`.
    pub fn load<I, P>(paths: I) -> Result<Config>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<Path>,
    {
        let mut raw = RawConfig::new();
        for path in paths {
            raw.merge(RawConfig::read(path)?);
        }
        raw.resolve()
    }

    /// Parses and resolves one text; `name` stands for the file in positions and errors.
    pub fn from_str(text: &str, format: Format, name: &str) -> Result<Config> {
        RawConfig::parse(text, format, name)?.resolve()
    }

    fn node(&self, key: &str) -> Option<&Node> {
        let mut segments = key.split('.');
        let mut node = self.root.get(segments.next()?)?;
        for segment in segments {
            node = match &node.kind {
                Kind::Map(map) => map.get(segment)?,
                Kind::List(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The value at a dotted key (numeric segments index lists), if present.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.node(key).map(Node::to_value)
    }

    /// Where the value at a dotted key was written, if present.
    pub fn origin(&self, key: &str) -> Option<&Origin> {
        self.node(key).map(|node| &node.origin)
    }

    /// Whether the dotted key is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.node(key).is_some()
    }

    /// The top-level keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.root.keys().map(String::as_str)
    }

    /// How many top-level keys there are.
    pub fn len(&self) -> usize {
        self.root.len()
    }

    /// Whether the configuration is empty.
    pub fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    /// The whole configuration as a nested map.
    pub fn to_value(&self) -> Value {
        Value::from(map_to_value(&self.root))
    }

    /// Where `value` of the tree sits, for the deserializer's messages.
    pub(crate) fn origin_text(&self, key: &str) -> Option<String> {
        let mut steps: Vec<&str> = key.split('.').collect();
        while !steps.is_empty() {
            if let Some(origin) = self.origin(&steps.join(".")) {
                return Some(origin.to_string());
            }
            steps.pop();
        }
        None
    }
}
