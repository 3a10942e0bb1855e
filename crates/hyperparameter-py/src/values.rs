//! Python objects ↔ core values, and typed reads.
//!
//! Primitives that every language reads (None, bool, 64-bit int, float, str) are stored as
//! core values, so Rust and C++ see them. Everything else (lists, dicts, big integers,
//! user objects, subclasses of the primitives) is kept as the Python object itself inside
//! a [`Foreign`]: nothing is dropped or copied, and reads give back the very same object.

use std::sync::Arc;

use hyperparameter::convert::{convert, is_null_word, Target};
use hyperparameter::read::conversion_error;
use hyperparameter::{Entry, Error, Foreign, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use pyo3::IntoPyObjectExt;

use crate::errors::{exception, CoreError, ExceptionClass};

/// Why a str with a lone surrogate is refused as a key or a `key=value` item.
const NOT_TEXT: &str = "it is not valid Unicode text (a lone surrogate)";

extern "C" {
    // In the limited API (and so the stable ABI) from 3.10 on; CPython 3.8 and 3.9 export it
    // with the same signature, which `scripts/check_abi3.py --python` checks against those
    // interpreters (docs/packaging.md). PyO3's fallback for the abi3-py38 build (`to_cow`)
    // allocates a bytes object per call.
    fn PyUnicode_AsUTF8AndSize(
        unicode: *mut pyo3::ffi::PyObject,
        size: *mut pyo3::ffi::Py_ssize_t,
    ) -> *const std::ffi::c_char;
}

/// The UTF-8 text of a Python str, without copying.
pub fn utf8<'a>(text: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `text` is a live str object (held by the borrow for 'a) and the thread is
    // attached. On success the function returns a pointer to `size` bytes of UTF-8 that the
    // str object caches and owns, valid as long as the object lives, i.e. for 'a; on failure
    // (lone surrogates) it returns NULL with an exception set.
    unsafe {
        let data = PyUnicode_AsUTF8AndSize(text.as_ptr(), &mut size);
        if data.is_null() {
            return Err(PyErr::fetch(text.py()));
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), size as usize);
        // The interpreter produced this buffer as UTF-8.
        std::str::from_utf8(bytes)
            .map_err(|err| pyo3::exceptions::PyValueError::new_err(err.to_string()))
    }
}

/// The text of a key (or key segment) given as a Python str. Text that is not valid Unicode
/// (a lone surrogate such as `"a\ud800"`) is an invalid key: `KeyFormatError`, as the
/// pure-Python backend raises.
pub fn key_utf8<'a>(text: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    utf8(text).map_err(|_| not_text(text, ExceptionClass::KeyFormat, "key"))
}

/// The error for a key or `key=value` item given as a str that is not valid Unicode text:
/// `class` with the str as the attribute `field`.
pub fn not_text(text: &Bound<'_, PyString>, class: ExceptionClass, field: &str) -> PyErr {
    let reason = PyString::new(text.py(), NOT_TEXT).into_any();
    exception(
        text.py(),
        class,
        None,
        &[(field, text.clone().into_any()), ("reason", reason)],
    )
}

/// The text of a key given from Python: `TypeError` for anything but a str, otherwise as
/// [`key_utf8`].
pub fn key_text<'a>(key: &'a Bound<'_, PyAny>) -> PyResult<&'a str> {
    match key.cast::<PyString>() {
        Ok(text) => key_utf8(text),
        Err(_) => Err(non_str_key(key, None)),
    }
}

/// The `TypeError` for a key that is not a str (`under`: the dotted path it was found at).
pub fn non_str_key(key: &Bound<'_, PyAny>, under: Option<&str>) -> PyErr {
    let type_name = key
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let shown = key.repr().map(|r| r.to_string()).unwrap_or_default();
    match under {
        Some(path) => PyTypeError::new_err(format!(
            "keys are str, got {type_name} {shown} under `{path}`"
        )),
        None => PyTypeError::new_err(format!("keys are str, got {type_name} {shown}")),
    }
}

/// How deep a Python value given to `hp.scope` or `hp.config` may nest: the configuration
/// depth bound, so both refuse the same values.
pub const MAX_DEPTH: usize = hyperparameter::config::MAX_DEPTH;

/// The `TypeError` for a value nested deeper than [`MAX_DEPTH`] (or containing itself) at
/// the dotted `path`, shortened for the message.
pub fn too_deep(path: &str) -> PyErr {
    const SHOWN: usize = 8;
    let segments: Vec<&str> = path.split('.').collect();
    let shown = if segments.len() > SHOWN {
        format!("{}…", segments[..SHOWN].join("."))
    } else {
        path.to_string()
    };
    PyTypeError::new_err(format!(
        "the value at `{shown}` nests deeper than {MAX_DEPTH} levels (or contains itself)"
    ))
}

/// What the stored value of a Python int beyond 64 bits is called in messages of other
/// languages (Rust and C++ see it as a type error).
pub const BIG_INT: &str = "int beyond 64 bits";

/// Converts a Python object to a stored value.
pub fn to_value(obj: &Bound<'_, PyAny>) -> Value {
    if obj.is_none() {
        return Value::Null;
    }
    if let Ok(flag) = obj.cast_exact::<PyBool>() {
        return Value::Bool(flag.is_true());
    }
    if obj.is_exact_instance_of::<PyInt>() {
        if let Ok(int) = obj.extract::<i64>() {
            return Value::Int(int);
        }
        return Value::Foreign(Foreign::new(obj.clone().unbind(), BIG_INT));
    } else if let Ok(float) = obj.cast_exact::<PyFloat>() {
        return Value::Float(float.value());
    } else if let Ok(text) = obj.cast_exact::<PyString>() {
        if let Ok(text) = utf8(text) {
            return Value::Str(Arc::from(text));
        }
    }
    Value::Foreign(Foreign::new(obj.clone().unbind(), "Python object"))
}

/// The Python object for a stored value.
pub fn from_value<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(flag) => PyBool::new(py, *flag).to_owned().into_any(),
        Value::Int(int) => int.into_bound_py_any(py)?,
        Value::Float(float) => PyFloat::new(py, *float).into_any(),
        Value::Str(text) => PyString::new(py, text).into_any(),
        Value::List(items) => {
            let items = items
                .iter()
                .map(|item| from_value(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Map(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map.iter() {
                dict.set_item(key, from_value(py, item)?)?;
            }
            dict.into_any()
        }
        Value::Foreign(foreign) => match foreign.downcast_ref::<Py<PyAny>>() {
            Some(object) => object.bind(py).clone(),
            None => {
                return Err(PyTypeError::new_err(format!(
                    "the value is a {} set by another language; Python cannot read it",
                    foreign.type_name
                )))
            }
        },
    })
}

/// The Python object stored in a foreign value, if it is one.
fn python_object(value: &Value) -> Option<&Py<PyAny>> {
    match value {
        Value::Foreign(foreign) => foreign.downcast_ref::<Py<PyAny>>(),
        _ => None,
    }
}

/// The class of suggesters (`hyperparameter._suggest.Suggester`), once the package has
/// registered it with [`set_suggester_type`].
static SUGGESTER_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Registers the class whose instances are suggesters: values that a read calls (with no
/// arguments) when it happens, reading the result instead (`hyperparameter.tune`'s
/// `suggest_from` and `lazy_dispatch`). Only the first registration counts.
#[pyfunction]
pub fn set_suggester_type(py: Python<'_>, suggester: &Bound<'_, PyType>) {
    let _ = SUGGESTER_TYPE.set(py, suggester.clone().unbind());
}

/// Whether `value` is a suggester. Cheap: only a Python object of the registered class
/// (exactly) is one.
fn is_suggester(py: Python<'_>, value: &Value) -> bool {
    match (python_object(value), SUGGESTER_TYPE.get(py)) {
        (Some(object), Some(suggester)) => object.bind(py).get_type().is(suggester.bind(py)),
        _ => false,
    }
}

/// What a read converts to.
pub enum ReadTarget {
    /// The value as stored.
    Raw,
    /// One of the four primitive types of the conversion table.
    Native(Target),
    /// `Optional[T]` of a primitive `T`: `none`/`null` text is None, the rest reads as `T`.
    NativeOptional(Target),
    /// Another type (Enum, Path, a registered converter, a typing construct such as
    /// `list[int]` or `Literal[...]`): converted by `hyperparameter._convert.convert_to`.
    Python(Py<PyAny>),
}

/// The target of a read with `default`: its type, or no conversion for None and containers.
pub fn target_of_default(default: &Bound<'_, PyAny>) -> ReadTarget {
    if default.is_exact_instance_of::<PyBool>() {
        ReadTarget::Native(Target::Bool)
    } else if default.is_exact_instance_of::<PyInt>() {
        ReadTarget::Native(Target::Int)
    } else if default.is_exact_instance_of::<PyFloat>() {
        ReadTarget::Native(Target::Float)
    } else if default.is_exact_instance_of::<PyString>() {
        ReadTarget::Native(Target::Str)
    } else if default.is_none()
        || default.is_exact_instance_of::<PyList>()
        || default.is_exact_instance_of::<PyDict>()
        || default.is_exact_instance_of::<PyTuple>()
    {
        ReadTarget::Raw
    } else {
        ReadTarget::Python(default.get_type().into_any().unbind())
    }
}

/// The target for a type (an `@hp.param` annotation or a default's type); `None` is raw.
pub fn target_of_type(target: Option<&Bound<'_, PyAny>>) -> ReadTarget {
    let Some(target) = target else {
        return ReadTarget::Raw;
    };
    let py = target.py();
    let Ok(target) = target.cast::<PyType>() else {
        if let Some(inner) = optional_primitive(target) {
            return ReadTarget::NativeOptional(inner);
        }
        // A typing construct (`list[int]`, `Literal[...]`, `Optional[Enum]`).
        return ReadTarget::Python(target.clone().unbind());
    };
    if target.is(py.get_type::<PyBool>()) {
        ReadTarget::Native(Target::Bool)
    } else if target.is(py.get_type::<PyInt>()) {
        ReadTarget::Native(Target::Int)
    } else if target.is(py.get_type::<PyFloat>()) {
        ReadTarget::Native(Target::Float)
    } else if target.is(py.get_type::<PyString>()) {
        ReadTarget::Native(Target::Str)
    } else {
        ReadTarget::Python(target.clone().into_any().unbind())
    }
}

/// The primitive `T` of an `Optional[T]` (`T | None`) annotation, read without Python code.
fn optional_primitive(annotation: &Bound<'_, PyAny>) -> Option<Target> {
    let py = annotation.py();
    let typing = py.import("typing").ok()?;
    let args = typing.call_method1("get_args", (annotation,)).ok()?;
    let args = args.cast::<PyTuple>().ok()?;
    let none = py.None().into_bound(py).get_type();
    let origin = typing.call_method1("get_origin", (annotation,)).ok()?;
    // `X | None` (Python 3.10+) has the origin `types.UnionType`.
    let union_type = py
        .import("types")
        .and_then(|types| types.getattr("UnionType"))
        .ok();
    let is_union = origin.is(&typing.getattr("Union").ok()?)
        || union_type.is_some_and(|union_type| origin.is(&union_type));
    if !is_union || args.len() != 2 {
        return None;
    }
    let others: Vec<_> = args.iter().filter(|arg| !arg.is(&none)).collect();
    let [inner] = others.as_slice() else {
        return None;
    };
    match target_of_type(Some(inner)) {
        ReadTarget::Native(target) => Some(target),
        _ => None,
    }
}

/// A read that is done, or that needs Python code (which must not run while the store is
/// borrowed) to finish.
pub enum Converted {
    /// The converted value.
    Done(Py<PyAny>),
    /// The entry, to convert with [`finish_in_python`].
    NeedsPython(Entry),
}

/// Converts `entry` (stored under `key`) for `target` without running Python code, and with
/// `record` records the read in the operative config when it succeeds. Kept out of line, with
/// the recording inside: the read around it stays small enough to be inlined (measured with
/// callgrind).
#[inline(never)]
pub fn convert_entry(
    py: Python<'_>,
    entry: &Entry,
    key: &str,
    target: &ReadTarget,
    record: bool,
) -> PyResult<Converted> {
    let converted = convert_unrecorded(py, entry, key, target)?;
    // A suggester is recorded by the value it suggests, when it is called.
    let suggester =
        matches!(converted, Converted::NeedsPython(_)) && is_suggester(py, &entry.value);
    if record && !suggester {
        crate::report::note_read(entry, target);
    }
    Ok(converted)
}

#[inline(always)]
fn convert_unrecorded(
    py: Python<'_>,
    entry: &Entry,
    key: &str,
    target: &ReadTarget,
) -> PyResult<Converted> {
    let read_target = target;
    let target = match target {
        _ if matches!(entry.value, Value::Null) => {
            return Ok(Converted::Done(py.None()));
        }
        // A suggester is called, and that runs Python code: after the store is released.
        _ if is_suggester(py, &entry.value) => return Ok(Converted::NeedsPython(entry.clone())),
        ReadTarget::Raw => return Ok(Converted::Done(from_value(py, &entry.value)?.unbind())),
        ReadTarget::Python(_) => return Ok(Converted::NeedsPython(entry.clone())),
        ReadTarget::Native(target) => *target,
        ReadTarget::NativeOptional(target) => {
            if matches!(&entry.value, Value::Str(text) if is_null_word(text)) {
                return Ok(Converted::Done(py.None()));
            }
            *target
        }
    };
    if let Some(object) = python_object(&entry.value) {
        return foreign_as(py, object.bind(py), entry, key, target).map(Converted::Done);
    }
    let already = matches!(
        (&entry.value, target),
        (Value::Int(_), Target::Int)
            | (Value::Float(_), Target::Float)
            | (Value::Bool(_), Target::Bool)
            | (Value::Str(_), Target::Str)
    );
    if already {
        return Ok(Converted::Done(from_value(py, &entry.value)?.unbind()));
    }
    match convert(&entry.value, target) {
        Ok(value) => Ok(Converted::Done(from_value(py, &value)?.unbind())),
        Err(detail) => {
            let name = match read_target {
                ReadTarget::NativeOptional(_) => format!("{} or none", target.name()),
                _ => target.name().to_string(),
            };
            let mut err = conversion_error(key, entry, &name, detail);
            // Python shows a text value the Python way ('fast', not "fast"), as the pure
            // backend and the schema checks do.
            if let (Error::Conversion { value, .. }, Value::Str(text)) = (&mut err, &entry.value) {
                *value = PyString::new(py, text).repr()?.to_string();
            }
            Err(CoreError(err).into())
        }
    }
}

/// A Python object kept as is reads as a primitive type when it already is one (a str
/// subclass as str). A Python int of any size reads as int as is, as str as its
/// decimal text, as float when exactly representable. Anything else is a conversion error.
fn foreign_as(
    py: Python<'_>,
    object: &Bound<'_, PyAny>,
    entry: &Entry,
    key: &str,
    target: Target,
) -> PyResult<Py<PyAny>> {
    let is_int = object.is_instance_of::<PyInt>() && !object.is_instance_of::<PyBool>();
    let fits = match target {
        Target::Int => is_int,
        Target::Float => object.is_instance_of::<PyFloat>(),
        Target::Str => object.is_instance_of::<PyString>(),
        Target::Bool => object.is_instance_of::<PyBool>(),
    };
    if fits {
        return Ok(object.clone().unbind());
    }
    let fail = |detail: String| -> PyResult<Py<PyAny>> {
        Err(CoreError(Error::Conversion {
            key: key.to_string(),
            value: object.repr()?.to_string(),
            origin: entry.source.to_string(),
            target: target.name().to_string(),
            detail,
        })
        .into())
    };
    if is_int {
        match target {
            Target::Str => return Ok(object.str()?.into_any().unbind()),
            Target::Float => {
                // `float(n)` rounds (or overflows); the conversion is exact only if it
                // reads back to the same int.
                if let Ok(float) = object.call_method0(pyo3::intern!(py, "__float__")) {
                    let back = float.call_method0(pyo3::intern!(py, "__int__"));
                    if back.is_ok_and(|back| back.eq(object).unwrap_or(false)) {
                        return Ok(float.unbind());
                    }
                }
                return fail("the int is not exactly representable as a float".into());
            }
            Target::Bool => return fail("only the integers 0 and 1 convert to bool".into()),
            Target::Int => {}
        }
    }
    let type_name = object.get_type().name()?.to_string();
    fail(format!(
        "{} {type_name} value cannot be read as {}",
        hyperparameter::convert::article(&type_name),
        target.name()
    ))
}

static CONVERT_TO: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Finishes a read whose target needs Python (`hyperparameter._convert.convert_to`).
pub fn finish_in_python(
    py: Python<'_>,
    entry: &Entry,
    key: &str,
    target: &ReadTarget,
) -> PyResult<Py<PyAny>> {
    if is_suggester(py, &entry.value) {
        let suggested = from_value(py, &entry.value)?.call0()?;
        // A new entry (with a fresh mark), so that the suggested value is recorded.
        let suggested = Entry::new(
            entry.key.clone(),
            to_value(&suggested),
            entry.source.clone(),
        );
        if is_suggester(py, &suggested.value) {
            return Err(PyTypeError::new_err(format!(
                "the suggester of `{key}` returned another suggester; it must return a value"
            )));
        }
        let converted = convert_entry(py, &suggested, key, target, true)?;
        return finish(py, converted, key, target);
    }
    let value = from_value(py, &entry.value)?;
    let ReadTarget::Python(target) = target else {
        return Ok(value.unbind());
    };
    let convert_to = CONVERT_TO.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py
            .import("hyperparameter._convert")?
            .getattr("convert_to")?
            .unbind())
    })?;
    Ok(convert_to
        .bind(py)
        .call1((value, target.bind(py), key, entry.source.to_string()))?
        .unbind())
}

/// Runs a converted read to its end.
pub fn finish(
    py: Python<'_>,
    converted: Converted,
    key: &str,
    target: &ReadTarget,
) -> PyResult<Py<PyAny>> {
    match converted {
        Converted::Done(value) => Ok(value),
        Converted::NeedsPython(entry) => finish_in_python(py, &entry, key, target),
    }
}
