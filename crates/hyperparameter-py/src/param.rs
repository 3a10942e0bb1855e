//! The hot path of `@hp.param`: filling in the keyword arguments a call did not give.

use hyperparameter::report::{self, ReadSite};
use hyperparameter::storage::Cursor;
use hyperparameter::{Key, Value};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::context::with_synced;
use crate::errors::CoreError;
use crate::report::recorded_value;
use crate::values::{convert_entry, finish_in_python, target_of_type, Converted, ReadTarget};

/// `(name, position or None, key, target type or None, signature default)`, as
/// `hyperparameter.param` builds it.
type SlotSpec<'py> = (
    Bound<'py, PyString>,
    Option<usize>,
    String,
    Option<Bound<'py, PyAny>>,
    Bound<'py, PyAny>,
);

struct Slot {
    name: Py<PyString>,
    /// Index among the positional parameters, `None` for keyword-only ones.
    position: Option<usize>,
    key: Key,
    target: ReadTarget,
    /// The signature default, as the operative config records it when it is used.
    default: Value,
    site: ReadSite,
}

/// The injectable parameters of one decorated function (built by `hyperparameter.param`).
#[pyclass(frozen, module = "hyperparameter._native", name = "ParamSpec")]
pub struct ParamSpec {
    slots: Vec<Slot>,
}

#[pymethods]
impl ParamSpec {
    /// `slots`: `(name, position or None, key, target type or None, default)` per
    /// parameter.
    #[new]
    fn new(slots: Vec<SlotSpec<'_>>) -> PyResult<ParamSpec> {
        let slots = slots
            .into_iter()
            .map(|(name, position, key, target, default)| {
                Ok(Slot {
                    name: name.unbind(),
                    position,
                    key: Key::new(&key).map_err(CoreError)?,
                    target: target_of_type(target.as_ref()),
                    default: recorded_value(&default),
                    site: ReadSite::new(),
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        Ok(ParamSpec { slots })
    }

    /// Adds to `kwargs` the value of every parameter that the call binds neither by
    /// position nor by keyword and that the current scope sets; returns `kwargs`.
    fn resolve<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Bound<'py, PyDict>,
    ) -> PyResult<Bound<'py, PyDict>> {
        self.fill(py, args.len(), &kwargs)?;
        Ok(kwargs)
    }

    /// `func(*args, **kwargs)` with the parameters resolved as [`ParamSpec::resolve`] does:
    /// the call of a decorated function, without a second Python call to unpack the result.
    fn call<'py>(
        &self,
        py: Python<'py>,
        func: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        kwargs: Bound<'py, PyDict>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.fill(py, args.len(), &kwargs)?;
        func.call(args, Some(&kwargs))
    }
}

impl ParamSpec {
    /// [`ParamSpec::resolve`] for a call with `given` positional arguments. When the call
    /// gave no keywords, `kwargs` holds only this spec's exact-`str` names, so the values go
    /// in while the store is read: no list of them is built (a keyword the call gave may be
    /// a `str` subclass, whose comparison could run Python code; those calls take the long
    /// way).
    fn fill(&self, py: Python<'_>, given: usize, kwargs: &Bound<'_, PyDict>) -> PyResult<()> {
        if !kwargs.is_empty() {
            return self.fill_around(py, given, kwargs);
        }
        let mut later = Vec::new();
        with_synced(py, |cursor| {
            for slot in &self.slots {
                if slot.position.is_some_and(|p| p < given) {
                    continue;
                }
                match read_slot(py, cursor, slot)? {
                    None => {}
                    Some(Converted::Done(value)) => kwargs.set_item(slot.name.bind(py), value)?,
                    Some(Converted::NeedsPython(entry)) => later.push((slot, entry)),
                }
            }
            Ok::<_, PyErr>(())
        })??;
        for (slot, entry) in later {
            let value = finish_in_python(py, &entry, slot.key.as_str(), &slot.target)?;
            kwargs.set_item(slot.name.bind(py), value)?;
        }
        Ok(())
    }

    /// [`ParamSpec::fill`] when the call gave keywords: the open parameters are found first,
    /// and the values set once the store is released.
    fn fill_around(
        &self,
        py: Python<'_>,
        given: usize,
        kwargs: &Bound<'_, PyDict>,
    ) -> PyResult<()> {
        let mut open = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            if slot.position.is_some_and(|p| p < given) || kwargs.contains(slot.name.bind(py))? {
                continue;
            }
            open.push(slot);
        }
        if open.is_empty() {
            return Ok(());
        }
        let found = with_synced(py, |cursor| {
            open.iter()
                .map(|slot| read_slot(py, cursor, slot))
                .collect::<PyResult<Vec<_>>>()
        })??;
        for (slot, value) in open.into_iter().zip(found) {
            let value = match value {
                None => continue,
                Some(Converted::Done(value)) => value,
                Some(Converted::NeedsPython(entry)) => {
                    finish_in_python(py, &entry, slot.key.as_str(), &slot.target)?
                }
            };
            kwargs.set_item(slot.name.bind(py), value)?;
        }
        Ok(())
    }
}

/// The value the scope sets for `slot` (`None` when it sets none, the read of the default
/// recorded then), without running Python code.
#[inline]
fn read_slot(py: Python<'_>, cursor: &mut Cursor, slot: &Slot) -> PyResult<Option<Converted>> {
    match cursor.get(slot.key.hash(), slot.key.as_str().as_bytes()) {
        Some(entry) => convert_entry(py, entry, slot.key.as_str(), &slot.target, true).map(Some),
        None => {
            if !report::default_recorded_at(&slot.site) {
                report::record_default_at(&slot.site, slot.key.text(), slot.default.clone());
            }
            Ok(None)
        }
    }
}
