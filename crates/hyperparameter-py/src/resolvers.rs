//! Python functions as interpolation resolvers: `register_resolver("add", fn)` makes
//! `${add:1,2}` in a configuration call `fn(1, 2)` when the configuration is loaded.
//!
//! The resolvers live in the core (`hyperparameter::config::resolvers`), so a file loaded by
//! Rust code in the same process sees them too; this module wraps a Python callable as one.

use hyperparameter::config::resolvers;
use hyperparameter::Value;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::config::nested_value;
use crate::errors::CoreError;
use crate::values::from_value;

/// Registers `function` as the resolver `name`; `replace` allows replacing an earlier one.
#[pyfunction]
#[pyo3(signature = (name, function, replace = false))]
pub fn register_resolver(name: &str, function: Bound<'_, PyAny>, replace: bool) -> PyResult<()> {
    if !function.is_callable() {
        return Err(PyTypeError::new_err(format!(
            "a resolver must be callable, got {}",
            function.get_type().name()?
        )));
    }
    let function: Py<PyAny> = function.unbind();
    let label = name.to_string();
    let call = move |args: &[Value]| -> Result<Value, String> {
        Python::attach(|py| {
            let described = |err: PyErr| {
                let kind = err
                    .get_type(py)
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| "Exception".into());
                format!("{kind}: {}", err.value(py))
            };
            let args = args
                .iter()
                .map(|arg| from_value(py, arg))
                .collect::<PyResult<Vec<_>>>()
                .map_err(described)?;
            let args = PyTuple::new(py, args).map_err(described)?;
            let result = function.bind(py).call1(args).map_err(described)?;
            nested_value(&result, &label, 0).map_err(described)
        })
    };
    resolvers::register_resolver(name, call, replace).map_err(|err| CoreError(err).into())
}

/// Removes the resolver `name`; whether there was one.
#[pyfunction]
pub fn clear_resolver(name: &str) -> bool {
    resolvers::remove_resolver(name)
}

/// Sets (`None`: clears) a run's value that `${hydra:KEY}` reads (`runtime.output_dir`,
/// `job.name`).
#[pyfunction]
#[pyo3(signature = (key, value))]
pub fn set_run_info(key: &str, value: Option<&str>) {
    resolvers::set_run_info(key, value);
}

/// Adds the resolver functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(register_resolver, m)?)?;
    m.add_function(wrap_pyfunction!(clear_resolver, m)?)?;
    m.add_function(wrap_pyfunction!(set_run_info, m)?)?;
    Ok(())
}
