//! The snapshot child processes start from, on the native side: `frozen()` hands the frozen
//! view to the package's Python module that writes it into the environment, and a process
//! that finds one there at import installs it as its global snapshot. Python writes and
//! reads the document (`hyperparameter/_child_snapshot.py`: pickled objects need Python);
//! the core reads the same document in programs without Python (`hyperparameter::inherit`).

use std::cell::Cell;

use hyperparameter::storage::{self, install_frozen, EntryMap};
use hyperparameter::{Entry, Key, Source, Text};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::context::with_synced;
use crate::errors::CoreError;
use crate::values::{from_value, key_text, to_value};

thread_local! {
    /// Set while `hp.scope.frozen()` freezes, which hands the view down itself (raising
    /// what fails), so that the core's listener leaves it alone.
    static FREEZING_FROM_PYTHON: Cell<bool> = const { Cell::new(false) };
}

/// `hp.scope.frozen()`: freezes this thread's view and hands it down to child processes.
pub fn freeze(py: Python<'_>) -> PyResult<()> {
    let view = with_synced(py, |cursor| cursor.visible())?;
    FREEZING_FROM_PYTHON.set(true);
    storage::frozen();
    FREEZING_FROM_PYTHON.set(false);
    hand_down(py, &view)
}

/// Registered with the core at import: a `frozen()` that Rust or C++ code calls (Rust
/// `frozen()`, `hp_frozen`) hands the snapshot down too, when it runs on a thread attached
/// to the interpreter. Elsewhere it cannot without taking the GIL, which could deadlock.
pub fn frozen_listener(view: &EntryMap) {
    if FREEZING_FROM_PYTHON.get() {
        return;
    }
    crate::context::if_attached(|py| {
        if let Err(err) = hand_down(py, view) {
            // The C or Rust caller cannot receive a Python error.
            err.write_unraisable(py, None);
        }
    });
}

/// Hands the view just frozen to the Python module that writes it into the environment for
/// child processes.
fn hand_down(py: Python<'_>, view: &EntryMap) -> PyResult<()> {
    let mut entries: Vec<&Entry> = view.values().collect();
    entries.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    let view = PyDict::new(py);
    for entry in entries {
        view.set_item(entry.key.as_str(), from_value(py, &entry.value)?)?;
    }
    py.import("hyperparameter._child_snapshot")?
        .call_method1("hand_down", (view,))?;
    Ok(())
}

/// Installs `values` (dotted keys → values, as a parent process froze them) as the global
/// snapshot that threads starting from now on begin with, each value recorded as coming
/// from the environment variable `variable`.
#[pyfunction]
pub fn install_snapshot(values: &Bound<'_, PyDict>, variable: &str) -> PyResult<()> {
    let name = Text::from(variable);
    let mut map = EntryMap::default();
    for (key, value) in values.iter() {
        let key = Key::new(key_text(&key)?).map_err(CoreError)?;
        let entry = Entry {
            key: key.text().clone(),
            value: to_value(&value),
            source: Source::Env { name: name.clone() },
            read_mark: Default::default(),
        };
        map.insert(key.hash(), entry);
    }
    install_frozen(map);
    Ok(())
}

/// Starts this thread afresh from the global snapshot, as a new thread would, leaving the
/// scopes it had active behind: what a process forked by `multiprocessing` runs first.
#[pyfunction]
pub fn restart_thread(py: Python<'_>) -> PyResult<()> {
    crate::context::restart_thread(py)
}
