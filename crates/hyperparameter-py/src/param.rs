//! The hot path of `@hp.param`: filling in the keyword arguments a call did not give.

use hyperparameter::report::{self, ReadSite};
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
        let given = args.len();
        let mut open = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            if slot.position.is_some_and(|p| p < given) || kwargs.contains(slot.name.bind(py))? {
                continue;
            }
            open.push(slot);
        }
        if open.is_empty() {
            return Ok(kwargs);
        }
        let found = with_synced(py, |cursor| {
            open.iter()
                .map(
                    |slot| match cursor.get(slot.key.hash(), slot.key.as_str().as_bytes()) {
                        Some(entry) => {
                            convert_entry(py, entry, slot.key.as_str(), &slot.target, true)
                                .map(Some)
                        }
                        None => {
                            if !report::default_recorded_at(&slot.site) {
                                report::record_default_at(
                                    &slot.site,
                                    slot.key.text(),
                                    slot.default.clone(),
                                );
                            }
                            Ok(None)
                        }
                    },
                )
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
        Ok(kwargs)
    }
}
