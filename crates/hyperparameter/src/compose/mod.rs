//! Composition of a Hydra-style config tree: config groups, defaults lists, packages and
//! overrides, with the results Hydra 1.3 gives.
//!
//! A config directory holds a primary config (`train.yaml`) and config groups as
//! subdirectories (`model/mnist.yaml`, `trainer/gpu.yaml`). The primary's `defaults:` list
//! says which option of each group to load, and where. Files may be YAML, TOML or JSON; a
//! YAML or TOML file may start with a `# @package <pkg>` header.
//!
//! # The defaults list
//! - Each file's entries are loaded in order, each one's own defaults first (depth
//!   first). `- group: option` loads `group/option.*`; `- path/name` loads a config by
//!   path; `_self_` is where the file's own content goes, and a list with entries other
//!   than overrides that does not name it gets it last.
//! - `override group: option` entries come last in their list and change the option of an
//!   entry listed earlier in the tree, also from a file loaded later (an experiment
//!   overriding `/trainer`); the override of the latest file wins, and a command-line
//!   `group=option` wins over all of them.
//! - `group: null` loads nothing; `group: ???` must be chosen by an override;
//!   `optional group: option` is skipped when the file does not exist; `- group: [a, b]`
//!   loads both. `+group=option` appends an entry to the primary's list, `~group` (or
//!   `~group=option`) removes one.
//! - A group is relative to the group of the file listing it, or absolute with a leading
//!   `/`.
//!
//! # Packages
//! A config's content goes, by default, under its group path read with dots
//! (`model/encoder` → `model.encoder`), below the package of the file listing it.
//! `group@pkg: option` and a `# @package pkg` header change that: a package holding
//! `_global_` counts from the top level (`_global_.x` is `x`, `_global_` alone the top
//! level); `_group_` stands for the default package and `_here_` for the listing file's.
//!
//! [`compose`] then:
//! 1. parses every override ([`Override::parse`] has the grammar), and sorts them
//!    into group choices (`model=vit`, `+extra=x`, `~group`) and value overrides;
//! 2. builds the defaults list and merges the configs in its order (maps deeply, anything
//!    else replaced), each at its package;
//! 3. applies the value overrides: `key=value` changes an existing key (a missing one is an
//!    error naming the closest key), `+key=value` adds one, `++key=value` adds or
//!    replaces, `~key[=value]` deletes; keys under `hydra.` may be set freely;
//! 4. resolves `${...}` once, on the whole result.
//!
//! The `hydra` node (`hydra.run.dir`, `hydra.sweeper.params`, ...) is kept as data. Groups
//! of Hydra itself (`hydra/launcher`, `hydra/job_logging`, ...) that the tree does not
//! contain are accepted and ignored, in defaults lists and in overrides. Every value keeps
//! where it was written: `model/mnist.yaml:4:3`, or the override's text.
//!
//! ```
//! use hyperparameter::Config;
//!
//! let dir = std::env::temp_dir().join(format!("hp-compose-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("model"))?;
//! std::fs::write(dir.join("train.yaml"), "defaults:\n  - model: small\n  - _self_\nlr: 0.1\n")?;
//! std::fs::write(dir.join("model/small.yaml"), "dim: 32\nname: net-${model.dim}\n")?;
//! std::fs::write(dir.join("model/big.yaml"), "dim: 512\nname: big\n")?;
//!
//! let config = Config::compose(&dir, "train", &["model=small", "model.dim=64", "+seed=1"])?;
//! assert_eq!(config.get("model.name").unwrap().to_string(), "net-64");
//! assert_eq!(config.origin("lr").unwrap().to_string(), "train.yaml:4:5");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod apply;
mod defaults;
mod functions;
mod grammar;
mod package;
mod repo;
mod value;
mod words;

use std::path::Path;

pub use grammar::{Override, OverrideKind};
pub use value::{Element, Number, OverrideValue, Quote, Sweep};
// Typed reads type the items of a list written on the command line the same way.
pub(crate) use words::typed_word;

use crate::config::merge::merge_maps;
use crate::config::tree::{Kind, Node, NodeMap};
use crate::config::{Config, Origin, RawConfig};
use crate::{Error, Result};

/// Composes the primary config `name` (with or without extension) of the config directory
/// `dir` with `overrides`, and returns the merged tree with `${...}` not yet resolved.
pub fn compose_raw<S: AsRef<str>>(dir: &Path, name: &str, overrides: &[S]) -> Result<RawConfig> {
    let overrides = overrides
        .iter()
        .map(|o| Override::parse(o.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let mut composed = compose_parts(dir, name, &overrides)?;
    let error = |msg: String| Error::Compose {
        config: name.to_string(),
        msg,
    };
    for o in &composed.value_overrides {
        apply::apply(&mut composed.root, o, &composed.group_dirs, &error)?;
    }
    Ok(RawConfig::from_root(composed.root))
}

/// The option a composition chose for one config group, and the file it loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupChoice {
    /// The group as the defaults list names it (`model`, `db@backup`).
    pub group: String,
    /// The option chosen (`mnist`).
    pub option: String,
    /// The file loaded, relative to the config directory (`model/mnist.yaml`).
    pub file: String,
}

/// A composed tree before its value overrides are applied (a run applies them in its own
/// layer, after the config files given besides the tree).
pub(crate) struct Composed {
    /// The merged configs of the defaults list.
    pub root: NodeMap,
    /// The overrides that set values (not groups), in order, not applied yet.
    pub value_overrides: Vec<Override>,
    /// The option chosen for each group, in the order loaded.
    pub groups: Vec<GroupChoice>,
    /// Every group directory of the tree (for suggestions).
    pub group_dirs: Vec<String>,
}

/// Builds the defaults list of `name` with the group overrides among `overrides` and
/// merges its configs; the value overrides are returned, not applied.
pub(crate) fn compose_parts(dir: &Path, name: &str, overrides: &[Override]) -> Result<Composed> {
    let mut repo = repo::Repo::new(dir, name)?;
    let mut sorted = defaults::Overrides::new(&repo, overrides)?;
    let list = defaults::defaults_list(&mut repo, name, &mut sorted)?;
    let mut root = NodeMap::new();
    let mut groups = Vec::new();
    for item in &list {
        let Some(loaded) = repo.load(&item.config_path)? else {
            return Err(repo.error(format!("cannot find the config `{}`", item.config_path)));
        };
        merge_maps(&mut root, embed(loaded.root.clone(), &item.package));
        if let Some(group) = &item.override_key {
            let option = item.config_path.rsplit('/').next().unwrap_or_default();
            let file = repo.file_name(&item.config_path)?;
            groups.push(GroupChoice {
                group: group.clone(),
                option: option.to_string(),
                file: file.unwrap_or_else(|| item.config_path.clone()),
            });
        }
    }
    Ok(Composed {
        root,
        value_overrides: sorted.config_overrides,
        groups,
        group_dirs: repo.groups(),
    })
}

/// Applies one value override (`key=value`, `+key=value`, `++key=value`, `~key`) to a
/// tree, as a composition applies it; `error` makes the error from a message.
pub(crate) fn apply_override(
    raw: &mut RawConfig,
    o: &Override,
    error: &dyn Fn(String) -> Error,
) -> Result<()> {
    apply::apply(raw.root_mut(), o, &[], error)
}

/// The value an override sets, as the tree holds it (`None` for a delete or a sweep).
pub(crate) fn override_value(o: &Override) -> Option<crate::Value> {
    match &o.value {
        Some(OverrideValue::Element(element)) => apply::element_value(element),
        _ => None,
    }
}

/// Composes as [`compose_raw`] does, then resolves every `${...}` once.
pub fn compose<S: AsRef<str>>(dir: &Path, name: &str, overrides: &[S]) -> Result<Config> {
    compose_raw(dir, name, overrides)?.resolve()
}

impl Config {
    /// Composes a Hydra-style config tree (see [`compose`](crate::compose)): the primary
    /// config `name` of the directory `dir`, its defaults list, then `overrides`
    /// (`model=vit`, `trainer.max_epochs=1`, `+seed=1`, `~callbacks`), then interpolation.
    pub fn compose<S: AsRef<str>>(
        dir: impl AsRef<Path>,
        name: &str,
        overrides: &[S],
    ) -> Result<Config> {
        compose(dir.as_ref(), name, overrides)
    }
}

/// A config's content placed at a dotted package (`` is the top level).
fn embed(root: NodeMap, package: &str) -> NodeMap {
    if package.is_empty() {
        return root;
    }
    let origin = root.values().next().map_or_else(
        || Origin::file(&"<compose>".into(), 0, 0),
        |node| node.origin.clone(),
    );
    let mut node = Node::new(Kind::Map(root), origin.clone());
    for segment in package.rsplit('.') {
        let mut map = NodeMap::new();
        map.insert(segment.to_string(), node);
        node = Node::new(Kind::Map(map), origin.clone());
    }
    match node.kind {
        Kind::Map(map) => map,
        _ => unreachable!("built as a map"),
    }
}

/// The Rust examples of `docs/composition.md`, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/composition.md")]
pub struct CompositionGuideExamples;
