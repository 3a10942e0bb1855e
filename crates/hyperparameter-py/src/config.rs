//! Configuration files for Python: the parsing, merging and interpolation of `hp.config(...)`
//! run in the Rust core (`hyperparameter::config`), so Python and Rust programs load the
//! same files to the same values with the same error messages, and the package needs no
//! Python TOML or YAML library.
//!
//! [`load_config`] takes the sources in order (paths and in-memory mappings), applies the
//! `key=value` overrides to the merged tree *before* interpolation, resolves `${...}` with
//! the process environment and returns a [`ConfigTree`]: the resolved values, and where
//! each was written (file, line, column) for error messages and provenance. The Python
//! `Config` (in `python/hyperparameter/config.py`) wraps it.
//!
//! A scope built from a `Config` (`hp.scope(cfg)`, `with cfg:`) keeps that provenance: its
//! entries carry `Source::File` (or `Source::Define` for an override), so a failed typed
//! read names the file and line of the value ([`scope_entries`]).

use std::path::PathBuf;
use std::sync::Arc;

use hyperparameter::config::{Config, RawConfig};
use hyperparameter::{Entry, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::errors::CoreError;
use crate::values::{from_value, key_utf8, to_value, too_deep, MAX_DEPTH};

/// The name standing for an in-memory mapping in positions and error messages.
pub const MAPPING_NAME: &str = "<mapping>";

/// One source of a configuration, taken from Python while attached to the interpreter.
enum ConfigSource {
    File(PathBuf),
    Mapping(Value),
}

/// A resolved configuration: the merged tree with the origin of every value.
#[pyclass(frozen, module = "hyperparameter._native", name = "ConfigTree")]
pub struct ConfigTree {
    config: Config,
}

#[pymethods]
impl ConfigTree {
    /// The whole configuration as nested dicts and lists (a new object on each call).
    fn to_python<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_value(py, &self.config.to_value())
    }

    /// Where the value at the dotted `key` (numeric segments index lists) was written:
    /// `file:line:col`, `file` alone for an in-memory mapping, `-D item` for an override;
    /// `None` when the key is absent.
    fn origin(&self, key: &str) -> Option<String> {
        self.config.origin(key).map(ToString::to_string)
    }

    /// The values under the dotted `prefix` (the whole configuration for `""`) flattened to
    /// dotted keys relative to it, each with the text of its source:
    /// `[(key, value, source), ...]`, in document order.
    #[pyo3(signature = (prefix = ""))]
    fn entries<'py>(
        &self,
        py: Python<'py>,
        prefix: &str,
    ) -> PyResult<Vec<(String, Bound<'py, PyAny>, String)>> {
        self.flatten_under(prefix)
            .into_iter()
            .map(|entry| {
                Ok((
                    entry.key.to_string(),
                    from_value(py, &entry.value)?,
                    entry.source.to_string(),
                ))
            })
            .collect()
    }

    /// A `ConfigError` located where the value at the dotted `key` was written
    /// (`file:line:col: message`, with `file`, `line` and `column` set); `None` when the
    /// key is absent. Front ends raise it for a value they cannot use (`hp.instantiate`).
    fn error_at(&self, py: Python<'_>, key: &str, message: &str) -> Option<Py<PyAny>> {
        let origin = self.config.origin(key)?;
        let err: PyErr = CoreError(origin.error(message)).into();
        Some(err.into_value(py).into_any())
    }

    fn __repr__(&self) -> String {
        format!("ConfigTree({})", self.config.to_value())
    }
}

impl ConfigTree {
    /// The tree of a resolved configuration.
    pub fn new(config: Config) -> ConfigTree {
        ConfigTree { config }
    }

    /// The entries under `prefix` with keys relative to it, sources kept.
    fn flatten_under(&self, prefix: &str) -> Vec<Entry> {
        if prefix.is_empty() {
            return self.config.flatten();
        }
        let mut out = Vec::new();
        if let Some(value) = self.config.get(prefix) {
            self.flatten_value(prefix, &value, &mut String::new(), &mut out);
        }
        out
    }

    /// Flattens a map found at `prefix` the way `Config::flatten` does (maps walked, other
    /// values and empty maps one entry each), looking the source of each entry up.
    fn flatten_value(
        &self,
        prefix: &str,
        value: &Value,
        relative: &mut String,
        out: &mut Vec<Entry>,
    ) {
        match value {
            Value::Map(map) if !map.is_empty() => {
                for (key, item) in map.iter() {
                    let len = relative.len();
                    if !relative.is_empty() {
                        relative.push('.');
                    }
                    relative.push_str(key);
                    self.flatten_value(prefix, item, relative, out);
                    relative.truncate(len);
                }
            }
            _ if relative.is_empty() => {}
            _ => {
                let source = self
                    .config
                    .origin(&format!("{prefix}.{relative}"))
                    .map(|origin| origin.to_source())
                    .unwrap_or_default();
                out.push(Entry {
                    key: relative.as_str().into(),
                    value: value.clone(),
                    source,
                    read_mark: Default::default(),
                });
            }
        }
    }
}

/// Loads `sources` in order (paths: format by extension; mappings: dotted keys nest),
/// merges them (later wins, lists replaced), applies the `key=value` `overrides` in order,
/// then resolves `${...}` with the process environment.
///
/// Errors: `ConfigError` (`file:line:col: message`) for files, values and references,
/// `DefineError` for a malformed override, `TypeError` for a source of another kind.
#[pyfunction]
#[pyo3(signature = (sources, overrides = Vec::new()))]
pub fn load_config(
    py: Python<'_>,
    sources: &Bound<'_, PyAny>,
    overrides: Vec<String>,
) -> PyResult<ConfigTree> {
    let mut taken = Vec::new();
    for source in sources.try_iter()? {
        taken.push(take_source(&source?)?);
    }
    // Reading, parsing and resolving touch no Python object: let other threads run.
    let config = py.detach(move || -> hyperparameter::Result<Config> {
        let mut raw = RawConfig::new();
        for source in taken {
            raw.merge(match source {
                ConfigSource::File(path) => RawConfig::read(&path)?,
                ConfigSource::Mapping(value) => RawConfig::from_value(&value, MAPPING_NAME)?,
            });
        }
        raw.apply_overrides(&overrides)?;
        raw.resolve()
    });
    Ok(ConfigTree {
        config: config.map_err(CoreError)?,
    })
}

fn take_source(source: &Bound<'_, PyAny>) -> PyResult<ConfigSource> {
    if source.is_instance_of::<PyString>() || source.hasattr(intern!(source.py(), "__fspath__"))? {
        return Ok(ConfigSource::File(source.extract::<PathBuf>()?));
    }
    if is_mapping(source)? {
        return Ok(ConfigSource::Mapping(mapping_value(source, "", 0)?));
    }
    Err(PyTypeError::new_err(format!(
        "hp.config() takes paths (str or os.PathLike) and mappings, got {}",
        source.get_type().name()?
    )))
}

/// A Python mapping as a core map: nested mappings and lists/tuples become maps and lists
/// (so `${...}` inside them resolves), other objects stay as they are. `path` is where the
/// mapping sits (dotted, list indices as segments), for the depth error.
///
/// Recursion is bounded just past the depth bound (the core then refuses what is deeper than
/// the bound with its own message): a value containing itself is a `TypeError` naming its
/// path before the stack can run out.
fn mapping_value(mapping: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH + 1 {
        return Err(too_deep(path));
    }
    let mut out = Value::Map(Arc::default());
    let Value::Map(map) = &mut out else {
        unreachable!("built as a map above")
    };
    let map = Arc::make_mut(map);
    for item in mapping
        .call_method0(intern!(mapping.py(), "items"))?
        .try_iter()?
    {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        let key = key.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err(format!(
                "keys of a configuration mapping must be str, got {}",
                key.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?;
        let key = key_utf8(key)?;
        let inner = if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        };
        map.insert(key.to_string(), nested_value(&value, &inner, depth + 1)?);
    }
    Ok(out)
}

pub(crate) fn nested_value(value: &Bound<'_, PyAny>, path: &str, depth: usize) -> PyResult<Value> {
    let plain = to_value(value);
    if !matches!(plain, Value::Foreign(_)) {
        return Ok(plain);
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        if depth > MAX_DEPTH + 1 {
            return Err(too_deep(path));
        }
        let items = value
            .try_iter()?
            .enumerate()
            .map(|(index, item)| nested_value(&item?, &format!("{path}.{index}"), depth + 1))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(Value::List(Arc::new(items)));
    }
    if value.is_instance_of::<PyDict>() || is_mapping(value)? {
        return mapping_value(value, path, depth);
    }
    Ok(plain)
}

/// The entries of a `Config` (an object with `__hp_config__()` returning its tree and the
/// dotted prefix of the view), with their sources; `None` for any other object. Used by
/// `hp.scope(cfg)` so that a scope built from a configuration knows where its values were
/// written.
pub fn scope_entries(arg: &Bound<'_, PyAny>) -> PyResult<Option<Vec<Entry>>> {
    if arg.is_exact_instance_of::<PyDict>() {
        return Ok(None);
    }
    let py = arg.py();
    let Some(hook) = arg.getattr_opt(intern!(py, "__hp_config__"))? else {
        return Ok(None);
    };
    let (tree, prefix): (Bound<'_, ConfigTree>, String) = hook.call0()?.extract()?;
    Ok(Some(tree.get().flatten_under(&prefix)))
}

static MAPPING_ABC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Whether `obj` is a `collections.abc.Mapping`.
fn is_mapping(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    if obj.is_instance_of::<PyDict>() {
        return Ok(true);
    }
    let py = obj.py();
    let mapping = MAPPING_ABC.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("collections.abc")?.getattr("Mapping")?.unbind())
    })?;
    obj.is_instance(mapping.bind(py))
}

/// Adds the configuration loader to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ConfigTree>()?;
    m.add_function(wrap_pyfunction!(load_config, m)?)?;
    Ok(())
}
