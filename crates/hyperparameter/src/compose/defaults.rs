//! The defaults list: which configs a composition loads, in which order, at which package.
//!
//! The rules are Hydra 1.3's:
//! - Each file's `defaults` entries are loaded in order, each one's own defaults first
//!   (depth first). `_self_` is where the file's own content goes; a file with entries
//!   other than overrides and no `_self_` gets it last.
//! - `override group: option` entries must come last in their list; they change the option
//!   of an entry listed earlier in the tree, also from files loaded later (an experiment
//!   file overriding `/trainer`). Entries are walked last to first, so the override of the
//!   latest file wins; command-line `group=option` wins over all of them.
//! - `null` loads nothing, `???` must be chosen by an override, `optional` entries whose
//!   config does not exist are skipped; `+group=option` appends to the primary's list,
//!   `~group` removes an entry.
//! - Groups of Hydra itself (`hydra/launcher`, ...) that the tree does not contain are
//!   accepted and ignored.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;

use super::grammar::{Override, OverrideKind};
use super::package::{is_hydra_group, Choice, Entry, Target};
use super::repo::Repo;
use super::value::{Element, OverrideValue};
use crate::Result;

/// One config to load: its path, the package it goes to, and the entry's key.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Resolved {
    /// The config path (`model/mnist`).
    pub config_path: String,
    /// Where its content goes (`` is the top level).
    pub package: String,
    /// `group` (or `group@package`) for group entries (also for the own content of a
    /// group option that has a defaults list).
    pub override_key: Option<String>,
    /// Whether this is a file's own content (`_self_`).
    pub is_self: bool,
}

/// A choice that an override made, and whether it was used.
struct Made {
    choice: Choice,
    external: bool,
    used: bool,
    /// The file holding an `override` entry.
    written_in: Option<String>,
}

/// The overrides that act on the defaults list, and what the walk has seen.
pub(crate) struct Overrides {
    choices: IndexMap<String, Made>,
    appends: Vec<Entry>,
    deletions: IndexMap<String, (Option<String>, bool)>,
    known: HashMap<String, Option<String>>,
    known_per_group: HashMap<String, BTreeSet<String>>,
    /// The overrides that set values (not groups), in order.
    pub config_overrides: Vec<Override>,
}

impl Overrides {
    /// Sorts overrides into group choices, appends, deletions and value overrides.
    pub(crate) fn new(repo: &Repo, overrides: &[Override]) -> Result<Overrides> {
        let mut out = Overrides {
            choices: IndexMap::new(),
            appends: Vec::new(),
            deletions: IndexMap::new(),
            known: HashMap::new(),
            known_per_group: HashMap::new(),
            config_overrides: Vec::new(),
        };
        for o in overrides {
            let value = match &o.value {
                Some(OverrideValue::Sweep(_)) => {
                    return Err(repo.error(format!(
                        "`{}` is a sweep: composing takes one value per key (sweeps run with \
                         multirun)",
                        o.text
                    )))
                }
                Some(OverrideValue::Element(element)) => Some(element.clone().unquoted()),
                None => None,
            };
            let is_group = repo.group_exists(&o.key);
            if !is_group && is_hydra_group(&o.key) && o.key.contains('/') {
                // One of Hydra's own groups, absent from this tree: ignored.
                continue;
            }
            if matches!(value, Some(Element::Dict(_))) || !is_group {
                out.config_overrides.push(o.clone());
                continue;
            }
            let choice = match value {
                None => None,
                Some(Element::Str(name)) => Some(Choice::Name(name)),
                Some(Element::List(items)) => Some(Choice::Options(
                    items
                        .into_iter()
                        .map(|item| match item {
                            Element::Str(name) => Ok(name),
                            other => Err(repo.error(format!(
                                "`{}`: the options of a config group are names, not `{other}`",
                                o.text
                            ))),
                        })
                        .collect::<Result<_>>()?,
                )),
                Some(other) => Some(Choice::Name(other.to_string())),
            };
            match o.kind {
                OverrideKind::ForceAdd => {
                    return Err(repo.error(format!(
                        "`{}`: `++` does not apply to config groups (use `+{}` to add one or \
                         `{}` to change it)",
                        o.text,
                        &o.text[2..],
                        &o.text[2..]
                    )))
                }
                OverrideKind::Delete => {
                    let name = match choice {
                        None => None,
                        Some(Choice::Name(name)) => Some(name),
                        Some(_) => {
                            return Err(repo.error(format!(
                                "`{}`: deleting a config group takes one option name",
                                o.text
                            )))
                        }
                    };
                    out.deletions.insert(o.key_element(), (name, false));
                }
                OverrideKind::Add => {
                    let choice = choice.unwrap_or(Choice::Null);
                    let mut entry = Entry::new(
                        Target::Group {
                            group: o.key.clone(),
                            choice,
                        },
                        o.package.clone(),
                    );
                    entry.external_append = true;
                    out.appends.push(entry);
                }
                OverrideKind::Change => {
                    let choice = choice.unwrap_or(Choice::Null);
                    out.choices.insert(
                        o.key_element(),
                        Made {
                            choice,
                            external: true,
                            used: false,
                            written_in: None,
                        },
                    );
                }
            }
        }
        Ok(out)
    }

    fn add_override(&mut self, written_in: &str, entry: &Entry) {
        let key = entry.override_key();
        if let Target::Group { choice, .. } = &entry.target {
            self.choices.entry(key).or_insert_with(|| Made {
                choice: choice.clone(),
                external: false,
                used: false,
                written_in: Some(written_in.to_string()),
            });
        }
    }

    fn apply_choice(&mut self, entry: &mut Entry) {
        if let Some(made) = self.choices.get_mut(&entry.override_key()) {
            if let Target::Group { choice, .. } = &mut entry.target {
                *choice = made.choice.clone();
            }
            made.used = true;
        }
    }

    fn set_known_choice(&mut self, repo: &Repo, entry: &Entry) -> Result<()> {
        if !matches!(entry.target, Target::Group { .. }) {
            return Ok(());
        }
        let key = entry.override_key();
        let name = entry.name().map(str::to_string);
        match self.known.get(&key) {
            None => {
                self.known.insert(key.clone(), name);
            }
            Some(previous) if *previous != name => {
                return Err(repo.error(format!(
                    "several options for `{key}`{}: to change the option use `override {key}: \
                     {}`",
                    entry.written_at(),
                    name.as_deref().unwrap_or("null")
                )));
            }
            Some(_) => {}
        }
        self.known_per_group
            .entry(entry.group_path())
            .or_default()
            .insert(key);
        Ok(())
    }

    fn is_deleted(&self, entry: &Entry) -> bool {
        let key = match entry.target {
            Target::Group { .. } => entry.override_key(),
            Target::Config(_) => entry.config_path(),
        };
        match self.deletions.get(&key) {
            Some((None, _)) => true,
            Some((Some(name), _)) => {
                matches!(entry.target, Target::Group { .. }) && entry.name() == Some(name)
            }
            None => false,
        }
    }

    fn delete(&mut self, entry: &mut Entry) {
        entry.deleted = true;
        let key = match entry.target {
            Target::Group { .. } => entry.override_key(),
            Target::Config(_) => entry.config_path(),
        };
        if let Some(deletion) = self.deletions.get_mut(&key) {
            deletion.1 = true;
        }
    }

    /// Every override and deletion must have found its entry.
    fn check_used(&self, repo: &Repo) -> Result<()> {
        for (key, made) in &self.choices {
            if made.used {
                continue;
            }
            let group = key.split('@').next().unwrap_or(key);
            if is_hydra_group(group) && !repo.group_exists(group) {
                continue;
            }
            let known: Vec<&str> = self
                .known_per_group
                .get(group)
                .map(|keys| keys.iter().map(String::as_str).collect())
                .unwrap_or_default();
            let mut msg = match known.as_slice() {
                [] => format!("cannot override `{key}`: no entry of the defaults list chooses it"),
                [one] => format!("cannot override `{key}`: did you mean `{one}`?"),
                many => format!(
                    "cannot override `{key}`: did you mean one of {}?",
                    many.join(", ")
                ),
            };
            if let Some(file) = &made.written_in {
                msg = format!("in `{file}`: {msg}");
            }
            if made.external {
                msg.push_str(&format!(
                    " (to add it to the defaults list use `+{key}={}`)",
                    choice_text(&made.choice)
                ));
            }
            return Err(repo.error(msg));
        }
        for (key, (name, used)) in &self.deletions {
            if !used {
                let what = match name {
                    Some(name) => format!("{key}={name}"),
                    None => key.clone(),
                };
                return Err(repo.error(format!(
                    "cannot delete `{what}`: no entry of the defaults list matches"
                )));
            }
        }
        Ok(())
    }
}

fn choice_text(choice: &Choice) -> String {
    match choice {
        Choice::Null => "null".into(),
        Choice::Name(name) => name.clone(),
        Choice::Options(names) => format!("[{}]", names.join(",")),
    }
}

/// A node of the defaults tree: an entry and, once expanded, what it lists.
struct Tree {
    entry: Entry,
    children: Option<Vec<Child>>,
}

enum Child {
    Leaf(Entry),
    Tree(Tree),
}

/// The configs to load for the primary config `name`, in order.
pub(crate) fn defaults_list(
    repo: &mut Repo,
    name: &str,
    overrides: &mut Overrides,
) -> Result<Vec<Resolved>> {
    let mut primary = Entry::new(Target::Config(name.to_string()), None);
    primary.primary = true;
    let tree = expand(
        repo,
        Tree {
            entry: primary,
            children: None,
        },
        true,
        overrides,
        0,
    )?;
    overrides.check_used(repo)?;
    let mut out = Vec::new();
    flatten(&tree, None, &mut out);
    let mut seen = BTreeSet::new();
    for resolved in &out {
        if let Some(key) = &resolved.override_key {
            if !resolved.is_self && !seen.insert(key.clone()) {
                return Err(repo.error(format!(
                    "`{key}` appears more than once in the final defaults list"
                )));
            }
        }
    }
    Ok(out)
}

/// How deeply defaults lists may nest (a file listing itself would never end).
const MAX_NESTING: usize = 64;

/// Expands one entry: loads its config and, recursively, what its defaults list names.
fn expand(
    repo: &mut Repo,
    mut root: Tree,
    is_root: bool,
    overrides: &mut Overrides,
    depth: usize,
) -> Result<Tree> {
    if depth > MAX_NESTING {
        return Err(repo.error(format!(
            "defaults lists nest deeper than {MAX_NESTING} levels at `{}` (does a config list \
             itself?)",
            root.entry.config_path()
        )));
    }
    if is_root {
        root.entry.update_parent("", "");
        if !repo.config_exists(&root.entry.config_path())? {
            return Err(repo.error(format!(
                "cannot find the primary config `{}` in the config directory",
                root.entry.config_path()
            )));
        }
    }
    let parent = &mut root.entry;
    if !parent.is_missing() && parent.name().is_some() {
        if let Some(loaded) = repo.load(&parent.config_path())? {
            parent.set_package_header(loaded.header.as_deref());
        }
    }
    if overrides.is_deleted(parent) {
        overrides.delete(parent);
        return Ok(root);
    }
    overrides.set_known_choice(repo, parent)?;
    if parent.name().is_none() {
        return Ok(root);
    }
    if parent.is_missing() {
        let key = parent.override_key();
        let options = repo.options(&parent.group_path());
        return Err(repo.error(format!(
            "an option must be chosen for `{key}`{} (e.g. `{key}=<option>`); available: {}",
            parent.written_at(),
            list_or_none(&options)
        )));
    }
    let path = parent.config_path();
    let Some(loaded) = repo.load(&path)? else {
        if parent.optional || is_hydra_group(&parent.group_path()) {
            parent.deleted = true;
            return Ok(root);
        }
        return Err(not_found(repo, parent));
    };
    let mut list = loaded.defaults.clone();
    if !list.is_empty() || (is_root && !overrides.appends.is_empty()) {
        validate_self(repo, parent, &mut list)?;
    }
    if is_root {
        list.append(&mut overrides.appends);
    }
    let group_path = parent.group_path();
    let final_package = parent.final_package(true);
    let mut seen_override: Option<String> = None;
    for entry in list.iter_mut().filter(|entry| !entry.is_self()) {
        entry.update_parent(&group_path, &final_package);
        if let Some(previous) = &seen_override {
            if !(entry.is_override || entry.external_append) {
                return Err(repo.error(format!(
                    "in `{path}`: the override `{previous}` comes before `{}`{}; overrides \
                     must be at the end of the defaults list",
                    entry.written_key(),
                    entry.written_at()
                )));
            }
        }
        if entry.is_override {
            seen_override = Some(entry.written_key());
            overrides.add_override(&path, entry);
        }
    }
    let self_package = parent.package_or_header().map(str::to_string);
    let parent_base = parent.parent_base_dir.clone().unwrap_or_default();
    let mut children = Vec::new();
    for mut entry in list.into_iter().rev() {
        if entry.is_self() {
            entry.update_parent(&parent_base, self_package.as_deref().unwrap_or(""));
            children.push(Child::Leaf(entry));
            continue;
        }
        if entry.is_override {
            continue;
        }
        overrides.apply_choice(&mut entry);
        let options = match &entry.target {
            Target::Group {
                group,
                choice: Choice::Options(options),
            } => Some((group.clone(), options.clone())),
            _ => None,
        };
        let Some((group, options)) = options else {
            add_child(repo, &mut children, entry, overrides, depth)?;
            continue;
        };
        for option in options.iter().rev() {
            let mut node = Entry::new(
                Target::Config(format!("{group}/{option}")),
                entry.package.clone(),
            );
            node.optional = entry.optional;
            node.origin = entry.origin.clone();
            if entry.external_append {
                node.update_parent("", "");
            } else {
                node.update_parent(&group_path, &final_package);
            }
            add_child(repo, &mut children, node, overrides, depth)?;
        }
    }
    if !children.is_empty() {
        children.reverse();
        root.children = Some(children);
    }
    Ok(root)
}

fn add_child(
    repo: &mut Repo,
    children: &mut Vec<Child>,
    entry: Entry,
    overrides: &mut Overrides,
    depth: usize,
) -> Result<()> {
    let subtree = expand(
        repo,
        Tree {
            entry,
            children: None,
        },
        false,
        overrides,
        depth + 1,
    )?;
    children.push(match subtree.children {
        None => Child::Leaf(subtree.entry),
        Some(_) => Child::Tree(subtree),
    });
    Ok(())
}

/// Checks `_self_` appears at most once, and adds it last when the list has entries
/// other than overrides and does not name it.
fn validate_self(repo: &Repo, parent: &Entry, list: &mut Vec<Entry>) -> Result<()> {
    let selves = list.iter().filter(|entry| entry.is_self()).count();
    if selves > 1 {
        return Err(repo.error(format!(
            "`_self_` is listed twice in `{}`",
            parent.config_path()
        )));
    }
    let has_non_override = list.iter().any(|entry| !entry.is_override);
    if (selves == 0 && has_non_override) || list.is_empty() {
        list.push(Entry::new(Target::Config("_self_".into()), None));
    }
    Ok(())
}

fn list_or_none(options: &[String]) -> String {
    if options.is_empty() {
        "none".into()
    } else {
        options.join(", ")
    }
}

fn not_found(repo: &Repo, entry: &Entry) -> crate::Error {
    match &entry.target {
        Target::Group { .. } => {
            let group = entry.group_path();
            let name = entry.name().unwrap_or_default();
            if repo.group_exists(&group) {
                repo.error(format!(
                    "`{group}` has no option `{name}`{}; available options: {}",
                    entry.written_at(),
                    list_or_none(&repo.options(&group))
                ))
            } else {
                repo.error(format!(
                    "there is no config group `{group}` (for `{group}: {name}`{}); groups: {}",
                    entry.written_at(),
                    list_or_none(&repo.groups())
                ))
            }
        }
        Target::Config(_) => repo.error(format!(
            "cannot find the config `{}`{}",
            entry.config_path(),
            entry.written_at()
        )),
    }
}

/// The loaded configs in order: a depth-first walk where `_self_` stands for the listing
/// file's own content.
fn flatten(tree: &Tree, parent: Option<&Tree>, out: &mut Vec<Resolved>) {
    match &tree.children {
        None => push(parent, &tree.entry, out),
        Some(children) if children.is_empty() => push(parent, &tree.entry, out),
        Some(children) => {
            for child in children {
                match child {
                    Child::Leaf(entry) => push(Some(tree), entry, out),
                    Child::Tree(subtree) => flatten(subtree, Some(tree), out),
                }
            }
        }
    }
}

fn push(tree: Option<&Tree>, entry: &Entry, out: &mut Vec<Resolved>) {
    if entry.deleted || entry.is_missing() || entry.name().is_none() {
        return;
    }
    if entry.is_self() {
        let Some(tree) = tree else { return };
        out.push(Resolved {
            config_path: tree.entry.config_path(),
            package: tree.entry.final_package(true),
            override_key: match tree.entry.target {
                Target::Group { .. } => Some(tree.entry.override_key()),
                Target::Config(_) => None,
            },
            is_self: true,
        });
    } else {
        out.push(Resolved {
            config_path: entry.config_path(),
            package: entry.final_package(true),
            override_key: match entry.target {
                Target::Group { .. } => Some(entry.override_key()),
                Target::Config(_) => None,
            },
            is_self: false,
        });
    }
}
