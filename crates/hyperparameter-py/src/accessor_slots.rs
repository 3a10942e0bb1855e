//! The C-level slots of accessors: a `tp_getattro` that answers cached children with one
//! dictionary lookup, and `nb_or` for `accessor | default`.
//!
//! For `hp.scope.model.layers._0.size | 10` the attribute slot runs four times per read.
//! Accessors are created as instances of a small subtype of [`Accessor`] whose only
//! additions are these slots: a hit in the child cache returns the child directly, anything
//! else falls through to the `Accessor` slot PyO3 generated (see `crate::fast`).

use std::ffi::c_void;

use hyperparameter::Key;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::accessor::Accessor;
use crate::fast::{cached_child, fallback_getattro, make_subtype, slot_boundary, FastType};

static FAST_TYPE: PyOnceLock<FastType> = PyOnceLock::new();

/// The `tp_getattro` of the accessor subtype.
///
/// # Safety
/// Called by the interpreter only, with the thread attached, `slf` an instance of the
/// subtype (the only type carrying this slot; it cannot be subclassed) and `name` a str.
unsafe extern "C" fn fast_getattro(
    slf: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the interpreter calls type slots with the thread attached.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `slf` is a live instance of the subtype, whose layout is `Accessor`'s.
    let accessor = unsafe { Borrowed::from_ptr(py, slf).cast_unchecked::<Accessor>() };
    // SAFETY: the accessor's children dict is live and `name` a live object.
    let child = unsafe { cached_child(accessor.get().children_ptr(), name) };
    if !child.is_null() {
        return child;
    }
    // SAFETY: called with the arguments the interpreter gave this slot.
    unsafe { fallback_getattro(&FAST_TYPE, py, slf, name) }
}

/// The `nb_or` slot of the accessor subtype: `accessor | default`.
///
/// # Safety
/// Called by the interpreter only, with the thread attached and two live objects.
unsafe extern "C" fn fast_or(
    left: *mut ffi::PyObject,
    right: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the interpreter calls type slots with the thread attached.
    let py = unsafe { Python::assume_attached() };
    let is_ours = FAST_TYPE
        .get(py)
        // SAFETY: `left` is a live object.
        .is_some_and(|fast| unsafe { ffi::Py_TYPE(left) } == fast.subtype.as_ptr().cast());
    if !is_ours {
        // `default | accessor`: not an operation accessors define.
        // SAFETY: returns a new reference to the NotImplemented singleton.
        return unsafe {
            let not_implemented = ffi::Py_NotImplemented();
            ffi::Py_IncRef(not_implemented);
            not_implemented
        };
    }
    // SAFETY: `left` is an instance of the subtype (checked above), laid out as `Accessor`;
    // `right` is a live object borrowed for the call.
    let (accessor, default) = unsafe {
        (
            Borrowed::from_ptr(py, left).cast_unchecked::<Accessor>(),
            Borrowed::from_ptr(py, right),
        )
    };
    slot_boundary(py, || {
        let accessor = accessor.get();
        crate::accessor::read_or(accessor.owner(), py, accessor.key(), &default).map(Py::into_ptr)
    })
}

/// Creates the accessor subtype (called once, from the module initialisation).
pub fn init(py: Python<'_>) -> PyResult<()> {
    FAST_TYPE.get_or_try_init(py, || {
        make_subtype(
            py,
            py.get_type::<Accessor>(),
            c"hyperparameter._native.Accessor",
            &[
                (ffi::Py_tp_getattro, fast_getattro as *mut c_void),
                (ffi::Py_nb_or, fast_or as *mut c_void),
            ],
        )
    })?;
    Ok(())
}

/// A new accessor for `key` of `owner`, as an instance of the fast subtype.
pub fn new_accessor<'py>(
    py: Python<'py>,
    owner: &Bound<'py, PyAny>,
    key: &Key,
) -> PyResult<Bound<'py, PyAny>> {
    match FAST_TYPE.get(py) {
        Some(fast) => fast.subtype.bind(py).call1((owner, key.as_str())),
        None => Ok(Bound::new(
            py,
            Accessor::new(py, owner.clone().cast_into()?.unbind(), key.clone()),
        )?
        .into_any()),
    }
}
