//! The one place where errors become Python exceptions.
//!
//! The exception classes live in `hyperparameter.errors` (pure Python, so the pure-Python
//! backend raises the very same classes); they subclass the builtins a user would catch
//! (`ConversionError` is a `TypeError` and a `ValueError`, `MissingKeyError` a `KeyError`).
//! They are looked up once, when the native module initialises ([`init`]).
//!
//! A core error's kind picks the class by an exhaustive match (a new kind does not compile
//! until it has a class); its message is the core's (the same text Rust and C callers see)
//! and its fields become the exception's attributes (`key`, `value`, `source`, `target`,
//! `file`, `line`, `column`, `reason`). Each Python class writes the same message from the
//! same fields with its one template, which is how the pure-Python backend raises them;
//! `tests/python/test_errors.py` checks that both backends agree.

use hyperparameter::{Error, ErrorFields, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyInt, PyString, PyType};

/// An exception class of `hyperparameter.errors`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExceptionClass {
    /// `HyperparameterError`, the base class.
    Base,
    /// `KeyFormatError`.
    KeyFormat,
    /// `MissingKeyError`.
    MissingKey,
    /// `ConversionError`.
    Conversion,
    /// `ScopeError`.
    Scope,
    /// `DefineError`.
    Define,
    /// `KeyCollisionError`.
    KeyCollision,
    /// `ConfigError`.
    Config,
}

/// Every class, in declaration order (the order [`CLASSES`] holds them in).
const ALL: [ExceptionClass; 8] = [
    ExceptionClass::Base,
    ExceptionClass::KeyFormat,
    ExceptionClass::MissingKey,
    ExceptionClass::Conversion,
    ExceptionClass::Scope,
    ExceptionClass::Define,
    ExceptionClass::KeyCollision,
    ExceptionClass::Config,
];

impl ExceptionClass {
    /// The class's name in `hyperparameter.errors`.
    fn name(self) -> &'static str {
        match self {
            ExceptionClass::Base => "HyperparameterError",
            ExceptionClass::KeyFormat => "KeyFormatError",
            ExceptionClass::MissingKey => "MissingKeyError",
            ExceptionClass::Conversion => "ConversionError",
            ExceptionClass::Scope => "ScopeError",
            ExceptionClass::Define => "DefineError",
            ExceptionClass::KeyCollision => "KeyCollisionError",
            ExceptionClass::Config => "ConfigError",
        }
    }

    /// The class that reports a core error of `kind`.
    fn of(kind: ErrorKind) -> ExceptionClass {
        match kind {
            ErrorKind::InvalidKey => ExceptionClass::KeyFormat,
            ErrorKind::Missing => ExceptionClass::MissingKey,
            ErrorKind::Conversion => ExceptionClass::Conversion,
            ErrorKind::HashCollision => ExceptionClass::KeyCollision,
            ErrorKind::Scope => ExceptionClass::Scope,
            ErrorKind::InvalidDefine => ExceptionClass::Define,
            ErrorKind::Parse | ErrorKind::Override | ErrorKind::Compose => ExceptionClass::Config,
            ErrorKind::Deserialize => ExceptionClass::Base,
        }
    }
}

/// The classes, looked up once, in the order of [`ALL`].
static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

fn load(py: Python<'_>) -> PyResult<Vec<Py<PyType>>> {
    let module = py.import("hyperparameter.errors")?;
    ALL.iter()
        .map(|class| {
            Ok(module
                .getattr(class.name())?
                .cast_into::<PyType>()?
                .unbind())
        })
        .collect()
}

/// Looks the exception classes up; called when the native module initialises, so that a
/// broken `hyperparameter.errors` fails the import instead of the first error.
pub fn init(py: Python<'_>) -> PyResult<()> {
    CLASSES.get_or_try_init(py, || load(py)).map(|_| ())
}

/// An instance of `class`: built from the keyword arguments `fields` with the class's
/// template when `message` is `None`, with `message` as is otherwise.
pub fn exception(
    py: Python<'_>,
    class: ExceptionClass,
    message: Option<&str>,
    fields: &[(&str, Bound<'_, PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let classes = CLASSES.get_or_try_init(py, || load(py))?;
        let kwargs = PyDict::new(py);
        for (name, value) in fields {
            kwargs.set_item(name, value)?;
        }
        let instance = classes[class as usize]
            .bind(py)
            .call((message,), Some(&kwargs))?;
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|err| {
        PyRuntimeError::new_err(format!(
            "{} (and hyperparameter.errors.{} could not be raised: {err})",
            message.unwrap_or("an error"),
            class.name()
        ))
    })
}

/// A core error as its Python exception.
fn core_exception(py: Python<'_>, err: &Error) -> PyErr {
    let class = ExceptionClass::of(err.kind());
    let ErrorFields {
        key,
        value,
        source,
        target,
        file,
        line,
        column,
        reason,
    } = err.fields();
    let mut fields: Vec<(&str, Bound<'_, PyAny>)> = Vec::with_capacity(8);
    let texts = [
        ("key", key),
        ("value", value),
        ("source", source),
        ("target", target),
        ("file", file),
        ("reason", reason),
    ];
    for (name, text) in texts {
        if let Some(text) = text {
            fields.push((name, PyString::new(py, text).into_any()));
        }
    }
    for (name, number) in [("line", line), ("column", column)] {
        if let Some(number) = number {
            fields.push((name, PyInt::new(py, number).into_any()));
        }
    }
    exception(py, class, Some(&err.to_string()), &fields)
}

/// A core error on its way to Python.
pub struct CoreError(pub Error);

impl From<Error> for CoreError {
    fn from(err: Error) -> CoreError {
        CoreError(err)
    }
}

impl From<CoreError> for PyErr {
    fn from(err: CoreError) -> PyErr {
        Python::attach(|py| core_exception(py, &err.0))
    }
}

/// Shorthand for a scope-rule violation.
pub fn scope_error(message: impl Into<String>) -> CoreError {
    CoreError(Error::Scope(message.into()))
}
