//! Accessors: `hp.scope.a.b` is an immutable object naming the key `a.b` of a scope.
//!
//! An accessor is not a value: `| default`, `(default)` and `()` read it. Each accessor
//! keeps its key's hash, computed once, and a small cache of its children, so the chain
//! `hp.scope.model.layers._0.size` costs four dictionary lookups and no hashing or string
//! building after the first time.

use hyperparameter::{Error, Key};
use pyo3::exceptions::{PyAttributeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::errors::CoreError;
use crate::scope::{generic_getattr, Scope, CHILD_CACHE_LIMIT};
use crate::values::{target_of_default, ReadTarget};

/// `hp.scope.<key>`: a key of a scope, read with `|`, `(default)` or `()`.
#[pyclass(frozen, subclass, module = "hyperparameter._native", name = "Accessor")]
pub struct Accessor {
    owner: Py<Scope>,
    key: Key,
    children: Py<PyDict>,
}

impl Accessor {
    /// The accessor for `key` of `owner`.
    pub fn new(py: Python<'_>, owner: Py<Scope>, key: Key) -> Accessor {
        Accessor {
            owner,
            key,
            children: PyDict::new(py).unbind(),
        }
    }

    /// The scope the key is read from.
    pub fn owner(&self) -> &Scope {
        self.owner.get()
    }

    /// The key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// The child cache, for the C-level attribute slot (see `crate::fast`).
    pub fn children_ptr(&self) -> *mut pyo3::ffi::PyObject {
        self.children.as_ptr()
    }

    fn child(&self, py: Python<'_>, segment: &str) -> PyResult<Accessor> {
        let key = Key::new(&format!("{}.{segment}", self.key)).map_err(CoreError)?;
        Ok(Accessor::new(py, self.owner.clone_ref(py), key))
    }
}

/// `()` or `(default)` on an accessor or `ps.get(key[, default])`.
pub fn read_with_args(
    scope: &Scope,
    py: Python<'_>,
    key: &Key,
    args: &Bound<'_, PyTuple>,
) -> PyResult<Py<PyAny>> {
    match args.len() {
        0 => match scope.read(py, key, &ReadTarget::Raw)? {
            Some(value) => Ok(value),
            None => Err(CoreError(Error::Missing {
                key: key.to_string(),
            })
            .into()),
        },
        1 => {
            let default = args.get_item(0)?;
            read_or(scope, py, key, &default)
        }
        n => Err(PyTypeError::new_err(format!(
            "a read takes at most one default, got {n} arguments"
        ))),
    }
}

/// `accessor | default` (also the C-level slot of `crate::fast`).
pub fn read_or(
    scope: &Scope,
    py: Python<'_>,
    key: &Key,
    default: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let target = target_of_default(default);
    Ok(match scope.read(py, key, &target)? {
        Some(value) => value,
        None => {
            crate::report::note_default(key, default);
            default.clone().unbind()
        }
    })
}

#[pymethods]
impl Accessor {
    /// The accessor for `key` of `scope` (what `scope[key]` returns).
    #[new]
    fn py_new(py: Python<'_>, scope: Py<Scope>, key: &str) -> PyResult<Accessor> {
        Ok(Accessor::new(py, scope, Key::new(key).map_err(CoreError)?))
    }

    fn __getattribute__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let children = this.children.bind(py);
        if let Some(child) = children.get_item(name)? {
            return Ok(child);
        }
        let text = crate::values::key_utf8(name)?;
        if text.starts_with("__") && text.ends_with("__") {
            return generic_getattr(slf.as_any(), name);
        }
        let key = Key::new(&format!("{}.{text}", this.key)).map_err(CoreError)?;
        let child = crate::accessor_slots::new_accessor(py, this.owner.bind(py).as_any(), &key)?;
        if children.len() < CHILD_CACHE_LIMIT {
            children.set_item(name, &child)?;
        }
        Ok(child)
    }

    fn __setattr__(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let name = crate::values::key_utf8(name)?;
        if name.starts_with("__") && name.ends_with("__") {
            return Err(PyAttributeError::new_err(format!(
                "accessors are immutable; `{name}` cannot be set"
            )));
        }
        let key = format!("{}.{name}", self.key);
        self.owner.get().write(py, &key, value)
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Accessor> {
        self.child(py, crate::values::key_text(key)?)
    }

    fn __setitem__(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let key = format!("{}.{}", self.key, crate::values::key_text(key)?);
        self.owner.get().write(py, &key, value)
    }

    /// `accessor | default`: the value converted to the default's type, or the default.
    fn __or__(&self, py: Python<'_>, default: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        read_or(self.owner.get(), py, &self.key, default)
    }

    /// `accessor()`: the value, `KeyError` when missing; `accessor(default)`: like `|`.
    #[pyo3(signature = (*args))]
    fn __call__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        read_with_args(self.owner.get(), py, &self.key, args)
    }

    /// False when the key is missing, else the truth of the value.
    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        match self.owner.get().read(py, &self.key, &ReadTarget::Raw)? {
            Some(value) => value.bind(py).is_truthy(),
            None => Ok(false),
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(match self.owner.get().peek(py, &self.key)? {
            Some(value) => format!("<hp.scope.{} = {}>", self.key, value.bind(py).repr()?),
            None => format!("<hp.scope.{} (missing)>", self.key),
        })
    }
}
