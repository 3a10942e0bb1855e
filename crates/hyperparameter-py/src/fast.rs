//! C-level slots on subtypes of PyO3 classes: what every class's slots share.
//!
//! A method defined through PyO3 (`__getattribute__`, `__or__`, `__call__`) costs a
//! trampoline, argument extraction and a borrow on every call. The hot classes are therefore
//! instantiated as a small subtype whose added slots answer the common case directly and fall
//! through to the slot PyO3 generated for the rest. This module makes such subtypes
//! ([`make_subtype`]) and holds the helpers their slots share; each class's slots live beside
//! the class (`crate::accessor_slots` for accessors).

use std::ffi::{c_int, c_uint, c_void};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::scope::Scope;

/// Where `crate::scope` still looks for it (until its attribute slot moves beside `Scope`).
pub use crate::accessor_slots::new_accessor;

/// A subtype made by [`make_subtype`] and the base class's attribute slot it falls back to.
pub struct FastType {
    /// The subtype.
    pub subtype: Py<PyType>,
    /// The base class's `tp_getattro`.
    pub base_getattro: ffi::getattrofunc,
}

static FAST_SCOPE: PyOnceLock<FastType> = PyOnceLock::new();

/// The `tp_getattro` of the `hp.scope` subtype: cached first-level children, else the
/// `Scope` slot.
///
/// # Safety
/// As [`fast_getattro`], for instances of the scope subtype.
unsafe extern "C" fn fast_scope_getattro(
    slf: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the interpreter calls type slots with the thread attached.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `slf` is a live instance of the subtype, whose layout is `Scope`'s.
    let scope = unsafe { Borrowed::from_ptr(py, slf).cast_unchecked::<Scope>() };
    if let Some(children) = scope.get().children_ptr(py) {
        // SAFETY: `children` is the scope's live dict and `name` a live object.
        let child = unsafe { cached_child(children, name) };
        if !child.is_null() {
            return child;
        }
    }
    // SAFETY: called with the arguments the interpreter gave this slot.
    unsafe { fallback_getattro(&FAST_SCOPE, py, slf, name) }
}

/// A new reference to the child accessor cached under `name`, or NULL (no exception set).
///
/// # Safety
/// The thread is attached, `children` is a live dict and `name` a live object.
pub unsafe fn cached_child(
    children: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: per the contract; the result is borrowed (or NULL), and owned after IncRef.
    // `PyDict_GetItemWithError` rather than `PyDict_GetItem`, which saves and restores the
    // exception state on every call (measured with perf: a few percent of a read). A name
    // is a `str`, so the lookup cannot fail; if it ever did, the error is cleared and the
    // slow path answers.
    unsafe {
        let child = ffi::PyDict_GetItemWithError(children, name);
        if child.is_null() {
            if !ffi::PyErr_Occurred().is_null() {
                ffi::PyErr_Clear();
            }
            return child;
        }
        ffi::Py_IncRef(child);
        child
    }
}

/// The PyO3 `tp_getattro` of the base class recorded in `fast`, or the generic lookup.
///
/// # Safety
/// Called from a `tp_getattro` slot with its own arguments, `slf` an instance of the subtype
/// `fast` describes.
pub unsafe fn fallback_getattro(
    fast: &PyOnceLock<FastType>,
    py: Python<'_>,
    slf: *mut ffi::PyObject,
    name: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    match fast.get(py) {
        // SAFETY: the base slot is PyO3's getattro for the base class, valid for instances
        // of its subtypes, called with the arguments the interpreter gave us.
        Some(fast) => unsafe { (fast.base_getattro)(slf, name) },
        // SAFETY: generic lookup on a live object with a live name.
        None => unsafe { ffi::PyObject_GenericGetAttr(slf, name) },
    }
}

/// The `tp_call` of the `hp.scope` subtype: `hp.scope(*items, **overrides)` without the
/// generic argument handling (the interpreter's tuple and dict are used as they are).
///
/// # Safety
/// Called by the interpreter only, with the thread attached, `slf` an instance of the scope
/// subtype, `args` a tuple and `kwargs` a dict or NULL.
unsafe extern "C" fn fast_scope_call(
    slf: *mut ffi::PyObject,
    args: *mut ffi::PyObject,
    kwargs: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the interpreter calls type slots with the thread attached.
    let py = unsafe { Python::assume_attached() };
    // SAFETY: `slf` is an instance of the scope subtype, `args` a tuple and `kwargs` a dict
    // when not NULL, all alive for the call (the tp_call contract).
    let (scope, args, kwargs) = unsafe {
        (
            Borrowed::from_ptr(py, slf).cast_unchecked::<Scope>(),
            Borrowed::from_ptr(py, args).cast_unchecked::<PyTuple>(),
            (!kwargs.is_null()).then(|| Borrowed::from_ptr(py, kwargs).cast_unchecked::<PyDict>()),
        )
    };
    slot_boundary(py, || {
        let built = scope.get().__call__(py, &args, kwargs.as_deref())?;
        Ok(Bound::new(py, built)?.into_ptr())
    })
}

/// The boundary of a C-level slot: the object `body` returns, or NULL with its error raised
/// (a panic raised as a `RuntimeError`, never unwinding into the interpreter).
#[inline]
pub fn slot_boundary(
    py: Python<'_>,
    body: impl FnOnce() -> PyResult<*mut ffi::PyObject>,
) -> *mut ffi::PyObject {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(object)) => object,
        Ok(Err(err)) => {
            err.restore(py);
            std::ptr::null_mut()
        }
        Err(_) => {
            pyo3::exceptions::PyRuntimeError::new_err("internal error in hyperparameter (panic)")
                .restore(py);
            std::ptr::null_mut()
        }
    }
}

/// A subtype of `base` named `name` with the slots `extra` added.
pub fn make_subtype(
    py: Python<'_>,
    base: Bound<'_, PyType>,
    name: &'static std::ffi::CStr,
    extra: &[(c_int, *mut c_void)],
) -> PyResult<FastType> {
    // SAFETY: `base` is a live heap type (PyO3 classes are heap types, for which
    // PyType_GetSlot is defined); the result is the slot's function pointer or NULL.
    let base_getattro = unsafe {
        ffi::PyType_GetSlot(
            base.as_ptr().cast::<ffi::PyTypeObject>(),
            ffi::Py_tp_getattro,
        )
    };
    if base_getattro.is_null() {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "the base class has no getattro slot",
        ));
    }
    // SAFETY: a non-null tp_getattro slot has the getattrofunc signature.
    let base_getattro: ffi::getattrofunc = unsafe { std::mem::transmute(base_getattro) };
    let mut slots: Vec<ffi::PyType_Slot> = extra
        .iter()
        .map(|&(slot, pfunc)| ffi::PyType_Slot { slot, pfunc })
        .collect();
    slots.push(ffi::PyType_Slot {
        slot: 0,
        pfunc: std::ptr::null_mut(),
    });
    let mut spec = ffi::PyType_Spec {
        name: name.as_ptr(),
        basicsize: 0,
        itemsize: 0,
        flags: ffi::Py_TPFLAGS_DEFAULT as c_uint,
        slots: slots.as_mut_ptr(),
    };
    let bases = PyTuple::new(py, [base])?;
    // SAFETY: the spec and slots are valid for the call (the interpreter copies them; the
    // name is a 'static C string), and `bases` is a live tuple of one heap type.
    let subtype = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyType_FromSpecWithBases(&mut spec, bases.as_ptr()))?
    };
    Ok(FastType {
        subtype: subtype.cast_into::<PyType>()?.unbind(),
        base_getattro,
    })
}

/// Creates the scope subtype (called once, from the module initialisation).
pub fn init(py: Python<'_>) -> PyResult<()> {
    FAST_SCOPE.get_or_try_init(py, || {
        make_subtype(
            py,
            py.get_type::<Scope>(),
            c"hyperparameter._native.Scope",
            &[
                (ffi::Py_tp_getattro, fast_scope_getattro as *mut c_void),
                (ffi::Py_tp_call, fast_scope_call as *mut c_void),
            ],
        )
    })?;
    Ok(())
}

/// `hp.scope`: the global scope, as an instance of the fast subtype.
pub fn new_global_scope(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let fast = FAST_SCOPE
        .get(py)
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("fast types not initialised"))?;
    let scope = fast.subtype.bind(py).call0()?;
    scope.cast::<Scope>()?.get().make_global();
    Ok(scope)
}
