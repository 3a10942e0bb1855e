//! Composition for Python: `hp.compose(...)` composes a Hydra-style config tree in the Rust
//! core (`hyperparameter::compose`), so Python and Rust programs compose a tree to the same
//! values with the same errors.
//!
//! [`compose`] returns the same [`ConfigTree`] as `hp.config(...)` does: the composed values
//! and, for each, the file, line and column it was written at (or the override that set
//! it), which the Python `Config` (`python/hyperparameter/config.py`) wraps.

use std::path::PathBuf;

use hyperparameter::config::Config;
use pyo3::prelude::*;

use crate::config::ConfigTree;
use crate::errors::CoreError;

/// Composes the primary config `config_name` (with or without extension) of the directory
/// `config_dir`: its defaults list, then the Hydra-style `overrides` (`db=postgres`,
/// `+seed=1`, `~db.pass`), then `${...}` resolved with the process environment, unless
/// `resolve` is false (references are then kept as written).
///
/// Errors: `ConfigError` for an override that does not parse (`value` is the override,
/// `column` where it breaks), a tree that cannot be composed (`file` is the primary config;
/// the message names the file and line of the entry concerned, the options available or a
/// close key), a file that does not parse or a reference that does not resolve.
#[pyfunction]
#[pyo3(signature = (config_dir, config_name, overrides = Vec::new(), resolve = true))]
pub fn compose(
    py: Python<'_>,
    config_dir: PathBuf,
    config_name: &str,
    overrides: Vec<String>,
    resolve: bool,
) -> PyResult<ConfigTree> {
    // Reading, composing and resolving touch no Python object: let other threads run.
    let config = py.detach(move || -> hyperparameter::Result<Config> {
        let raw = hyperparameter::compose::compose_raw(&config_dir, config_name, &overrides)?;
        if resolve {
            raw.resolve()
        } else {
            Ok(raw.unresolved())
        }
    });
    Ok(ConfigTree::new(config.map_err(CoreError)?))
}

/// Adds composition to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(compose, m)?)?;
    Ok(())
}
