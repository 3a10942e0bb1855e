//! Which frame a Python context sees: keeping the thread's cursor in step with
//! `contextvars`, so asyncio tasks are isolated while native code reads one store.
//!
//! The core keeps, per thread, a cursor whose current frame is what every read sees (Rust,
//! C++ and Python alike). Python adds a second notion of "where am I": the `contextvars`
//! context, which asyncio switches at every `await`. The two are reconciled like this:
//!
//! * A `ContextVar` holds a [`FrameHandle`]: the frame Python last made current in that
//!   context. Every operation that changes the view from Python (write, enter, exit, clear,
//!   init) ends by storing a handle to the cursor's new current frame in it.
//! * A thread-local remembers the handle Python last synchronised to (`expect`) and the
//!   frame the thread had at its first Python access (`first`).
//! * Every Python operation starts by reading the variable. The same object as `expect`
//!   (pointer identity) means no context switch happened: the cursor is left as it is, so
//!   scopes that native code entered around a Python call stay visible to it. A different
//!   object means another context is running: the cursor moves to that handle's frame (or to
//!   `first` when the context has never set the variable).
//!
//! Because a context variable holds the frame, the frame is shared, and the core's
//! copy-on-write rule applies: a task writing to a scope it inherited gets its own copy of
//! that frame (same scope identity), so nothing it writes reaches its parent or siblings.
//!
//! A write must not copy the frame when nothing but this context can see it, or writing n
//! keys one by one would cost O(n²). So a write ([`publish_write`]) first points the
//! variable at a new, still empty handle and lets go of the previous one: a context copied
//! from this one (an asyncio task created since the last write) still holds the previous
//! handle, which keeps the frame shared, and the write copies it; otherwise the handle is
//! freed, the cursor holds the frame alone, and the write changes it in place.

use std::cell::RefCell;
use std::ffi::c_int;
use std::sync::{Arc, OnceLock};

use hyperparameter::storage::{with_cursor, Cursor, Frame};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// A frame held by a Python context variable (opaque to Python code).
#[pyclass(frozen, module = "hyperparameter._native")]
pub struct FrameHandle {
    /// Set when the handle is made, or (for [`publish_write`]) once the write is done.
    frame: OnceLock<Arc<Frame>>,
}

impl FrameHandle {
    fn holding(frame: Arc<Frame>) -> FrameHandle {
        FrameHandle {
            frame: OnceLock::from(frame),
        }
    }

    /// The frame this handle stands for (`None` only while a write is filling it).
    pub fn frame(&self) -> Option<&Arc<Frame>> {
        self.frame.get()
    }
}

struct ContextVar {
    var: Py<PyAny>,
}

type ContextVarGet =
    unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject, *mut *mut ffi::PyObject) -> c_int;
type ContextVarSet =
    unsafe extern "C" fn(*mut ffi::PyObject, *mut ffi::PyObject) -> *mut ffi::PyObject;

/// CPython's context-variable functions `PyContextVar_Get` and `PyContextVar_Set`.
struct ContextVarApi {
    get: ContextVarGet,
    set: ContextVarSet,
}

/// The context-variable C API of the running interpreter. It is no part of the limited API
/// (of any version), so it is looked up by name once, not linked: every CPython since 3.7
/// exports it, and calling it directly is what keeps the read path fast (a Python-level
/// `var.get()` call costs more than the whole read). `None` where it is missing: then the
/// variable's `get` and `set` methods are called instead (docs/packaging.md).
fn context_var_api() -> Option<&'static ContextVarApi> {
    static API: OnceLock<Option<ContextVarApi>> = OnceLock::new();
    API.get_or_init(|| {
        let get = crate::symbols::interpreter_symbol(c"PyContextVar_Get");
        let set = crate::symbols::interpreter_symbol(c"PyContextVar_Set");
        if get.is_null() || set.is_null() {
            return None;
        }
        // SAFETY: the names denote `int PyContextVar_Get(PyObject *, PyObject *, PyObject **)`
        // and `PyObject *PyContextVar_Set(PyObject *, PyObject *)` in every CPython that
        // exports them; function and data pointers have the same size on the platforms with
        // `dlsym`.
        unsafe {
            Some(ContextVarApi {
                get: std::mem::transmute::<*mut std::ffi::c_void, ContextVarGet>(get),
                set: std::mem::transmute::<*mut std::ffi::c_void, ContextVarSet>(set),
            })
        }
    })
    .as_ref()
}

impl ContextVar {
    /// The variable's value in the running context (`None` when unset).
    #[inline]
    fn get<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let Some(api) = context_var_api() else {
            return self.var.bind(py).call_method0(pyo3::intern!(py, "get"));
        };
        let mut value: *mut ffi::PyObject = std::ptr::null_mut();
        // SAFETY: `self.var` is a live ContextVar (created in `context_var`), the thread is
        // attached (we hold `py`), a null default means "use the variable's own default"
        // (None), and on success `value` receives a new reference that we take ownership of.
        unsafe {
            if (api.get)(self.var.as_ptr(), std::ptr::null_mut(), &mut value) < 0 {
                return Err(PyErr::fetch(py));
            }
            Bound::from_owned_ptr_or_err(py, value)
        }
    }

    /// Sets the variable in the running context.
    #[inline]
    fn set(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let Some(api) = context_var_api() else {
            return self
                .var
                .bind(py)
                .call_method1(pyo3::intern!(py, "set"), (value,))
                .map(drop);
        };
        // SAFETY: both objects are alive for the call and the thread is attached; the result
        // is a new reference to a Token (or NULL with an exception set), released here.
        unsafe {
            let token = (api.set)(self.var.as_ptr(), value.as_ptr());
            Bound::from_owned_ptr_or_err(py, token).map(drop)
        }
    }
}

static CONTEXT_VAR: PyOnceLock<ContextVar> = PyOnceLock::new();

fn context_var(py: Python<'_>) -> PyResult<&'static ContextVar> {
    CONTEXT_VAR.get_or_try_init(py, || {
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("default", py.None())?;
        let var = py
            .import("contextvars")?
            .getattr("ContextVar")?
            .call(("hyperparameter.frame",), Some(&kwargs))?;
        Ok(ContextVar { var: var.unbind() })
    })
}

struct ThreadState {
    /// The context-variable value Python last synchronised to; `None` before the first access.
    expect: Option<Py<PyAny>>,
    /// The thread's frame at its first Python access: what a context that never set the
    /// variable sees.
    first: Option<Arc<Frame>>,
}

thread_local! {
    static THREAD: RefCell<ThreadState> = const {
        RefCell::new(ThreadState { expect: None, first: None })
    };
}

/// Moves this thread's cursor to the frame of the running Python context, then runs `f`.
///
/// `f` runs with the cursor borrowed: it must not call back into Python code that could
/// touch the store.
#[inline]
pub fn with_synced<R>(py: Python<'_>, f: impl FnOnce(&mut Cursor) -> R) -> PyResult<R> {
    sync(py)?;
    Ok(with_cursor(f))
}

/// Moves this thread's cursor to the frame of the running Python context (see the module
/// docs): nothing to do when no context switch happened since the last synchronisation.
#[inline]
pub fn sync(py: Python<'_>) -> PyResult<()> {
    let var = context_var(py)?;
    let current = var.get(py)?;
    let replaced = THREAD.with(|state| {
        let mut state = state.borrow_mut();
        if state.first.is_none() {
            state.first = Some(with_cursor(|cursor| cursor.current()));
        }
        let in_step = match &state.expect {
            Some(expect) => expect.as_ptr() == current.as_ptr(),
            None => current.is_none(),
        };
        if in_step {
            return None;
        }
        let held = current
            .cast::<FrameHandle>()
            .ok()
            .and_then(|handle| handle.get().frame().cloned());
        let target = match held {
            Some(frame) => frame,
            None => state
                .first
                .clone()
                .expect("the first frame is recorded above"),
        };
        with_cursor(|cursor| cursor.move_to(&target));
        // Dropped outside the borrow: releasing a handle may run arbitrary `__del__` code.
        state.expect.replace(current.unbind())
    });
    drop(replaced);
    Ok(())
}

/// Records the cursor's current frame as this context's frame (after Python changed it).
pub fn publish(py: Python<'_>) -> PyResult<()> {
    let frame = with_cursor(|cursor| cursor.current());
    let handle = Py::new(py, FrameHandle::holding(frame))?.into_any();
    publish_handle(py, handle)
}

/// Runs the write `f` on the cursor of the running context (already synchronised), then
/// records the new frame as the context's, copying the frame only when another context can
/// see it (see the module docs).
pub fn publish_write<R>(py: Python<'_>, f: impl FnOnce(&mut Cursor) -> R) -> PyResult<R> {
    let handle = Py::new(
        py,
        FrameHandle {
            frame: OnceLock::new(),
        },
    )?;
    context_var(py)?.set(py, handle.bind(py).as_any())?;
    let previous = THREAD.with(|state| {
        state
            .borrow_mut()
            .expect
            .replace(handle.clone_ref(py).into_any())
    });
    // Freed here unless a copied context still holds it; then the write copies the frame.
    drop(previous);
    let (result, frame) = with_cursor(|cursor| {
        let result = f(cursor);
        (result, cursor.current())
    });
    // The handle is new and has not been filled: this cannot fail.
    let _ = handle.get().frame.set(frame);
    Ok(result)
}

/// Stores `handle` (whose frame is the cursor's current one) as this context's frame.
pub fn publish_handle(py: Python<'_>, handle: Py<PyAny>) -> PyResult<()> {
    context_var(py)?.set(py, handle.bind(py))?;
    let replaced = THREAD.with(|state| state.borrow_mut().expect.replace(handle));
    drop(replaced);
    Ok(())
}

/// The handle of the frame the running context last published, without synchronising the
/// cursor (cheaper, for code that only keeps it); `None` when the context never set one.
pub fn context_handle(py: Python<'_>) -> PyResult<Option<Py<FrameHandle>>> {
    let current = context_var(py)?.get(py)?;
    Ok(current
        .cast_into_exact::<FrameHandle>()
        .ok()
        .map(|handle| handle.unbind()))
}

/// The context-variable value Python is in step with on this thread.
pub fn expected(py: Python<'_>) -> Option<Py<PyAny>> {
    THREAD.with(|state| state.borrow().expect.as_ref().map(|h| h.clone_ref(py)))
}

/// The C ABI's before-access hook (installed at module init): before a C or C++ reader
/// (`GET_PARAM`, `hp_get_*`, `WITH_PARAMS`, ...) touches the store, moves the thread's cursor
/// to the running Python context's frame, exactly as a Python read would. Without it, C++
/// code called from an asyncio task right after an `await` would still see the scopes of the
/// task that ran before.
///
/// It acts only on a thread that is attached to Python (holds the GIL) at that moment:
/// * A thread Python has never seen has no Python context to follow.
/// * A thread that released the GIL (a `ctypes.CDLL` call, `Py_BEGIN_ALLOW_THREADS`) cannot
///   switch asyncio tasks until it re-attaches, so its view is the one Python left. Taking
///   the GIL there would make every native read contend for it, and would deadlock when the
///   thread holding the GIL waits on a lock this thread holds.
///
/// Where the interpreter's current-thread-state function cannot be found (see
/// [`current_thread_state`]), a thread with a Python thread state attaches instead.
pub fn sync_native_caller() {
    // SAFETY: `PyGILState_GetThisThreadState` only reads this thread's thread-local slot of
    // the GIL-state API; it may be called on any thread, attached or not, and does not require
    // the GIL. The module's init installed this hook, so the interpreter was initialised.
    let this_thread = unsafe { ffi::PyGILState_GetThisThreadState() };
    if this_thread.is_null() {
        return;
    }
    let Some(current) = current_thread_state() else {
        Python::attach(sync_or_report);
        return;
    };
    // SAFETY: the function returns the calling thread's attached thread state, or null; it
    // has no preconditions (CPython documents it as callable without the GIL).
    if unsafe { current() } != this_thread {
        return;
    }
    // SAFETY: the thread is attached (its current thread state is its own, checked just
    // above), and it is attached whenever the token is used: Python code that `sync` may run
    // (the first import of `contextvars`, the unraisable hook) returns with the thread attached
    // again. The token does not escape `sync_or_report`. (PyO3 does not count this attachment
    // as its own, so an object released here has its reference count dropped at PyO3's next
    // attach: harmless.)
    sync_or_report(unsafe { Python::assume_attached() });
}

/// Runs `f` when this thread is attached to the interpreter (native code called from Python
/// code, the GIL held), else does nothing: taking the GIL from a thread that released it,
/// or that Python does not know, could deadlock (see [`sync_native_caller`]).
pub fn if_attached(f: impl FnOnce(Python<'_>)) {
    // SAFETY: as in `sync_native_caller`: this reads the thread's GIL-state slot only.
    let this_thread = unsafe { ffi::PyGILState_GetThisThreadState() };
    if this_thread.is_null() {
        return;
    }
    let Some(current) = current_thread_state() else {
        return;
    };
    // SAFETY: the function returns the calling thread's attached thread state, or null.
    if unsafe { current() } != this_thread {
        return;
    }
    // SAFETY: the thread is attached (checked just above) for as long as `f` runs, and the
    // token does not escape `f`.
    f(unsafe { Python::assume_attached() });
}

fn sync_or_report(py: Python<'_>) {
    if let Err(err) = sync(py) {
        // The hook cannot fail the C call; the reader then sees the cursor as it is.
        err.write_unraisable(py, None);
    }
}

type CurrentThreadState = unsafe extern "C" fn() -> *mut ffi::PyThreadState;

/// CPython's "current thread state, or null" function: `PyThreadState_GetUnchecked`
/// (3.13+), named `_PyThreadState_UncheckedGet` before (3.5.2–3.12). Neither is in the
/// limited API the module is built for, so it is looked up in the running interpreter once.
/// `None` where it is missing (or on platforms without `dlsym`).
fn current_thread_state() -> Option<CurrentThreadState> {
    static FUNCTION: std::sync::OnceLock<Option<CurrentThreadState>> = std::sync::OnceLock::new();
    *FUNCTION.get_or_init(lookup_current_thread_state)
}

fn lookup_current_thread_state() -> Option<CurrentThreadState> {
    let names = [
        c"PyThreadState_GetUnchecked",
        c"_PyThreadState_UncheckedGet",
    ];
    names.into_iter().find_map(|name| {
        let address = crate::symbols::interpreter_symbol(name);
        // SAFETY: both names denote `PyThreadState *(void)` in every CPython that exports
        // them; function and data pointers have the same size on the platforms with
        // `dlsym`.
        (!address.is_null()).then(|| unsafe {
            std::mem::transmute::<*mut std::ffi::c_void, CurrentThreadState>(address)
        })
    })
}

/// Starts this thread afresh from the global snapshot (see
/// [`hyperparameter::storage::restart_thread`]), the running context included.
pub fn restart_thread(py: Python<'_>) -> PyResult<()> {
    hyperparameter::storage::restart_thread();
    let root = with_cursor(|cursor| cursor.current());
    let replaced = THREAD.with(|state| state.borrow_mut().first.replace(root));
    drop(replaced);
    publish(py)
}
