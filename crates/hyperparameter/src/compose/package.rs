//! One entry of a defaults list, and where its config lands: paths, names and packages.
//!
//! - A **group entry** (`- model: mnist`) names an option of a config group; its group is
//!   relative to the group of the file that lists it, or absolute with a leading `/`.
//! - A **config entry** (`- db/mysql`, `- _self_`) names a config by path.
//! - The **package** is where the config's content goes in the result: by default the
//!   group path with `/` read as `.` (`model/encoder` → `model.encoder`), below the package
//!   of the file that lists it. `group@pkg` and a `# @package` header change it; a package
//!   holding `_global_` counts from the top level (`_global_.x` is `x`, `_global_` alone
//!   the top level itself); `_group_` stands for the default package, `_here_` for the
//!   listing file's own package.

use crate::config::Origin;

/// The option chosen for a group entry.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Choice {
    /// `null`: nothing is loaded.
    Null,
    /// One option (`???` means that one must be chosen by an override).
    Name(String),
    /// Several options, all loaded in order.
    Options(Vec<String>),
}

/// What an entry names.
#[derive(Clone, Debug)]
pub(crate) enum Target {
    /// A config by path (`_self_` is the listing file's own content).
    Config(String),
    /// A group and the option chosen.
    Group { group: String, choice: Choice },
}

/// One entry of a defaults list, as Hydra's defaults tree holds it.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub target: Target,
    pub package: Option<String>,
    pub optional: bool,
    pub is_override: bool,
    /// Added by a `+group=option` override.
    pub external_append: bool,
    /// The group directory of the listing file (`None` until placed).
    pub parent_base_dir: Option<String>,
    /// The final package of the listing file (`None` until placed).
    pub parent_package: Option<String>,
    /// The package from the config's `# @package` header, made absolute.
    pub package_header: Option<String>,
    pub primary: bool,
    pub deleted: bool,
    /// Where the entry was written (`None` for the primary config and overrides).
    pub origin: Option<Origin>,
}

impl Entry {
    /// An entry with no flags, not placed yet.
    pub(crate) fn new(target: Target, package: Option<String>) -> Entry {
        // `_here_` is the listing file's own package.
        let package = package.map(|p| if p == "_here_" { String::new() } else { p });
        Entry {
            target,
            package,
            optional: false,
            is_override: false,
            external_append: false,
            parent_base_dir: None,
            parent_package: None,
            package_header: None,
            primary: false,
            deleted: false,
            origin: None,
        }
    }

    pub(crate) fn is_self(&self) -> bool {
        matches!(&self.target, Target::Config(path) if path == "_self_")
    }

    /// Places the entry below the listing file's group directory and package.
    pub(crate) fn update_parent(&mut self, base_dir: &str, package: &str) {
        self.parent_base_dir = Some(base_dir.to_string());
        self.parent_package = Some(package.to_string());
        if let Some(pkg) = &self.package {
            if pkg.contains("_group_") {
                let resolved = pkg.replace("_group_", &self.default_package());
                self.package = Some(format!("_global_.{resolved}"));
            }
        }
    }

    /// Sets the package from a `# @package` header (always absolute).
    pub(crate) fn set_package_header(&mut self, header: Option<&str>) {
        self.package_header = header.map(|header| {
            if header == "_global_" || header.starts_with("_global_.") {
                header.to_string()
            } else if header.is_empty() {
                "_global_".to_string()
            } else {
                format!("_global_.{header}")
            }
        });
    }

    fn base_dir(&self) -> &str {
        self.parent_base_dir.as_deref().unwrap_or("")
    }

    /// The group directory of the entry (`model`, `hydra/launcher`, `` for a top config).
    pub(crate) fn group_path(&self) -> String {
        match &self.target {
            Target::Config(path) => {
                let (path, absolute) = strip_root(path);
                let group = path.rfind('/').map_or("", |i| &path[..i]);
                if absolute || self.base_dir().is_empty() {
                    group.to_string()
                } else if group.is_empty() {
                    self.base_dir().to_string()
                } else {
                    format!("{}/{group}", self.base_dir())
                }
            }
            Target::Group { group, .. } => {
                let (group, absolute) = strip_root(group);
                if absolute || self.base_dir().is_empty() {
                    group.to_string()
                } else {
                    format!("{}/{group}", self.base_dir())
                }
            }
        }
    }

    /// The chosen option's name or the config's file name (`None` for `null` or options).
    pub(crate) fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Config(path) => Some(path.rfind('/').map_or(path.as_str(), |i| &path[i + 1..])),
            Target::Group {
                choice: Choice::Name(name),
                ..
            } => Some(name),
            Target::Group { .. } => None,
        }
    }

    /// The config's path in the tree, without extension (`model/mnist`).
    pub(crate) fn config_path(&self) -> String {
        match &self.target {
            Target::Config(path) => {
                let (path, absolute) = strip_root(path);
                if absolute || self.base_dir().is_empty() {
                    path.to_string()
                } else {
                    format!("{}/{path}", self.base_dir())
                }
            }
            Target::Group { .. } => {
                format!("{}/{}", self.group_path(), self.name().unwrap_or_default())
            }
        }
    }

    /// Whether the option is `???` (must be chosen by an override).
    pub(crate) fn is_missing(&self) -> bool {
        matches!(&self.target, Target::Group { choice: Choice::Name(name), .. } if name == "???")
    }

    fn relative_group_path(&self) -> String {
        match &self.target {
            Target::Config(path) => {
                let (path, _) = strip_root(path);
                path.rfind('/').map_or("", |i| &path[..i]).to_string()
            }
            Target::Group { group, .. } => strip_root(group).0.to_string(),
        }
    }

    /// The package a group's configs go to unless told otherwise.
    pub(crate) fn default_package(&self) -> String {
        self.group_path().replace('/', ".")
    }

    fn own_package(&self, with_header: bool) -> Option<&str> {
        match (&self.package, with_header) {
            (Some(package), _) => Some(package),
            (None, true) => self.package_header.as_deref(),
            (None, false) => None,
        }
    }

    /// The entry's package as given (`group@pkg`), or its header's.
    pub(crate) fn package_or_header(&self) -> Option<&str> {
        self.own_package(true)
    }

    /// Where the config's content goes in the result (`` is the top level).
    pub(crate) fn final_package(&self, with_header: bool) -> String {
        let package = match self.own_package(with_header) {
            Some(package) => package.to_string(),
            None => self.relative_group_path().replace('/', "."),
        };
        let parent = self.parent_package.as_deref().unwrap_or("");
        let joined = if parent.is_empty() {
            package
        } else if package.is_empty() {
            parent.to_string()
        } else {
            format!("{parent}.{package}")
        };
        match joined.rfind("_global_") {
            None => joined,
            Some(at) => joined
                .get(at + "_global_".len() + 1..)
                .unwrap_or("")
                .to_string(),
        }
    }

    /// The key an override names this entry by: `group`, or `group@package` when the
    /// package is not the default one.
    pub(crate) fn override_key(&self) -> String {
        let key = self.group_path();
        let final_package = self.final_package(false);
        if self.default_package() == final_package {
            key
        } else if final_package.is_empty() {
            format!("{key}@_global_")
        } else {
            format!("{key}@{final_package}")
        }
    }

    /// The key as written in the listing file, for messages.
    pub(crate) fn written_key(&self) -> String {
        let group = match &self.target {
            Target::Group { group, .. } => group.clone(),
            Target::Config(path) => path.clone(),
        };
        match &self.package {
            Some(package) if Some(self.default_package().as_str()) != self.own_package(true) => {
                format!("{group}@{package}")
            }
            _ => group,
        }
    }

    /// Where the entry was written, for messages (`` when unknown).
    pub(crate) fn written_at(&self) -> String {
        self.origin
            .as_ref()
            .map_or(String::new(), |origin| format!(" (at {origin})"))
    }
}

/// A path without its leading `/`, and whether it had one.
fn strip_root(path: &str) -> (&str, bool) {
    match path.strip_prefix('/') {
        Some(rest) => (rest, true),
        None => (path, false),
    }
}

/// Whether a group is one of Hydra's own (`hydra`, `hydra/launcher`, ...), which a tree
/// need not contain: entries and overrides naming them are ignored when it does not.
pub(crate) fn is_hydra_group(group: &str) -> bool {
    let group = strip_root(group).0;
    group == "hydra" || group.starts_with("hydra/")
}
