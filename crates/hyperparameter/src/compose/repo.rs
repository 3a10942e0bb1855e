//! The config tree on disk: finding a config by path, listing a group's options, reading a
//! file's `# @package` header and its `defaults` list. Each file is read once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::package::{Choice, Entry, Target};
use crate::config::tree::{Kind, Node, NodeMap};
use crate::config::{read_bounded, Format, Origin, RawConfig};
use crate::{Error, Result, Value};

/// The extensions a config file may have, in the order they are looked for.
const EXTENSIONS: [&str; 4] = ["yaml", "yml", "toml", "json"];

/// One config file, read.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The content without the `defaults` list.
    pub root: NodeMap,
    /// The `defaults` list (empty when there is none).
    pub defaults: Vec<Entry>,
    /// The `# @package` header, if any.
    pub header: Option<String>,
}

/// A config directory.
pub(crate) struct Repo {
    dir: PathBuf,
    /// The primary config's name, for errors.
    pub primary: String,
    cache: HashMap<String, Option<Arc<Loaded>>>,
}

impl Repo {
    pub(crate) fn new(dir: &Path, primary: &str) -> Result<Repo> {
        let repo = Repo {
            dir: dir.to_path_buf(),
            primary: primary.to_string(),
            cache: HashMap::new(),
        };
        if !dir.is_dir() {
            return Err(repo.error(format!(
                "the config directory `{}` does not exist or is not a directory",
                dir.display()
            )));
        }
        Ok(repo)
    }

    /// An error of this composition.
    pub(crate) fn error(&self, msg: impl Into<String>) -> Error {
        Error::Compose {
            config: self.primary.clone(),
            msg: msg.into(),
        }
    }

    /// The file of a config path (`model/mnist`, or with its extension), if there is one.
    fn file_for(&self, config_path: &str) -> Result<Option<(PathBuf, String)>> {
        let has_extension = Path::new(config_path)
            .extension()
            .and_then(|ext| ext.to_str())
            .and_then(Format::from_extension)
            .is_some();
        if has_extension {
            let path = self.dir.join(config_path);
            return Ok(path.is_file().then(|| (path, config_path.to_string())));
        }
        let found: Vec<(PathBuf, String)> = EXTENSIONS
            .iter()
            .map(|ext| {
                let name = format!("{config_path}.{ext}");
                (self.dir.join(&name), name)
            })
            .filter(|(path, _)| path.is_file())
            .collect();
        if found.len() > 1 {
            let names: Vec<&str> = found.iter().map(|(_, name)| name.as_str()).collect();
            return Err(self.error(format!(
                "`{config_path}` is ambiguous: {} all exist (keep one)",
                names.join(", ")
            )));
        }
        Ok(found.into_iter().next())
    }

    /// The file name of a config path relative to the directory (`model/mnist.yaml`), if
    /// the config exists.
    pub(crate) fn file_name(&self, config_path: &str) -> Result<Option<String>> {
        Ok(self.file_for(config_path)?.map(|(_, name)| name))
    }

    /// Whether `group` is a directory of the tree.
    pub(crate) fn group_exists(&self, group: &str) -> bool {
        let group = group.trim_start_matches('/');
        !group.is_empty() && self.dir.join(group).is_dir()
    }

    /// The options of a group (config file names without extension), sorted.
    pub(crate) fn options(&self, group: &str) -> Vec<String> {
        let group = group.trim_start_matches('/');
        let mut options: Vec<String> = std::fs::read_dir(self.dir.join(group))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.path().is_file())
            .filter_map(|entry| {
                let path = entry.path();
                let ext = path.extension()?.to_str()?;
                Format::from_extension(ext)?;
                Some(path.file_stem()?.to_str()?.to_string())
            })
            .collect();
        options.sort();
        options.dedup();
        options
    }

    /// Every group directory of the tree (`model`, `model/encoder`, ...), sorted.
    pub(crate) fn groups(&self) -> Vec<String> {
        let mut groups = Vec::new();
        let mut pending = vec![(self.dir.clone(), String::new(), 0usize)];
        while let Some((dir, prefix, depth)) = pending.pop() {
            if depth > 16 {
                continue;
            }
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if !path.is_dir() {
                    continue;
                }
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                let group = if prefix.is_empty() {
                    name.to_string()
                } else {
                    format!("{prefix}/{name}")
                };
                groups.push(group.clone());
                pending.push((path, group, depth + 1));
            }
        }
        groups.sort();
        groups
    }

    /// Whether a config exists at this path.
    pub(crate) fn config_exists(&self, config_path: &str) -> Result<bool> {
        Ok(self.file_for(config_path)?.is_some())
    }

    /// The config at `config_path`, read once; `None` when there is no such file.
    pub(crate) fn load(&mut self, config_path: &str) -> Result<Option<Arc<Loaded>>> {
        if let Some(loaded) = self.cache.get(config_path) {
            return Ok(loaded.clone());
        }
        let loaded = match self.file_for(config_path)? {
            None => None,
            Some((path, name)) => Some(Arc::new(self.read(&path, &name)?)),
        };
        self.cache.insert(config_path.to_string(), loaded.clone());
        Ok(loaded)
    }

    fn read(&self, path: &Path, name: &str) -> Result<Loaded> {
        let format = Format::from_path(path)?;
        let text = read_bounded(path, name)?;
        let header = if format == Format::Json {
            None
        } else {
            package_header(&text).map_err(|msg| Origin::file(&Arc::from(name), 0, 0).error(msg))?
        };
        let mut root = RawConfig::parse_composable(&text, format, name)?.into_root();
        let defaults = match root.shift_remove("defaults") {
            None => Vec::new(),
            Some(node) => defaults_list(node)?,
        };
        Ok(Loaded {
            root,
            defaults,
            header,
        })
    }
}

/// The `# @package` header: comment lines at the top of the file of the form
/// `# @key value`, up to the first other line (blank lines skipped).
fn package_header(text: &str) -> Result<Option<String>, String> {
    let mut package = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix('#') else {
            break;
        };
        let Some(header) = comment.trim_start().strip_prefix('@') else {
            break;
        };
        let parts: Vec<&str> = header.split(' ').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [key, value] => {
                if *key == "package" {
                    package = Some((*value).to_string());
                }
            }
            [_] | [] => return Err(format!("expected a header `# @key value`, got `{line}`")),
            _ => return Err(format!("too many parts in the header `{line}`")),
        }
    }
    Ok(package)
}

/// The entries of a `defaults` list.
fn defaults_list(node: Node) -> Result<Vec<Entry>> {
    let Kind::List(items) = node.kind else {
        return Err(node.origin.error(format!(
            "`defaults` must be a list, not {}",
            node.type_name()
        )));
    };
    items.into_iter().map(entry).collect()
}

/// `group@package` split at `@`.
fn split_package(text: &str) -> (String, Option<String>) {
    match text.split_once('@') {
        Some((group, package)) => (group.to_string(), Some(package.to_string())),
        None => (text.to_string(), None),
    }
}

fn entry(node: Node) -> Result<Entry> {
    let origin = node.origin.clone();
    let mut entry = match node.kind {
        Kind::Text(text) => {
            let (path, package) = split_package(&text);
            if path == "_self_" && package.is_some() {
                return Err(origin.error("`_self_@package` is not supported"));
            }
            Entry::new(Target::Config(path), package)
        }
        Kind::Map(map) => {
            if map.len() != 1 {
                return Err(origin.error(format!(
                    "an entry of `defaults` holds one `group: option` pair, not {}",
                    map.len()
                )));
            }
            let (key, value) = map.into_iter().next().expect("one entry");
            let (group, package) = split_package(&key);
            let mut words: Vec<&str> = group.split(' ').filter(|w| !w.is_empty()).collect();
            let group = words.pop().unwrap_or_default().to_string();
            let (mut optional, mut is_override) = (false, false);
            for word in words {
                match word {
                    "optional" => optional = true,
                    "override" => is_override = true,
                    _ => {
                        return Err(origin.error(format!(
                            "unknown keyword `{word}` in the defaults entry `{key}` (expected \
                             `optional` or `override`)"
                        )))
                    }
                }
            }
            if group.is_empty() {
                return Err(origin.error("a defaults entry needs a group name"));
            }
            let choice = choice(value, &key)?;
            let mut entry = Entry::new(Target::Group { group, choice }, package);
            entry.optional = optional;
            entry.is_override = is_override;
            entry
        }
        _ => {
            return Err(origin.error(format!(
                "an entry of `defaults` is a config name or a `group: option` pair, not {}",
                node.type_name()
            )))
        }
    };
    entry.origin = Some(origin);
    Ok(entry)
}

/// The option of a group entry: `null`, a name, or a list of names.
fn choice(node: Node, key: &str) -> Result<Choice> {
    match node.kind {
        Kind::Scalar(Value::Null) => Ok(Choice::Null),
        Kind::Text(text) => {
            if text.contains("${") {
                return Err(node.origin.error(format!(
                    "`{key}: {text}`: interpolation in a defaults list is not supported"
                )));
            }
            Ok(Choice::Name(text.to_string()))
        }
        Kind::List(items) => items
            .into_iter()
            .map(|item| match item.kind {
                Kind::Text(text) => Ok(text.to_string()),
                _ => Err(item.origin.error(format!(
                    "the options of `{key}` must be names, not {}",
                    item.type_name()
                ))),
            })
            .collect::<Result<_>>()
            .map(Choice::Options),
        _ => Err(node.origin.error(format!(
            "the option of `{key}` must be a name, a list of names or null, not {}",
            node.type_name()
        ))),
    }
}
