//! The one place where core errors become Python exceptions.
//!
//! The exception classes live in `hyperparameter.errors` (pure Python, so the pure-Python
//! backend raises the very same classes); they subclass the builtins a user would catch
//! (`ConversionError` is a `TypeError` and a `ValueError`, `MissingKeyError` a `KeyError`).

use hyperparameter::Error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyType;

/// A core error on its way to Python.
pub struct CoreError(pub Error);

impl From<Error> for CoreError {
    fn from(err: Error) -> CoreError {
        CoreError(err)
    }
}

impl From<CoreError> for PyErr {
    fn from(err: CoreError) -> PyErr {
        let class = match &err.0 {
            Error::InvalidKey { .. } => "KeyFormatError",
            Error::Missing { .. } => "MissingKeyError",
            Error::Conversion { .. } => "ConversionError",
            Error::HashCollision { .. } => "KeyCollisionError",
            Error::Scope(_) => "ScopeError",
            Error::InvalidDefine { .. } => "DefineError",
            Error::Parse { .. } => "ConfigError",
            _ => "HyperparameterError",
        };
        let message = err.0.to_string();
        Python::attach(|py| py_error(py, class, message))
    }
}

/// An instance of `hyperparameter.errors.<class>` with `message`.
pub fn py_error(py: Python<'_>, class: &str, message: String) -> PyErr {
    match error_class(py, class) {
        Ok(class) => PyErr::from_type(class, message),
        Err(err) => PyRuntimeError::new_err(format!(
            "{message} (and hyperparameter.errors.{class} could not be loaded: {err})"
        )),
    }
}

fn error_class<'py>(py: Python<'py>, class: &str) -> PyResult<Bound<'py, PyType>> {
    let module = py.import("hyperparameter.errors")?;
    Ok(module.getattr(class)?.cast_into::<PyType>()?)
}

/// Shorthand for a scope-rule violation.
pub fn scope_error(message: impl Into<String>) -> CoreError {
    CoreError(Error::Scope(message.into()))
}
