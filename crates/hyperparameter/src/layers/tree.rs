//! The composed config tree of a run and its override words (Hydra's grammar).
//!
//! With [`Layers::compose`] the tree of a config directory is composed first and becomes
//! the lowest config-file layer: the words that choose group options (`model=vit`,
//! `+experiment=x`, `~logger`) act on its defaults list, and Hydra's run values are put
//! under `hydra.` (`hydra.runtime.cwd`, `hydra.runtime.output_dir`, `hydra.job.name`,
//! `hydra.job.num`) unless the tree sets them. The words that set values (`lr=0.1`,
//! `+seed=1`, `++a=b`, `~key`) are applied later, in the item layer after the `-D` items,
//! so they win over config files given with `-C` and over the environment layer.

use std::path::PathBuf;
use std::sync::Arc;

use super::Layers;
use crate::compose::{compose_parts, GroupChoice, Override};
use crate::config::resolvers::run_value;
use crate::config::{Origin, RawConfig};
use crate::{Error, Key, Result, Value};

/// A composed tree, its value words not yet applied, and the options it chose.
pub(super) struct ComposedTree {
    /// The merged configs, with Hydra's run values (taken out when merged into the run).
    pub raw: RawConfig,
    /// The words that set values, in order.
    pub value_words: Vec<Override>,
    /// The option each group chose.
    pub groups: Vec<GroupChoice>,
}

impl Layers {
    /// Composes the primary config `name` of the config directory `dir` (see
    /// [`compose`](crate::compose)) as the lowest config-file layer; the override words
    /// choose its group options.
    pub fn compose(mut self, dir: impl Into<PathBuf>, name: &str) -> Layers {
        self.composition = Some((dir.into(), name.to_string()));
        self
    }

    /// An override word in Hydra's grammar (`lr=0.1`, `+seed=1`, `++a=[1,2]`, `~key`,
    /// `model=vit`), with its value typed as Hydra types it. A `key=value` word changes a
    /// key some lower layer (a declared default included) sets, and is an error for any
    /// other key (`+key=value` adds one).
    pub fn word(mut self, word: &str) -> Layers {
        self.words.push(word.to_string());
        self
    }

    /// The override words, parsed (an error names the word and the column).
    pub(super) fn parsed_words(&self) -> Result<Vec<Override>> {
        self.words
            .iter()
            .map(|word| Override::parse(word))
            .collect()
    }

    /// The composed tree, when there is a composition.
    pub(super) fn composed_tree(&self, words: &[Override]) -> Result<Option<ComposedTree>> {
        let Some((dir, name)) = &self.composition else {
            return Ok(None);
        };
        let composed = compose_parts(dir, name, words)?;
        let mut raw = RawConfig::from_root(composed.root);
        set_run_values(&mut raw)?;
        Ok(Some(ComposedTree {
            raw,
            value_words: composed.value_overrides,
            groups: composed.groups,
        }))
    }
}

/// Hydra's run values under `hydra.`, as Hydra fills its own node when a program runs,
/// for each the tree does not set: the working directory, the output directory (the run
/// directory when one was set, else the working directory: it never changes here), the
/// job's name and number.
fn set_run_values(raw: &mut RawConfig) -> Result<()> {
    let cwd = run_value("runtime.cwd").unwrap_or_default();
    let values = [
        ("runtime.cwd", Some(Value::from(cwd.as_str()))),
        (
            "runtime.output_dir",
            Some(Value::from(
                run_value("runtime.output_dir").unwrap_or(cwd.clone()),
            )),
        ),
        ("job.name", run_value("job.name").map(Value::from)),
        (
            "job.num",
            Some(run_value("job.num").map_or(Value::Int(0), Value::from)),
        ),
    ];
    let origin = Origin::file(&Arc::from("<run>"), 0, 0);
    let present: Vec<String> = raw
        .entries()
        .into_iter()
        .map(|e| e.key.to_string())
        .collect();
    for (key, value) in values {
        let key = format!("hydra.{key}");
        if let Some(value) = value.filter(|_| !present.contains(&key)) {
            raw.set_literal(&Key::new(&key)?, value, origin.clone())?;
        }
    }
    Ok(())
}

/// Applies a value word to the tree; its error names the word.
pub(super) fn apply_word(raw: &mut RawConfig, word: &Override) -> Result<()> {
    let text = word.text.as_str();
    let error = |msg: String| Error::Parse {
        file: text.to_string(),
        line: 0,
        col: 0,
        msg: msg
            .strip_prefix(&format!("`{text}`: "))
            .map_or(msg.clone(), str::to_string),
    };
    crate::compose::apply_override(raw, word, &error)
}

#[cfg(test)]
mod tests {
    use crate::layers::Layers;
    use crate::Value;

    fn basic() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/compose/basic")
    }

    #[test]
    fn the_composed_tree_is_the_lowest_file_layer_and_words_apply_last() {
        let run = Layers::new()
            .default_value("db.port", 1)
            .compose(basic(), "config")
            .word("db=postgres")
            .word("db.port=7")
            .word("+seed=[1,2]")
            .word("~db.timeout")
            .define("db.port=6")
            .build()
            .unwrap();
        let config = run.config();
        assert_eq!(config.get("db.driver"), Some(Value::from("postgres")));
        assert_eq!(config.get("db.port"), Some(Value::Int(7)));
        assert_eq!(
            config.origin("db.user").unwrap().to_string(),
            "db/postgres.yaml:2:7"
        );
        assert_eq!(
            config.origin("db.port").unwrap().to_string(),
            "-D db.port=7"
        );
        assert!(!config.contains_key("db.timeout"));
        assert_eq!(
            config.get("seed"),
            Some(Value::List(vec![Value::Int(1), Value::Int(2)].into()))
        );
        let chain: Vec<String> = run
            .chain("db.port")
            .iter()
            .map(|s| s.source.to_string())
            .collect();
        assert_eq!(
            chain,
            [
                "default",
                "db/postgres.yaml:3:7",
                "-D db.port=6",
                "-D db.port=7"
            ]
        );
        let groups: Vec<String> = run
            .groups()
            .iter()
            .map(|g| format!("{}: {} ({})", g.group, g.option, g.file))
            .collect();
        assert_eq!(groups[0], "db: postgres (db/postgres.yaml)");
        assert!(config.contains_key("hydra.runtime.cwd"));
        // A key of the tree is no undeclared key; one a word adds is.
        assert_eq!(run.undeclared(), ["seed"]);
    }

    #[test]
    fn words_errors_name_the_word() {
        let err = Layers::new()
            .compose(basic(), "config")
            .word("db.nope=1")
            .build()
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("db.nope=1: cannot change `db.nope`"),
            "{err}"
        );
        let err = Layers::new()
            .compose(basic(), "config")
            .word("db=oracle")
            .build();
        let err = err.unwrap_err().to_string();
        assert!(err.contains("available options: mysql, postgres"), "{err}");
        let err = Layers::new().word("a=[1").build().unwrap_err().to_string();
        assert!(
            err.starts_with("invalid override \"a=[1\" at column"),
            "{err}"
        );
        // Without a composition, a word changes a key a lower layer sets.
        let run = Layers::new()
            .default_value("a.b", 1)
            .word("a.b=2")
            .word("+c=x")
            .build();
        assert_eq!(run.unwrap().config().get("a.b"), Some(Value::Int(2)));
    }
}
