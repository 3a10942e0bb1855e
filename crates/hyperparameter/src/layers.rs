//! A run's parameters built from its layers, the one place a command line's precedence is
//! implemented (Python's `hp.launch` and the Rust clap integration both use it).
//!
//! The layers, lowest first:
//! 1. the **declared defaults** (the signature defaults of the parameters a program declares);
//! 2. the **config files**, merged in order (a later file wins, maps deeply, lists replaced);
//! 3. the **`key=value` items** (`-D` items and bare `key=value` words), in order, as text;
//! 4. the **options** of the program (`--epochs 5`), with their values already converted.
//!
//! All of them form one tree that is interpolated once, so a `${train.epochs}` in a file sees
//! `--epochs 5` and `-D train.epochs=5` alike, and a reference to a key no layer but the
//! defaults sets takes the declared default. Defaults and options are taken literally (no
//! `${...}` in them is resolved); file and item values are interpolated.
//!
//! The result, a [`Run`], holds the resolved values *without* the defaults (a program reads
//! its own defaults; the run only holds what some layer set), each with its source:
//! `--epochs`, `-D train.epochs=5`, `config.yaml:11:7`. It also keeps, for every key a layer
//! sets, the chain of values each layer gave it ([`Run::chain`]), and the keys no parameter
//! declares ([`Run::undeclared`]).
//!
//! Strict keys: a file or item key that no parameter declares but that is close to a
//! declared one (see [`close_key`]) is refused before anything runs
//! (`-D greet.nmae=Bob: unknown parameter 'greet.nmae' (did you mean 'greet.name'?)`); with
//! [`Layers::strict`] every undeclared key is. A key below a declared one
//! (`model.opts.depth` under a declared `model.opts`) counts as declared.
//!
//! ```
//! use hyperparameter::layers::Layers;
//!
//! let run = Layers::new()
//!     .default_value("train.epochs", 2)
//!     .define("run.name=e${train.epochs}")
//!     .option("train.epochs", 5, "--epochs")
//!     .build()?;
//! assert_eq!(run.config().get("run.name").unwrap().to_string(), "e5");
//! let chain: Vec<String> = run.chain("train.epochs").iter().map(|s| s.source.to_string()).collect();
//! assert_eq!(chain, ["default", "--epochs"]);
//! # Ok::<(), hyperparameter::Error>(())
//! ```

use std::path::PathBuf;

use indexmap::IndexMap;

use crate::config::{Config, Origin, RawConfig};
use crate::suggest::close_key;
use crate::{Error, Key, ParamScope, Result, Source, Value};

/// The layers of one run, gathered before they are combined by [`Layers::build`].
#[derive(Clone, Debug, Default)]
pub struct Layers {
    defaults: Vec<(String, Value)>,
    files: Vec<PathBuf>,
    items: Vec<String>,
    options: Vec<(String, Value, String)>,
    declared: Vec<String>,
    strict: bool,
}

/// One layer's value for a key, and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Shadowed {
    /// The value as the layer gave it (text with its `${...}` unresolved).
    pub value: Value,
    /// Where it came from.
    pub source: Source,
}

/// A run's values built from its layers (see the module documentation).
#[derive(Clone, Debug)]
pub struct Run {
    config: Config,
    chains: IndexMap<String, Vec<Shadowed>>,
    undeclared: Vec<String>,
}

impl Layers {
    /// No layers yet.
    pub fn new() -> Layers {
        Layers::default()
    }

    /// A parameter declared with `value` as its default (the lowest layer); its key counts
    /// as declared.
    pub fn default_value(mut self, key: &str, value: impl Into<Value>) -> Layers {
        self.declared.push(key.to_string());
        self.defaults.push((key.to_string(), value.into()));
        self
    }

    /// A parameter declared without a default known here.
    pub fn declare(mut self, key: &str) -> Layers {
        self.declared.push(key.to_string());
        self
    }

    /// A config file (format by extension), merged over the earlier ones.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Layers {
        self.files.push(path.into());
        self
    }

    /// A `key=value` item (`-D`, or a bare word), applied over the files and earlier items.
    pub fn define(mut self, item: &str) -> Layers {
        self.items.push(item.to_string());
        self
    }

    /// The value of a program option such as `--epochs` for `key` (the highest layer).
    pub fn option(mut self, key: &str, value: impl Into<Value>, option: &str) -> Layers {
        self.options
            .push((key.to_string(), value.into(), option.to_string()));
        self
    }

    /// With `true`, any file or item key no parameter declares is an error.
    pub fn strict(mut self, strict: bool) -> Layers {
        self.strict = strict;
        self
    }

    /// Combines the layers, reading `${env:...}` from the process environment.
    ///
    /// Errors, each naming its source: a file that does not load, a malformed item, a bad
    /// key, a reference that does not resolve, an unknown key (see the module
    /// documentation).
    pub fn build(&self) -> Result<Run> {
        self.build_with_env(|name| std::env::var(name).ok())
    }

    /// [`Layers::build`] reading `${env:NAME}` through `env`.
    pub fn build_with_env(&self, env: impl Fn(&str) -> Option<String>) -> Result<Run> {
        let mut raw = RawConfig::new();
        for (key, value) in &self.defaults {
            raw.set_literal(&Key::new(key)?, value.clone(), Origin::Default)?;
        }
        let mut chains: IndexMap<String, Vec<Shadowed>> = IndexMap::new();
        let mut push = |key: &str, value: Value, source: Source| {
            chains
                .entry(key.to_string())
                .or_default()
                .push(Shadowed { value, source });
        };
        let mut set: Vec<(String, Source)> = Vec::new();
        for path in &self.files {
            let file = RawConfig::read(path)?;
            for entry in file.entries() {
                set.push((entry.key.to_string(), entry.source.clone()));
                push(entry.key.as_str(), entry.value, entry.source);
            }
            raw.merge(file);
        }
        for item in &self.items {
            raw.apply_overrides(&[item])?;
            let (key, value) = crate::parse_define(item)?;
            let source = Source::Define {
                item: item.as_str().into(),
            };
            set.push((key.as_str().to_string(), source.clone()));
            push(key.as_str(), Value::from(value), source);
        }
        let undeclared = self.check_keys(&set)?;
        for (key, value, option) in &self.options {
            let origin = Origin::Option {
                option: option.as_str().into(),
            };
            raw.set_literal(&Key::new(key)?, value.clone(), origin)?;
            let source = Source::CliOption {
                option: option.as_str().into(),
            };
            push(key, value.clone(), source);
        }
        // A key declared twice takes its last default, as the tree does.
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in self.defaults.iter().rev() {
            if seen.contains(&key.as_str()) {
                continue;
            }
            seen.push(key);
            if let Some(chain) = chains.get_mut(key) {
                chain.insert(
                    0,
                    Shadowed {
                        value: value.clone(),
                        source: Source::Default,
                    },
                );
            }
        }
        let config = raw.resolve_with_env(env)?.without_defaults();
        Ok(Run {
            config,
            chains,
            undeclared,
        })
    }

    /// The undeclared keys among those the files and items set (each once, in order), or
    /// the error for the first that is refused.
    fn check_keys(&self, set: &[(String, Source)]) -> Result<Vec<String>> {
        let mut undeclared: Vec<String> = Vec::new();
        for (key, source) in set {
            if self.is_declared(key) || undeclared.contains(key) {
                continue;
            }
            let close = close_key(key, self.declared.iter().map(String::as_str));
            if self.strict || close.is_some() {
                let hint = close.map_or(String::new(), |c| format!(" (did you mean '{c}'?)"));
                return Err(Error::Parse {
                    file: source.to_string(),
                    line: 0,
                    col: 0,
                    msg: format!("unknown parameter '{key}'{hint}"),
                });
            }
            undeclared.push(key.clone());
        }
        Ok(undeclared)
    }

    /// Whether `key` is declared, lies below a declared key, or holds declared keys.
    fn is_declared(&self, key: &str) -> bool {
        let below = |outer: &str, inner: &str| {
            inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('.'))
        };
        self.declared
            .iter()
            .any(|d| d == key || below(d, key) || below(key, d))
    }
}

impl Run {
    /// The resolved values some layer above the defaults set, each knowing its source.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The resolved values (see [`Run::config`]).
    pub fn into_config(self) -> Config {
        self.config
    }

    /// A scope holding the resolved values flattened to dotted keys, with their sources.
    pub fn to_scope(&self) -> Result<ParamScope> {
        self.config.to_scope()
    }

    /// What each layer set `key` to, lowest (outermost) first: the declared default, each
    /// file, each item, the option; the last one won. Empty for a key no layer but the
    /// defaults sets.
    pub fn chain(&self, key: &str) -> &[Shadowed] {
        self.chains.get(key).map_or(&[], Vec::as_slice)
    }

    /// Every key a layer above the defaults sets, in the order first set.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.chains.keys().map(String::as_str)
    }

    /// The keys set by files and items that no parameter declares (allowed, since a
    /// program may read them dynamically), each once.
    pub fn undeclared(&self) -> &[String] {
        &self.undeclared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hp-layers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn get(run: &Run, key: &str) -> String {
        run.config().get(key).unwrap().to_string()
    }

    #[test]
    fn options_and_items_interpolate_alike() {
        let file = temp_file("run.yaml", "run:\n  name: \"e${train.epochs}\"\n");
        let base = Layers::new().default_value("train.epochs", 2).file(&file);
        let by_option = base.clone().option("train.epochs", 5, "--epochs").build();
        assert_eq!(get(&by_option.unwrap(), "run.name"), "e5");
        let by_item = base.clone().define("train.epochs=5").build().unwrap();
        assert_eq!(get(&by_item, "run.name"), "e5");
        let by_default = base.build().unwrap();
        assert_eq!(get(&by_default, "run.name"), "e2");
        // The default itself is not part of the run.
        assert!(!by_default.config().contains_key("train.epochs"));
    }

    #[test]
    fn every_value_has_its_source_and_chain() {
        let file = temp_file("chain.toml", "[model]\ndim = 16\n");
        let run = Layers::new()
            .default_value("model.dim", 8)
            .file(&file)
            .define("model.dim=32")
            .option("model.dim", 64, "--dim")
            .build()
            .unwrap();
        let scope = run.to_scope().unwrap();
        let entry = scope
            .iter()
            .find(|e| e.key.as_str() == "model.dim")
            .unwrap();
        assert_eq!(entry.value, Value::Int(64));
        assert_eq!(entry.source.to_string(), "--dim");
        let chain: Vec<String> = run
            .chain("model.dim")
            .iter()
            .map(|s| format!("{} {}", s.value, s.source))
            .collect();
        let path = file.display();
        assert_eq!(
            chain,
            [
                "8 default".to_string(),
                format!("16 {path}:2:7"),
                "32 -D model.dim=32".to_string(),
                "64 --dim".to_string(),
            ]
        );
        let run = Layers::new().define("model.dim=3").build().unwrap();
        let scope = run.to_scope().unwrap();
        let entry = scope.iter().next().unwrap();
        assert_eq!(entry.source.to_string(), "-D model.dim=3");
    }

    #[test]
    fn references_see_declared_defaults() {
        let run = Layers::new()
            .default_value("model.dim", 32)
            .define("model.width=${model.dim}")
            .build()
            .unwrap();
        assert_eq!(run.config().get("model.width"), Some(Value::Int(32)));
        // A default's text is taken literally.
        let run = Layers::new()
            .default_value("a", "${nope}")
            .define("b=x")
            .build()
            .unwrap();
        assert!(!run.config().contains_key("a"));
    }

    #[test]
    fn close_undeclared_keys_are_refused_with_their_source() {
        let layers = Layers::new().default_value("greet.name", "World");
        let err = layers.clone().define("greet.nmae=Bob").build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "-D greet.nmae=Bob: unknown parameter 'greet.nmae' (did you mean 'greet.name'?)"
        );
        let file = temp_file("typo.yaml", "greet:\n  nmae: Bob\n");
        let err = layers.clone().file(&file).build().unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}:2:9: unknown parameter 'greet.nmae' (did you mean 'greet.name'?)",
                file.display()
            )
        );
        let run = layers.clone().define("run.tag=x").build().unwrap();
        assert_eq!(run.undeclared(), ["run.tag"]);
        let err = layers.clone().strict(true).define("run.tag=x").build();
        assert_eq!(
            err.unwrap_err().to_string(),
            "-D run.tag=x: unknown parameter 'run.tag'"
        );
        // Keys below a declared one are declared.
        let run = Layers::new()
            .declare("model.opts")
            .define("model.opts.depth=3");
        assert!(run.strict(true).build().unwrap().undeclared().is_empty());
    }

    #[test]
    fn errors_name_their_source() {
        let err = Layers::new().define("a=${nope}").build().unwrap_err();
        assert!(err.to_string().starts_with("-D a=${nope}:"), "{err}");
        let err = Layers::new()
            .file("/nonexistent/hp.toml")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/hp.toml"), "{err}");
        let err = Layers::new().define("novalue").build().unwrap_err();
        assert!(matches!(err, Error::InvalidDefine { .. }), "{err}");
    }
}
