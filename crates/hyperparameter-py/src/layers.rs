//! A run's layers for `hp.launch`: the core's one layering ([`hyperparameter::layers`]) with
//! Python values.
//!
//! [`layer_run`] takes the declared defaults, the config files, the `key=value` items and the
//! options as Python gives them and returns a [`LayeredRun`]: the resolved values as a
//! [`ConfigTree`] (what `hp.launch` enters with `hp.scope(...)`, so either scope backend
//! records each value's source), the chain of values each layer gave a key (for `-ep`),
//! and the keys no parameter declares. The layering is plain data in and out, so the same
//! function serves the native and the pure-Python scope backends.

use std::path::PathBuf;

use hyperparameter::layers::{Layers, Run};
use pyo3::prelude::*;

use crate::config::ConfigTree;
use crate::errors::CoreError;
use crate::values::{from_value, to_value};

/// A run's values built from its layers, with the chains they shadow.
#[pyclass(frozen, module = "hyperparameter._native", name = "LayeredRun")]
pub struct LayeredRun {
    run: Run,
}

#[pymethods]
impl LayeredRun {
    /// The resolved values some layer above the defaults set, with their sources.
    fn tree(&self) -> ConfigTree {
        ConfigTree::new(self.run.config().clone())
    }

    /// What each layer set `key` to, lowest first: `[(value, source), ...]` (values as the
    /// layer gave them); empty for a key no layer above the defaults sets.
    fn chain<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Vec<(Bound<'py, PyAny>, String)>> {
        self.run
            .chain(key)
            .iter()
            .map(|shadowed| {
                Ok((
                    from_value(py, &shadowed.value)?,
                    shadowed.source.to_string(),
                ))
            })
            .collect()
    }

    /// Every key a layer above the defaults sets, in the order first set.
    fn keys(&self) -> Vec<String> {
        self.run.keys().map(str::to_string).collect()
    }

    /// The keys files and items set that no parameter declares.
    fn undeclared(&self) -> Vec<String> {
        self.run.undeclared().to_vec()
    }
}

/// Builds a run from its layers (lowest first): `defaults` (`(key, value)` of the declared
/// parameters), `declared` (further declared keys), the config `files`, the `key=value`
/// `items`, the `options` (`(key, value, option)`, e.g. `("train.epochs", 5, "--epochs")`).
/// With `strict`, every undeclared file or item key is refused.
///
/// Raises `ConfigError` naming the file position, item or option of a problem (a
/// refused key included), `DefineError` for a malformed item.
#[pyfunction]
#[pyo3(signature = (defaults, declared, files, items, options, strict = false))]
pub fn layer_run(
    py: Python<'_>,
    defaults: Vec<(String, Bound<'_, PyAny>)>,
    declared: Vec<String>,
    files: Vec<PathBuf>,
    items: Vec<String>,
    options: Vec<(String, Bound<'_, PyAny>, String)>,
    strict: bool,
) -> PyResult<LayeredRun> {
    let mut layers = Layers::new().strict(strict);
    for (key, value) in &defaults {
        layers = layers.default_value(key, to_value(value));
    }
    for key in &declared {
        layers = layers.declare(key);
    }
    for path in files {
        layers = layers.file(path);
    }
    for item in &items {
        layers = layers.define(item);
    }
    for (key, value, option) in &options {
        layers = layers.option(key, to_value(value), option);
    }
    // Reading and resolving touch no Python object: let other threads run.
    let run = py.detach(move || layers.build()).map_err(CoreError)?;
    Ok(LayeredRun { run })
}

/// Adds the layering to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LayeredRun>()?;
    m.add_function(wrap_pyfunction!(layer_run, m)?)?;
    Ok(())
}
