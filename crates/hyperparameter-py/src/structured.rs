//! Structured typed reads (lists, tuples, maps, choices, optional values) for Python: the
//! core's `convert_structured`, with the shape described by `hyperparameter._cli_types`.

use hyperparameter::convert::{convert_structured as convert_with_core, Shape, Target};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};

use crate::config::nested_value;
use crate::values::{from_value, to_value};

/// The shape a nested tuple describes: `("any",)`, `("opaque",)`, `("bool",)`, `("int",)`,
/// `("float",)`, `("str",)`, `("optional", shape)`, `("list", shape)`, `("map", shape)`,
/// `("tuple", [shape, ...])`, `("choice", [value, ...])`.
fn shape_of(spec: &Bound<'_, PyAny>) -> PyResult<Shape> {
    let spec = spec.cast::<PyTuple>()?;
    let kind: String = spec.get_item(0)?.cast::<PyString>()?.extract()?;
    let arg = || spec.get_item(1);
    let inner = || -> PyResult<Box<Shape>> { Ok(Box::new(shape_of(&arg()?)?)) };
    Ok(match kind.as_str() {
        "any" => Shape::Any,
        "opaque" => Shape::Opaque,
        "bool" => Shape::Primitive(Target::Bool),
        "int" => Shape::Primitive(Target::Int),
        "float" => Shape::Primitive(Target::Float),
        "str" => Shape::Primitive(Target::Str),
        "optional" => Shape::Optional(inner()?),
        "list" => Shape::List(inner()?),
        "map" => Shape::Map(inner()?),
        "tuple" => Shape::Tuple(
            arg()?
                .cast::<PyList>()?
                .iter()
                .map(|item| shape_of(&item))
                .collect::<PyResult<Vec<_>>>()?,
        ),
        "choice" => Shape::Choice(
            arg()?
                .cast::<PyList>()?
                .iter()
                .map(|item| to_value(&item))
                .collect(),
        ),
        other => {
            return Err(PyTypeError::new_err(format!(
                "unknown shape kind `{other}`"
            )))
        }
    })
}

/// Converts `value` to the shape `spec` describes; a `ValueError` holding the reason when
/// it does not convert (the caller names the key and the source).
#[pyfunction]
fn convert_structured<'py>(
    py: Python<'py>,
    value: &Bound<'py, PyAny>,
    spec: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let shape = shape_of(spec)?;
    let value = nested_value(value, "", 1)?;
    match convert_with_core(&value, &shape) {
        Ok(converted) => from_value(py, &converted),
        Err(reason) => Err(PyValueError::new_err(reason)),
    }
}

/// Adds the structured conversion to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(convert_structured, m)?)?;
    Ok(())
}
