//! Where Python code set a value: the file and line of the code that called into the
//! module (`hp.scope(...)`, `hp.scope.x = v`), recorded as the value's source so that a
//! failed typed read names it.
//!
//! Building a scope is on the hot path, so the capture is cheap: the interpreter's current
//! frame, its line number, and the file name of its code object, which is looked up once per
//! code object and kept (one entry per thread: a loop that builds scopes hits it every time).
//! File names are interned for the life of the process (a program has a bounded number of
//! source files), so copying a source copies a pointer, without reference counting.
//! Calls made by the package itself (the command line, `hp.config`) record their own sources
//! and are left as they are.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::ffi::c_int;
use std::sync::Mutex;

use hyperparameter::{Source, Text};
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

extern "C" {
    // `PyEval_GetFrame` is in the limited API; `PyFrame_GetLineNumber` is from 3.10 on, and
    // CPython 3.8 and 3.9 export it with the same signature (checked by
    // `scripts/check_abi3.py --python`, docs/packaging.md).
    fn PyEval_GetFrame() -> *mut ffi::PyObject;
    fn PyFrame_GetLineNumber(frame: *mut ffi::PyObject) -> c_int;
}

/// The last call site seen on this thread: its code object, that code's file name (`None`
/// for the package's own files), and the line of the last instruction offset seen in it.
/// Computing a line walks the code's line table, which costs more than the rest of the
/// capture: a loop building scopes at one place computes it once.
struct LastCode {
    code: Py<PyAny>,
    file: Option<Text>,
    /// `(instruction offset, line)`, when the interpreter reports offsets.
    line: Option<(c_int, c_int)>,
}

thread_local! {
    static LAST_CODE: RefCell<Option<LastCode>> = const { RefCell::new(None) };
}

static PACKAGE_DIR: PyOnceLock<String> = PyOnceLock::new();

/// The directory of the `hyperparameter` package, with a trailing separator.
fn package_dir(py: Python<'_>) -> &str {
    PACKAGE_DIR.get_or_init(py, || {
        let file = py
            .import("hyperparameter")
            .and_then(|module| module.getattr("__file__"))
            .and_then(|file| file.extract::<String>());
        match file {
            Ok(file) => match file.rfind(std::path::MAIN_SEPARATOR) {
                Some(end) => file[..=end].to_string(),
                None => String::new(),
            },
            // Not importable (a test of the module alone): no file is the package's.
            Err(_) => "\0".to_string(),
        }
    })
}

type GetCode = unsafe extern "C" fn(*mut ffi::PyObject) -> *mut ffi::PyObject;

/// `PyFrame_GetCode` (3.9+), which is much cheaper than the `f_code` attribute.
fn get_code_function() -> Option<GetCode> {
    static FUNCTION: std::sync::OnceLock<Option<GetCode>> = std::sync::OnceLock::new();
    *FUNCTION.get_or_init(|| {
        let address = crate::symbols::interpreter_symbol(c"PyFrame_GetCode");
        // SAFETY: the name denotes `PyCodeObject *PyFrame_GetCode(PyFrameObject *)` in every
        // CPython that exports it; function and data pointers have the same size on the
        // platforms with `dlsym`.
        (!address.is_null())
            .then(|| unsafe { std::mem::transmute::<*mut std::ffi::c_void, GetCode>(address) })
    })
}

type GetLasti = unsafe extern "C" fn(*mut ffi::PyObject) -> c_int;

/// `PyFrame_GetLasti` (3.11+): the running instruction's offset, a few loads.
fn get_lasti_function() -> Option<GetLasti> {
    static FUNCTION: std::sync::OnceLock<Option<GetLasti>> = std::sync::OnceLock::new();
    *FUNCTION.get_or_init(|| {
        let address = crate::symbols::interpreter_symbol(c"PyFrame_GetLasti");
        // SAFETY: the name denotes `int PyFrame_GetLasti(PyFrameObject *)` in every CPython
        // that exports it; function and data pointers have the same size on the platforms
        // with `dlsym`.
        (!address.is_null())
            .then(|| unsafe { std::mem::transmute::<*mut std::ffi::c_void, GetLasti>(address) })
    })
}

/// The code object of a running frame.
fn frame_code<'py>(frame: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
    match get_code_function() {
        // SAFETY: `frame` is a live frame object and the thread is attached; the function
        // returns a new reference to its code object (never null for a frame).
        Some(get_code) => unsafe {
            Bound::from_owned_ptr_or_opt(frame.py(), get_code(frame.as_ptr()))
        },
        None => frame.getattr(intern!(frame.py(), "f_code")).ok(),
    }
}

/// The one `'static` copy of a source file's name.
fn intern(name: String) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    // Bounded by the number of source files the program runs code from.
    let name: &'static str = Box::leak(name.into_boxed_str());
    names.insert(name);
    name
}

/// `code at FILE:LINE` for the Python code running now, or [`Source::Unknown`] when no
/// Python frame is running or the caller is the package itself.
pub fn call_site(py: Python<'_>) -> Source {
    site(py).unwrap_or_default()
}

fn site(py: Python<'_>) -> Option<Source> {
    // SAFETY: the thread is attached (we hold `py`); the function returns a borrowed
    // reference to the running frame or null, valid while that frame runs, which spans this
    // call since we do not return to Python code before using it.
    let frame = unsafe { PyEval_GetFrame() };
    if frame.is_null() {
        return None;
    }
    // SAFETY: `frame` is a live frame object (above); borrowing it for this call is sound.
    let frame = unsafe { Bound::from_borrowed_ptr(py, frame) };
    let code = frame_code(&frame)?;
    // Before borrowing the cache: the first call imports the package.
    let package = package_dir(py);
    // SAFETY: `frame` is a live frame object and the thread is attached.
    let lasti = get_lasti_function().map(|get_lasti| unsafe { get_lasti(frame.as_ptr()) });
    // SAFETY: as above.
    let line_of_frame = || unsafe { PyFrame_GetLineNumber(frame.as_ptr()) };
    let (file, line) = LAST_CODE.with(|last| {
        let mut last = last.borrow_mut();
        if let Some(seen) = last.as_mut() {
            if seen.code.as_ptr() == code.as_ptr() {
                let line = match (seen.line, lasti) {
                    (Some((offset, line)), Some(now)) if offset == now => line,
                    _ => {
                        let line = line_of_frame();
                        seen.line = lasti.map(|offset| (offset, line));
                        line
                    }
                };
                return Some((seen.file.clone(), line));
            }
        }
        let name: String = code
            .getattr(intern!(py, "co_filename"))
            .ok()?
            .extract()
            .ok()?;
        let file = (!name.starts_with(package)).then(|| Text::Static(intern(name)));
        let line = line_of_frame();
        *last = Some(LastCode {
            code: code.clone().unbind(),
            file: file.clone(),
            line: lasti.map(|offset| (offset, line)),
        });
        Some((file, line))
    })?;
    let file = file?;
    Some(Source::Code {
        file,
        line: u32::try_from(line).unwrap_or(0),
    })
}
