//! The environment layer of a run: variables named with a prefix (`APP_TRAIN__LR=0.1`)
//! set keys (`train.lr`), between the config files and the `-D` items.
//!
//! After the prefix, `__` separates the segments of the key. The name is matched against
//! the declared keys and those the config files set regardless of case (so `APP_TRAIN__LR`
//! sets a declared `train.lr`, and `APP_MODEL__NUM_LAYERS` a declared `model.num_layers`);
//! a name matching none is taken in lower case and follows the rule for undeclared keys.
//! The value is text, taken literally (no `${...}` in it is resolved), and converted when
//! read as any command-line text is; its source is the variable's name.

use super::Layers;
use crate::{Error, Key, Result};

impl Layers {
    /// The environment layer: the variables of `vars` whose name starts with `prefix`
    /// (compared regardless of case), as keys (see the module documentation).
    pub fn env(mut self, prefix: &str, vars: impl IntoIterator<Item = (String, String)>) -> Layers {
        self.env = Some((prefix.to_string(), vars.into_iter().collect()));
        self
    }

    /// [`Layers::env`] with the process environment (variables that are not Unicode are
    /// skipped).
    pub fn env_prefix(self, prefix: &str) -> Layers {
        let vars = std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        });
        self.env(prefix, vars)
    }

    /// The environment layer's `(key, value, variable)` entries, in the order given;
    /// `seen` are the keys lower layers set, matched like the declared ones.
    pub(super) fn env_entries(&self, seen: &[String]) -> Result<Vec<(Key, String, String)>> {
        let Some((prefix, vars)) = &self.env else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (name, value) in vars {
            let Some(rest) = strip_prefix_ignoring_case(name, prefix) else {
                continue;
            };
            let refuse = |reason: &str| Error::Parse {
                file: format!("environment variable {name}"),
                line: 0,
                col: 0,
                msg: format!("cannot name a key: {reason}"),
            };
            if rest.is_empty() {
                continue; // the prefix alone names nothing
            }
            if rest.split("__").any(str::is_empty) {
                return Err(refuse(
                    "empty segment (write `__` between the parts of a key)",
                ));
            }
            let dotted = rest.split("__").collect::<Vec<_>>().join(".");
            let key = self
                .declared
                .iter()
                .chain(seen)
                .find(|known| known.eq_ignore_ascii_case(&dotted))
                .cloned()
                .unwrap_or_else(|| dotted.to_lowercase());
            let key = Key::new(&key).map_err(|err| refuse(&err.to_string()))?;
            out.push((key, value.clone(), name.clone()));
        }
        Ok(out)
    }
}

/// `name` after `prefix`, when it starts with it regardless of ASCII case.
fn strip_prefix_ignoring_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &name[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use crate::layers::Layers;
    use crate::Value;

    fn basic() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/compose/basic")
    }

    #[test]
    fn the_environment_layer_sits_between_files_and_items() {
        let vars = [
            ("APP_DB__PORT".to_string(), "9".to_string()),
            ("app_db__user".to_string(), "env".to_string()),
            ("OTHER_X".to_string(), "1".to_string()),
        ];
        let run = Layers::new()
            .declare("db.port")
            .compose(basic(), "config")
            .env("APP_", vars.clone())
            .build()
            .unwrap();
        assert_eq!(run.config().get("db.port").unwrap().to_string(), "9");
        assert_eq!(
            run.config().origin("db.port").unwrap().to_string(),
            "environment variable APP_DB__PORT"
        );
        assert_eq!(run.config().get("db.user"), Some(Value::from("env")));
        let run = Layers::new()
            .compose(basic(), "config")
            .env("APP_", vars)
            .define("db.port=3")
            .build()
            .unwrap();
        assert_eq!(run.config().get("db.port").unwrap().to_string(), "3");
        let bad = [("APP_A____B".to_string(), "1".to_string())];
        let err = Layers::new()
            .env("APP_", bad)
            .build()
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("environment variable APP_A____B: cannot name a key"),
            "{err}"
        );
    }
}
