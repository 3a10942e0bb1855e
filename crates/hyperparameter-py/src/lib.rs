//! Python bindings of `hyperparameter`: the private module `hyperparameter._native`.
//!
//! The Python package (`python/hyperparameter/`) arranges; this module computes. A Python
//! scope *is* a scope of the Rust core: `hp.scope(...)` builds a scope object holding its
//! overrides as core entries, `with` enters it on the thread's cursor in O(its overrides),
//! and reads (`hp.scope.a.b | d`) are one hash lookup in the cursor's flat view with the
//! key hash each accessor computed once. Rust and C++ code called from Python therefore
//! read exactly what Python set.
//!
//! * [`scope`]: `hp.scope` and scope objects (reads, writes, enter/exit, inspection).
//! * [`accessor`]: the immutable `hp.scope.a.b` objects.
//! * [`context`]: keeping the thread's cursor in step with `contextvars`, so that asyncio
//!   tasks are isolated (its module docs explain the design). Native code reads the
//!   cursor as Python left it: `_native.native_read` shows the one truth from Python's side.
//! * [`values`]: Python objects ↔ core values and the typed reads.
//! * [`site`]: the file and line of the Python code that set a value (its source).
//! * [`symbols`]: interpreter functions outside the limited API, looked up at run time.
//! * [`param`]: the call path of `@hp.param`.
//! * [`fast`]: C-level slots (attribute lookup, `|`, calling `hp.scope`) on subtypes of the
//!   PyO3 classes, so the hot paths skip PyO3's generic method machinery;
//!   [`accessor_slots`]: the accessors' slots.
//! * [`config`], [`compose`]: configuration files and Hydra-style config trees, loaded by
//!   the core into a tree that keeps where each value was written; [`layers`]: a run's
//!   layers for `hp.launch`.
//! * [`sweep`]: sweep values (`interval(0, 1)`, `a,b,c`) described for the tuner.
//! * [`errors`]: the one mapping of core errors to Python exceptions.
//!
//! The module also exports the C ABI of `hyperparameter-capi` (`hp_*`), so C++ extensions
//! linked against it share this process's store; its before-access hook is
//! [`context::sync_native_caller`].

pub mod accessor;
pub mod accessor_slots;
pub mod compose;
pub mod config;
pub mod context;
pub mod errors;
pub mod fast;
pub mod inherit;
pub mod layers;
pub mod param;
pub mod report;
pub mod resolvers;
pub mod scope;
pub mod site;
pub mod structured;
pub mod sweep;
pub mod symbols;
pub mod values;

// Linked for its `#[no_mangle]` exports: naming the crate makes the linker keep them, so this
// module exports the whole C ABI (`hp_*`) and is the one store of a Python process.
// A C++ extension links against this file (`hyperparameter.lib`) instead of a second copy.
extern crate hyperparameter_capi;

use hyperparameter::{Key, ParamScope};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::context::{publish, with_synced};
use crate::errors::CoreError;
use crate::values::{from_value, to_value};

/// The key hash every language uses: `xxh64(utf8(key), seed=42)`.
#[pyfunction]
fn key_hash(key: &str) -> u64 {
    hyperparameter::key_hash(key)
}

/// Raises `KeyFormatError` when `key` breaks the key rules (a lone surrogate included), and
/// `TypeError` when it is not a str.
#[pyfunction]
fn validate_key(key: &Bound<'_, PyAny>) -> PyResult<()> {
    hyperparameter::validate_key(values::key_text(key)?).map_err(|err| CoreError(err).into())
}

/// Parses a `key=value` item by the core's one parser: `(key, value)`, the key trimmed and
/// valid, the value the text after the first `=`. Raises `DefineError` for an item without
/// `=`, with an invalid key or that is not valid Unicode text, and `TypeError` for a non-str.
#[pyfunction]
fn parse_define<'py>(item: &Bound<'py, PyAny>) -> PyResult<(String, String)> {
    let Ok(text) = item.cast::<PyString>() else {
        let type_name = item
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "a definition is a str `key=value`, got {type_name}"
        )));
    };
    let (key, value) =
        hyperparameter::parse_define(scope::define_utf8(text)?).map_err(CoreError)?;
    Ok((key.as_str().to_string(), value.to_string()))
}

/// Reads `key` through the Rust core's public read API (`hyperparameter::get_entry`), as
/// native code called from this thread/task would: the value, or `None` when absent.
#[pyfunction]
fn native_read(py: Python<'_>, key: &str) -> PyResult<Option<Py<PyAny>>> {
    let key = Key::new(key).map_err(CoreError)?;
    with_synced(py, |_| ())?;
    match hyperparameter::get_entry(&key) {
        Some(entry) => Ok(Some(from_value(py, &entry.value)?.unbind())),
        None => Ok(None),
    }
}

/// Enters a Rust `ParamScope` holding `overrides`, calls `callback()` inside it, and leaves
/// it: what native code with `with_params!` does around a call into Python.
#[pyfunction]
fn native_call_with(
    py: Python<'_>,
    overrides: &Bound<'_, PyDict>,
    callback: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let mut scope = ParamScope::new();
    for (key, value) in overrides.iter() {
        let key = Key::new(&key.extract::<String>()?).map_err(CoreError)?;
        scope
            .put_with_source(&key, to_value(&value), hyperparameter::Source::Unknown)
            .map_err(CoreError)?;
    }
    with_synced(py, |_| ())?;
    let mut guard = scope.enter();
    let result = callback.call0();
    let exited = guard.exit();
    publish(py)?;
    exited.map_err(CoreError)?;
    Ok(result?.unbind())
}

/// The Python module `hyperparameter._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<scope::Scope>()?;
    m.add_class::<accessor::Accessor>()?;
    m.add_class::<param::ParamSpec>()?;
    m.add_class::<context::FrameHandle>()?;
    errors::init(py)?;
    accessor_slots::init(py)?;
    fast::init(py)?;
    // C and C++ readers first bring the thread's view in step with the running asyncio task.
    hyperparameter_capi::set_before_access_hook(Some(context::sync_native_caller));
    // A `frozen()` of Rust or C++ code called from Python reaches child processes too.
    hyperparameter::storage::on_frozen(inherit::frozen_listener);
    m.add("scope", fast::new_global_scope(py)?)?;
    m.add("RESERVED_NAMES", scope::RESERVED.to_vec())?;
    m.add("MAX_DEPTH", values::MAX_DEPTH)?;
    // The workspace version (Cargo.toml), the one the wheel and `hp.__version__` carry.
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(scope::_scope_from_dict, m)?)?;
    m.add_function(wrap_pyfunction!(inherit::install_snapshot, m)?)?;
    m.add_function(wrap_pyfunction!(inherit::restart_thread, m)?)?;
    m.add_function(wrap_pyfunction!(key_hash, m)?)?;
    m.add_function(wrap_pyfunction!(report::report_entries, m)?)?;
    m.add_function(wrap_pyfunction!(report::clear_report, m)?)?;
    m.add_function(wrap_pyfunction!(report::begin_collecting, m)?)?;
    m.add_function(wrap_pyfunction!(report::end_collecting, m)?)?;
    m.add_function(wrap_pyfunction!(report::set_recording, m)?)?;
    m.add_function(wrap_pyfunction!(report::recording, m)?)?;
    m.add_function(wrap_pyfunction!(report::render_config, m)?)?;
    m.add_function(wrap_pyfunction!(validate_key, m)?)?;
    m.add_function(wrap_pyfunction!(parse_define, m)?)?;
    m.add_function(wrap_pyfunction!(native_read, m)?)?;
    m.add_function(wrap_pyfunction!(native_call_with, m)?)?;
    m.add_function(wrap_pyfunction!(values::set_suggester_type, m)?)?;
    config::register(m)?;
    resolvers::register(m)?;
    compose::register(m)?;
    sweep::register(m)?;
    structured::register(m)?;
    layers::register(m)?;
    Ok(())
}
