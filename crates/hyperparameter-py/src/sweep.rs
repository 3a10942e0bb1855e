//! Sweep values for the tuner: `hyperparameter.tune` reads the strings of a search space
//! (`interval(0, 1)`, `tag(log, interval(1e-4, 1e-1))`, `range(1, 10)`, `a,b,c`) through the
//! core's override grammar, so a space reads exactly as the same text on a command line.
//!
//! [`parse_sweep`] returns a plain description (a dict) that Python turns into Optuna
//! distributions; the grammar, the casts (`int(...)`), the tags and the values of a range
//! stay in the core.

use hyperparameter::compose::{Element, Number, OverrideValue, Sweep};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::IntoPyObjectExt;

use crate::errors::CoreError;

/// An element as a Python value: `None`, bool, int, float, str (quoted or not), and lists
/// and dicts of these.
fn element_to_python<'py>(py: Python<'py>, element: &Element) -> PyResult<Bound<'py, PyAny>> {
    Ok(match element {
        Element::Null => py.None().into_bound(py),
        Element::Bool(b) => b.into_bound_py_any(py)?,
        Element::Int(i) => i.into_bound_py_any(py)?,
        Element::Float(x) => x.into_bound_py_any(py)?,
        Element::Str(text) | Element::Quoted { text, .. } => text.into_bound_py_any(py)?,
        Element::List(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(element_to_python(py, item)?)?;
            }
            list.into_any()
        }
        Element::Dict(entries) => {
            let dict = PyDict::new(py);
            for (key, value) in entries {
                dict.set_item(key, element_to_python(py, value)?)?;
            }
            dict.into_any()
        }
    })
}

fn number_to_python(py: Python<'_>, number: Number) -> PyResult<Bound<'_, PyAny>> {
    match number {
        Number::Int(i) => i.into_bound_py_any(py),
        Number::Float(x) => x.into_bound_py_any(py),
    }
}

/// Parses the value `text` of an override by the core's grammar and describes it:
///
/// * `{"kind": "value", "value": v}`: one value, no sweep;
/// * `{"kind": "choice", "options": [...], "tags": [...]}`: `a,b` or `choice(a, b)`;
/// * `{"kind": "range", "start": a, "last": z, "step": s, "tags": [...]}`: `range(...)`,
///   `last` its last value (the stop is excluded), `None` when it is empty;
/// * `{"kind": "interval", "low": lo, "high": hi, "integer": bool, "tags": [...]}`:
///   `interval(lo, hi)`, `integer` after `int(...)`;
/// * `{"kind": "glob"}`: `glob(...)`, which selects config group options.
///
/// Raises `ConfigError` naming the text and column when it breaks the grammar.
#[pyfunction]
pub fn parse_sweep<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyDict>> {
    let value = OverrideValue::parse(text).map_err(CoreError)?;
    let out = PyDict::new(py);
    let sweep = match value {
        OverrideValue::Element(element) => {
            out.set_item("kind", "value")?;
            out.set_item("value", element_to_python(py, &element)?)?;
            return Ok(out);
        }
        OverrideValue::Sweep(sweep) => sweep,
    };
    let last = sweep.range_last();
    match sweep {
        Sweep::Choice { items, tags, .. } => {
            out.set_item("kind", "choice")?;
            let options = PyList::empty(py);
            for item in &items {
                options.append(element_to_python(py, item)?)?;
            }
            out.set_item("options", options)?;
            out.set_item("tags", tags)?;
        }
        Sweep::Range {
            start, step, tags, ..
        } => {
            out.set_item("kind", "range")?;
            out.set_item("start", number_to_python(py, start)?)?;
            match last {
                Some(last) => out.set_item("last", number_to_python(py, last)?)?,
                None => out.set_item("last", py.None())?,
            }
            out.set_item("step", number_to_python(py, step)?)?;
            out.set_item("tags", tags)?;
        }
        Sweep::Interval { start, end, tags } => {
            out.set_item("kind", "interval")?;
            let integer = matches!((start, end), (Number::Int(_), Number::Int(_)));
            out.set_item("low", number_to_python(py, start)?)?;
            out.set_item("high", number_to_python(py, end)?)?;
            out.set_item("integer", integer)?;
            out.set_item("tags", tags)?;
        }
        Sweep::Glob { .. } => out.set_item("kind", "glob")?,
    }
    Ok(out)
}

/// Adds [`parse_sweep`] to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(parse_sweep, m)?)
}
