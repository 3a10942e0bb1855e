//! The operative config from Python: recording Python reads in the core's report
//! (`hyperparameter::report`), and handing the report and the config writers to
//! `hyperparameter.report`.

use std::sync::Arc;

use hyperparameter::config::{write_config, Format, WriteItem};
use hyperparameter::report::{self, ReadKind};
use hyperparameter::{Entry, Key, Value};
use indexmap::IndexMap;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::errors::CoreError;
use crate::values::{from_value, to_value, utf8, ReadTarget};

/// Records a read of the present `entry` for `target`.
#[inline]
pub fn note_read(entry: &Entry, target: &ReadTarget) {
    let kind = match target {
        ReadTarget::Raw => ReadKind::Raw,
        ReadTarget::Native(target) => ReadKind::of(Some(*target)),
        // Converted by Python code, or `Optional[T]` (whose `none` text is None): the value
        // as stored is recorded (it converts to the same object again when the saved config
        // is loaded).
        ReadTarget::Python(_) | ReadTarget::NativeOptional(_) => ReadKind::Other,
    };
    report::note_entry(entry, kind);
}

/// Records that a read of the absent `key` returned `default`.
#[inline]
pub fn note_default(key: &Key, default: &Bound<'_, PyAny>) {
    report::note_default(
        key.hash(),
        key.as_str().as_bytes(),
        fingerprint(default),
        || recorded_value(default),
    );
}

/// A cheap summary of a default: the object's identity. Defaults are mostly constants of
/// the code (the same object at every read), so this skips them without looking inside; a
/// new object at the address of a freed one can hide a later, different default from
/// `other_reads`, never the first read.
fn fingerprint(default: &Bound<'_, PyAny>) -> u64 {
    default.as_ptr() as usize as u64
}

/// The value a default is recorded as: lists, tuples and string-keyed dicts of values
/// become values every language understands (so equal defaults are recorded once), other
/// objects are kept as they are.
pub fn recorded_value(obj: &Bound<'_, PyAny>) -> Value {
    plain(obj, 0).unwrap_or_else(|| to_value(obj))
}

fn plain(obj: &Bound<'_, PyAny>, depth: usize) -> Option<Value> {
    if depth > 32 {
        return None;
    }
    if obj.is_exact_instance_of::<PyList>() || obj.is_exact_instance_of::<PyTuple>() {
        let items = obj
            .try_iter()
            .ok()?
            .map(|item| plain(&item.ok()?, depth + 1))
            .collect::<Option<Vec<_>>>()?;
        return Some(Value::List(Arc::new(items)));
    }
    if let Ok(dict) = obj.cast_exact::<PyDict>() {
        let mut map = IndexMap::new();
        for (key, item) in dict.iter() {
            let key = key.cast_exact::<PyString>().ok()?;
            map.insert(utf8(key).ok()?.to_string(), plain(&item, depth + 1)?);
        }
        return Some(Value::Map(Arc::new(map)));
    }
    match to_value(obj) {
        Value::Foreign(_) => None,
        value => Some(value),
    }
}

/// `(value, source, default_used)` of one read, for Python.
type PyRead = (Py<PyAny>, String, bool);

fn py_read(py: Python<'_>, value: &Value, source: String, default_used: bool) -> PyResult<PyRead> {
    Ok((from_value(py, value)?.unbind(), source, default_used))
}

/// A report entry as the Python side takes it.
type PyEntry = (String, PyRead, Vec<PyRead>);

/// The operative config: `[(key, value, source, default_used, [(value, source,
/// default_used), ...]), ...]` sorted by key (the list holds the later, different reads).
#[pyfunction]
pub fn report_entries(py: Python<'_>) -> PyResult<Vec<PyEntry>> {
    py_entries(py, report::report())
}

/// Starts collecting this thread's reads apart from the report (one trial's, say).
#[pyfunction]
pub fn begin_collecting() {
    report::begin_collecting();
}

/// Ends this thread's innermost collection and returns its reads as `report_entries` does.
#[pyfunction]
pub fn end_collecting(py: Python<'_>) -> PyResult<Vec<PyEntry>> {
    py_entries(py, report::end_collecting())
}

fn py_entries(py: Python<'_>, entries: Vec<report::ReportEntry>) -> PyResult<Vec<PyEntry>> {
    entries
        .into_iter()
        .map(|entry| {
            let first = py_read(
                py,
                &entry.value,
                entry.source.to_string(),
                entry.default_used,
            )?;
            let others = entry
                .other_reads
                .iter()
                .map(|read| py_read(py, &read.value, read.source.to_string(), read.default_used))
                .collect::<PyResult<Vec<_>>>()?;
            Ok((entry.key, first, others))
        })
        .collect()
}

/// Forgets every read recorded so far.
#[pyfunction]
pub fn clear_report() {
    report::clear_report();
}

/// Turns recording on or off; returns whether it was on.
#[pyfunction]
pub fn set_recording(on: bool) -> bool {
    report::set_recording(on)
}

/// Whether reads are being recorded.
#[pyfunction]
pub fn recording() -> bool {
    report::recording()
}

/// Renders `(key, value, comment or None)` items as the config file format of `path`'s
/// extension (TOML, YAML or JSON), with `header` (the saved report's header when `None`) as
/// comment lines where the format has comments. Values must be plain: None, bool, int,
/// float, str, lists and str-keyed dicts.
#[pyfunction]
#[pyo3(signature = (path, items, header = None))]
pub fn render_config(
    path: &str,
    items: Vec<(String, Bound<'_, PyAny>, Option<String>)>,
    header: Option<&str>,
) -> PyResult<String> {
    let format = Format::from_path(std::path::Path::new(path)).map_err(CoreError)?;
    let items = items
        .into_iter()
        .map(|(key, value, comment)| WriteItem {
            key,
            value: recorded_value(&value),
            comment,
        })
        .collect::<Vec<_>>();
    let header = header.unwrap_or(report::SAVED_HEADER);
    Ok(write_config(format, &items, header).map_err(CoreError)?)
}
