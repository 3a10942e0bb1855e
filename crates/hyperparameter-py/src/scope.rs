//! `hp.scope` and scope objects (`with hp.scope(...) as ps`).
//!
//! A scope object holds its own overrides and, for every place it is currently entered,
//! the id of the core scope that entering created. Where it stands relative to the running
//! context decides what it reads and whether it may be written:
//!
//! * innermost active scope: reads and writes go to the thread's view;
//! * active with another scope inside it: reads see the view at its own level, writes are
//!   an error (they would be invisible or surprising);
//! * not entered here: reads see its overrides over the current view (only its overrides
//!   for `hp.scope.empty(...)`), writes change its overrides.
//!
//! `hp.scope` itself is the *global* scope object: it always reads and writes the innermost
//! active scope of the running thread/task, and calling it builds a new scope object.

use std::sync::{Arc, Mutex, MutexGuard};

use hyperparameter::storage::{with_cursor, Cursor, EntryMap, Frame, ScopeId};
use hyperparameter::{Entry, Error, Key, Source, Value};
use pyo3::exceptions::{PyAttributeError, PyGeneratorExit, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::accessor::Accessor;
use crate::context::{
    context_handle, expected, publish, publish_handle, publish_write, sync, with_synced,
    FrameHandle,
};
use crate::errors::{exception, scope_error, CoreError, ExceptionClass};
use crate::site::call_site;
use crate::values::{
    convert_entry, finish, from_value, key_text, key_utf8, non_str_key, to_value, too_deep, utf8,
    ReadTarget, MAX_DEPTH,
};

/// Names that are methods on `hp.scope` and scope objects; reach keys with these names
/// as `ps["keys"]`.
pub const RESERVED: &[&str] = &[
    "keys", "items", "values", "to_dict", "clear", "empty", "frozen", "init", "current", "update",
    "get", "put",
];

/// Children cached per object: enough for the names a program uses, bounded for programs
/// that build names dynamically.
pub const CHILD_CACHE_LIMIT: usize = 64;

/// `_0`, `_12`: ordinary key segments, although they start with `_`.
fn is_index_segment(name: &str) -> bool {
    name.len() > 1 && name.starts_with('_') && name[1..].bytes().all(|b| b.is_ascii_digit())
}

/// Whether the first attribute `name` of a scope object is an attribute (method, dunder,
/// private name) rather than a key.
pub fn is_scope_attribute(name: &str) -> bool {
    RESERVED.contains(&name) || (name.starts_with('_') && !is_index_segment(name))
}

/// Python's own attribute lookup, bypassing `__getattribute__` overrides.
pub fn generic_getattr<'py>(
    obj: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: both pointers come from live `Bound` references held across the call, the
    // thread is attached to the interpreter (we have `Python<'py>`), and
    // PyObject_GenericGetAttr returns a new reference or NULL with an exception set, which
    // `from_owned_ptr_or_err` turns into the matching result.
    unsafe {
        let ptr = ffi::PyObject_GenericGetAttr(obj.as_ptr(), name.as_ptr());
        Bound::from_owned_ptr_or_err(obj.py(), ptr)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Global,
    Object,
}

struct ScopeState {
    overrides: EntryMap,
    inherit: bool,
    /// The places this object is entered (any thread or task): the core scope id and the
    /// context's frame handle before entering, so that leaving can reuse it instead of
    /// allocating. The entered frame itself is not held here: a write into it must find it
    /// unshared to change it in place.
    active: Vec<(ScopeId, Option<Py<PyAny>>)>,
    /// The view where the object was built or last entered: what it pickles as (with its
    /// own overrides), whichever thread pickles it.
    origin: Origin,
}

/// Where a scope object was built or last entered.
enum Origin {
    /// Built in a context that never published a frame (it sees the thread's start).
    Unknown,
    /// Built here: the handle of the context's frame (cheaper to take than the frame).
    Built(Py<FrameHandle>),
    /// Entered on this frame.
    Entered(Arc<Frame>),
}

impl Origin {
    fn frame(&self, py: Python<'_>) -> Option<Arc<Frame>> {
        match self {
            Origin::Unknown => None,
            Origin::Built(handle) => handle.bind(py).get().frame().cloned(),
            Origin::Entered(frame) => Some(frame.clone()),
        }
    }
}

impl ScopeState {
    fn is_active(&self, id: ScopeId) -> bool {
        self.active.iter().any(|active| active.0 == id)
    }
}

/// Where a scope object stands relative to the running context's view.
enum Position {
    Innermost,
    Below(Arc<Frame>),
    Outside,
}

fn position(state: &ScopeState, cursor: &mut Cursor) -> Position {
    if state.active.is_empty() {
        return Position::Outside;
    }
    let top = cursor.current();
    if state.is_active(top.scope_id()) {
        return Position::Innermost;
    }
    let mut frame = top.parent();
    while let Some(current) = frame {
        if state.is_active(current.scope_id()) {
            return Position::Below(current.clone());
        }
        frame = current.parent();
    }
    Position::Outside
}

fn insert_checked(map: &mut EntryMap, hash: u64, entry: Entry) -> Result<(), Error> {
    if let Some(existing) = map.get(&hash) {
        if existing.key != entry.key {
            return Err(Error::HashCollision {
                key: entry.key.to_string(),
                existing: existing.key.to_string(),
            });
        }
    }
    map.insert(hash, entry);
    Ok(())
}

static MAPPING_ABC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn is_mapping(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    let mapping = MAPPING_ABC.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("collections.abc")?.getattr("Mapping")?.unbind())
    })?;
    obj.is_instance(mapping.bind(py))
}

/// One `(key, value)` item of a mapping.
type Item<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>);

/// The items of `value` when it is a non-empty mapping whose items are to be flattened into
/// dotted keys; `None` for any other value (stored as it is).
fn mapping_items<'py>(value: &Bound<'py, PyAny>) -> PyResult<Option<Vec<Item<'py>>>> {
    let plain = value.is_none()
        || value.is_exact_instance_of::<PyInt>()
        || value.is_exact_instance_of::<PyFloat>()
        || value.is_exact_instance_of::<PyString>()
        || value.is_exact_instance_of::<PyBool>();
    if plain {
        return Ok(None);
    }
    let items = if let Ok(dict) = value.cast::<PyDict>() {
        if dict.is_empty() {
            return Ok(None);
        }
        dict.items().into_any()
    } else if !value.is_instance_of::<PyString>() && is_mapping(value)? {
        value.call_method0("items")?
    } else {
        return Ok(None);
    };
    let mut pairs = Vec::new();
    for item in items.try_iter()? {
        pairs.push(item?.extract()?);
    }
    Ok((!pairs.is_empty()).then_some(pairs))
}

/// A mapping being flattened: its dotted path, its remaining items and how deep it sits.
struct Pending<'py> {
    path: String,
    items: std::vec::IntoIter<Item<'py>>,
    depth: usize,
}

/// Adds `value` under `key`, flattening (nested) mappings into dotted keys, with `source`.
///
/// The walk keeps its own stack instead of recursing, and refuses mappings nested deeper
/// than the configuration depth bound (a mapping that contains itself nests without end):
/// a `TypeError` naming the path, never a crash.
fn add_flattened(
    map: &mut EntryMap,
    key: &str,
    value: &Bound<'_, PyAny>,
    source: &Source,
) -> PyResult<()> {
    let Some(items) = mapping_items(value)? else {
        // The common case, a plain value: no walk.
        return add_leaf(map, key, value, source);
    };
    if MAX_DEPTH <= 1 {
        return Err(too_deep(key));
    }
    let mut stack: Vec<Pending<'_>> = vec![Pending {
        path: key.to_string(),
        items: items.into_iter(),
        depth: 1,
    }];
    let mut next: Option<(String, Bound<'_, PyAny>, usize)> = None;
    loop {
        if let Some((path, value, depth)) = next.take() {
            match mapping_items(&value)? {
                Some(items) => {
                    if depth >= MAX_DEPTH {
                        return Err(too_deep(&path));
                    }
                    stack.push(Pending {
                        path,
                        items: items.into_iter(),
                        depth,
                    });
                }
                None => add_leaf(map, &path, &value, source)?,
            }
        }
        let Some(top) = stack.last_mut() else {
            return Ok(());
        };
        match top.items.next() {
            Some((sub_key, sub_value)) => {
                let sub_key = sub_key
                    .cast::<PyString>()
                    .map_err(|_| non_str_key(&sub_key, Some(&top.path)))?;
                let path = format!("{}.{}", top.path, key_utf8(sub_key)?);
                next = Some((path, sub_value, top.depth + 1));
            }
            None => {
                stack.pop();
            }
        }
    }
}

fn add_leaf(
    map: &mut EntryMap,
    key: &str,
    value: &Bound<'_, PyAny>,
    source: &Source,
) -> PyResult<()> {
    let key = Key::new(key).map_err(CoreError)?;
    let entry = Entry {
        key: key.text().clone(),
        value: to_value(value),
        source: source.clone(),
        read_mark: Default::default(),
    };
    insert_checked(map, key.hash(), entry).map_err(CoreError)?;
    Ok(())
}

/// The text of a `key=value` item given from Python: `DefineError` when it holds a lone
/// surrogate (it is not valid Unicode text).
pub fn define_utf8<'a>(item: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    utf8(item).map_err(|_| crate::values::not_text(item, ExceptionClass::Define, "value"))
}

/// Adds a `key=value` item, parsed by the core's one parser ([`hyperparameter::parse_define`]);
/// like every value set in code, it is recorded as set at `source`, the caller's line.
fn add_define(map: &mut EntryMap, item: &str, source: &Source) -> PyResult<()> {
    let (key, value) = hyperparameter::parse_define(item).map_err(CoreError)?;
    let entry = Entry {
        key: key.text().clone(),
        value: Value::Str(value.into()),
        source: source.clone(),
        read_mark: Default::default(),
    };
    insert_checked(map, key.hash(), entry).map_err(CoreError)?;
    Ok(())
}

/// The overrides described by `hp.scope(*args, **kwargs)` (or the method `caller`, named in
/// error messages), values set in code recorded as set at the Python caller's line.
fn collect_overrides(
    py: Python<'_>,
    caller: &str,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<EntryMap> {
    let mut map = EntryMap::default();
    let mut source = None;
    for arg in args.iter() {
        if let Ok(item) = arg.cast::<PyString>() {
            let source = source.get_or_insert_with(|| call_site(py));
            add_define(&mut map, define_utf8(item)?, source)?;
        } else if let Ok(scope) = arg.cast::<Scope>() {
            for entry in scope.get().visible(py)? {
                let key = Key::new(entry.key.as_str()).map_err(CoreError)?;
                insert_checked(&mut map, key.hash(), entry).map_err(CoreError)?;
            }
        } else if let Some(entries) = crate::config::scope_entries(&arg)? {
            for entry in entries {
                let key = Key::new(entry.key.as_str()).map_err(CoreError)?;
                insert_checked(&mut map, key.hash(), entry).map_err(CoreError)?;
            }
        } else if arg.is_instance_of::<PyDict>() || is_mapping(&arg)? {
            let source = source.get_or_insert_with(|| call_site(py));
            for item in arg.call_method0("items")?.try_iter()? {
                let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
                add_flattened(&mut map, key_text(&key)?, &value, source)?;
            }
        } else {
            return Err(PyTypeError::new_err(format!(
                "{caller} takes `key=value` strings, mappings or scopes as positional \
                 arguments, got {}",
                arg.get_type().name()?
            )));
        }
    }
    if let Some(kwargs) = kwargs {
        let source = source.get_or_insert_with(|| call_site(py));
        for (key, value) in kwargs.iter() {
            add_flattened(&mut map, key_text(&key)?, &value, source)?;
        }
    }
    Ok(map)
}

fn sorted(map: EntryMap) -> Vec<Entry> {
    let mut entries: Vec<Entry> = map.into_values().collect();
    entries.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    entries
}

/// A scope: `hp.scope` itself (the global one) or an object built by `hp.scope(...)`.
#[pyclass(frozen, subclass, module = "hyperparameter._native", name = "Scope")]
pub struct Scope {
    /// Set once, for `hp.scope` itself (see [`Scope::make_global`]).
    global: std::sync::atomic::AtomicBool,
    state: Mutex<ScopeState>,
    children: PyOnceLock<Py<PyDict>>,
}

impl Scope {
    fn build(kind: Kind, overrides: EntryMap, inherit: bool, origin: Origin) -> Scope {
        Scope {
            global: std::sync::atomic::AtomicBool::new(kind == Kind::Global),
            state: Mutex::new(ScopeState {
                overrides,
                inherit,
                active: Vec::new(),
                origin,
            }),
            children: PyOnceLock::new(),
        }
    }

    /// `hp.scope`.
    pub fn global() -> Scope {
        Scope::build(Kind::Global, EntryMap::default(), true, Origin::Unknown)
    }

    /// A scope object holding `overrides`, built in the running context (whose view it
    /// pickles with).
    pub fn object(py: Python<'_>, overrides: EntryMap, inherit: bool) -> PyResult<Scope> {
        let origin = match context_handle(py)? {
            Some(handle) => Origin::Built(handle),
            None => Origin::Unknown,
        };
        Ok(Scope::build(Kind::Object, overrides, inherit, origin))
    }

    fn kind(&self) -> Kind {
        if self.global.load(std::sync::atomic::Ordering::Relaxed) {
            Kind::Global
        } else {
            Kind::Object
        }
    }

    /// Turns a freshly made scope object into `hp.scope` (module initialisation only).
    pub fn make_global(&self) {
        self.global
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The child cache if it exists yet, for the C-level attribute slot (`crate::fast`).
    pub fn children_ptr(&self, py: Python<'_>) -> Option<*mut pyo3::ffi::PyObject> {
        self.children.get(py).map(|children| children.as_ptr())
    }

    fn state(&self) -> MutexGuard<'_, ScopeState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the entry this scope sees for `hash`/`key`. `f` must not run Python code.
    pub fn with_lookup<R>(
        &self,
        py: Python<'_>,
        hash: u64,
        key: &str,
        f: impl FnOnce(Option<&Entry>) -> R,
    ) -> PyResult<R> {
        match self.kind() {
            Kind::Global => with_synced(py, |cursor| f(cursor.get(hash, key.as_bytes()))),
            Kind::Object => with_synced(py, |cursor| {
                let state = self.state();
                match position(&state, cursor) {
                    Position::Innermost => f(cursor.get(hash, key.as_bytes())),
                    Position::Below(frame) => {
                        f(frame.lookup(hash).filter(|e| e.key.as_str() == key))
                    }
                    Position::Outside => {
                        match state.overrides.get(&hash).filter(|e| e.key.as_str() == key) {
                            Some(entry) => f(Some(entry)),
                            None if state.inherit => f(cursor.get(hash, key.as_bytes())),
                            None => f(None),
                        }
                    }
                }
            }),
        }
    }

    /// Reads `key` converted for `target`; `None` when absent.
    pub fn read(
        &self,
        py: Python<'_>,
        key: &Key,
        target: &ReadTarget,
    ) -> PyResult<Option<Py<PyAny>>> {
        self.read_noting(py, key, target, true)
    }

    /// [`Scope::read`] for inspection (`repr`): not recorded as a read.
    pub fn peek(&self, py: Python<'_>, key: &Key) -> PyResult<Option<Py<PyAny>>> {
        self.read_noting(py, key, &ReadTarget::Raw, false)
    }

    fn read_noting(
        &self,
        py: Python<'_>,
        key: &Key,
        target: &ReadTarget,
        record: bool,
    ) -> PyResult<Option<Py<PyAny>>> {
        let converted = self.with_lookup(py, key.hash(), key.as_str(), |entry| {
            entry
                .map(|entry| convert_entry(py, entry, key.as_str(), target, record))
                .transpose()
        })??;
        converted
            .map(|converted| finish(py, converted, key.as_str(), target))
            .transpose()
    }

    /// Writes one entry to where this scope writes. O(1) amortized: the frame is
    /// copied only when another context can see it (see `crate::context`).
    fn write_entry(&self, py: Python<'_>, hash: u64, entry: Entry) -> PyResult<()> {
        sync(py)?;
        let result = match self.kind() {
            Kind::Global => publish_write(py, |cursor| cursor.put(hash, entry))?,
            Kind::Object => {
                let innermost = with_cursor(|cursor| {
                    let mut state = self.state();
                    match position(&state, cursor) {
                        Position::Innermost => Ok(true),
                        Position::Below(_) => Err(Error::Scope(format!(
                            "cannot write `{}` through this scope while another scope is \
                             active inside it; write to the innermost scope instead \
                             (hp.scope.<key> = value)",
                            entry.key
                        ))),
                        Position::Outside => {
                            insert_checked(&mut state.overrides, hash, entry.clone())?;
                            Ok(false)
                        }
                    }
                })
                .map_err(CoreError)?;
                if !innermost {
                    return Ok(());
                }
                publish_write(py, |cursor| {
                    cursor.put(hash, entry.clone())?;
                    insert_checked(&mut self.state().overrides, hash, entry)
                })?
            }
        };
        result.map_err(|err| CoreError(err).into())
    }

    /// Writes a Python value under `key` (mappings are flattened into dotted keys), recorded
    /// as set at the calling Python line.
    pub fn write(&self, py: Python<'_>, key: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut map = EntryMap::default();
        add_flattened(&mut map, key, value, &call_site(py))?;
        if map.len() == 1 {
            for (hash, entry) in map {
                self.write_entry(py, hash, entry)?;
            }
            return Ok(());
        }
        for entry in sorted(map) {
            let hash = hyperparameter::key_hash(entry.key.as_str());
            self.write_entry(py, hash, entry)?;
        }
        Ok(())
    }

    /// Every entry visible from this scope, sorted by key.
    pub fn visible(&self, py: Python<'_>) -> PyResult<Vec<Entry>> {
        let view = match self.kind() {
            Kind::Global => with_synced(py, |cursor| cursor.visible())?,
            Kind::Object => with_synced(py, |cursor| {
                let state = self.state();
                match position(&state, cursor) {
                    Position::Innermost => cursor.visible(),
                    Position::Below(frame) => frame.flatten(),
                    Position::Outside => {
                        let mut view = if state.inherit {
                            cursor.visible()
                        } else {
                            EntryMap::default()
                        };
                        view.extend(state.overrides.iter().map(|(h, e)| (*h, e.clone())));
                        view
                    }
                }
            })?,
        };
        Ok(sorted(view))
    }

    /// What the scope pickles as: the view visible from it where it stands in the running
    /// context, or, where it is not active, the view where it was built or last entered
    /// with its own overrides over it (never the view of the thread that pickles it: pools
    /// pickle in helper threads).
    fn pickled_view(&self, py: Python<'_>) -> PyResult<Vec<Entry>> {
        if self.kind() == Kind::Global {
            return self.visible(py);
        }
        let origin = self.state().origin.frame(py);
        let view = with_synced(py, |cursor| {
            let state = self.state();
            match position(&state, cursor) {
                Position::Innermost => cursor.visible(),
                Position::Below(frame) => frame.flatten(),
                Position::Outside => {
                    let mut view = match (&origin, state.inherit) {
                        (Some(origin), true) => origin.flatten(),
                        (None, true) => cursor.visible(),
                        (_, false) => EntryMap::default(),
                    };
                    view.extend(state.overrides.iter().map(|(h, e)| (*h, e.clone())));
                    view
                }
            }
        })?;
        Ok(sorted(view))
    }

    fn accessor(slf: &Bound<'_, Scope>, key: Key) -> Accessor {
        Accessor::new(slf.py(), slf.clone().unbind(), key)
    }
}

fn visible_dict<'py>(py: Python<'py>, entries: &[Entry]) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for entry in entries {
        dict.set_item(entry.key.as_str(), from_value(py, &entry.value)?)?;
    }
    Ok(dict)
}

/// A key that holds a value and is also the prefix of another key cannot become a nested dict.
fn nest_error(py: Python<'_>, message: &str, entry: &Entry) -> PyErr {
    let key = PyString::new(py, entry.key.as_str()).into_any();
    exception(py, ExceptionClass::Base, Some(message), &[("key", key)])
}

fn nested_dict<'py>(py: Python<'py>, entries: &[Entry]) -> PyResult<Bound<'py, PyDict>> {
    let root = PyDict::new(py);
    for entry in entries {
        let mut node = root.clone();
        let segments: Vec<&str> = entry.key.as_str().split('.').collect();
        let (last, parents) = segments.split_last().expect("keys are never empty");
        for segment in parents {
            let next = match node.get_item(segment)? {
                Some(existing) => existing.cast_into::<PyDict>().map_err(|_| {
                    let message = format!(
                        "cannot nest `{}`: `{segment}` holds a value and is also a prefix",
                        entry.key
                    );
                    nest_error(py, &message, entry)
                })?,
                None => {
                    let child = PyDict::new(py);
                    node.set_item(segment, &child)?;
                    child
                }
            };
            node = next;
        }
        if node.contains(last)? {
            let message = format!(
                "cannot nest `{}`: it holds a value and is also a prefix",
                entry.key
            );
            return Err(nest_error(py, &message, entry));
        }
        node.set_item(last, from_value(py, &entry.value)?)?;
    }
    Ok(root)
}

#[pymethods]
impl Scope {
    /// `Scope(*items, **overrides)`: the same as `hp.scope(...)`.
    #[new]
    #[pyo3(signature = (*args, **kwargs))]
    fn py_new(
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Scope> {
        Scope::object(py, collect_overrides(py, "Scope()", args, kwargs)?, true)
    }

    /// `hp.scope(*items, **overrides)`: a new scope object (not entered yet).
    #[pyo3(signature = (*args, **kwargs))]
    pub(crate) fn __call__(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Scope> {
        if self.kind() != Kind::Global {
            return Err(PyTypeError::new_err(
                "scope objects are not callable; build new scopes with hp.scope(...)",
            ));
        }
        Scope::object(py, collect_overrides(py, "hp.scope()", args, kwargs)?, true)
    }

    /// `hp.scope.empty(...)`: a scope that does not inherit the one around it.
    #[pyo3(signature = (*args, **kwargs))]
    fn empty(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Scope> {
        Scope::object(
            py,
            collect_overrides(py, "hp.scope.empty()", args, kwargs)?,
            false,
        )
    }

    /// A new scope object holding everything visible now (to carry into a worker).
    fn current(&self, py: Python<'_>) -> PyResult<Scope> {
        let mut map = EntryMap::default();
        for entry in self.visible(py)? {
            map.insert(hyperparameter::key_hash(entry.key.as_str()), entry);
        }
        Scope::object(py, map, true)
    }

    fn __getattribute__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let children = this
            .children
            .get_or_init(py, || PyDict::new(py).unbind())
            .bind(py);
        if let Some(child) = children.get_item(name)? {
            return Ok(child);
        }
        let text = key_utf8(name)?;
        if is_scope_attribute(text) {
            return generic_getattr(slf.as_any(), name);
        }
        let key = Key::new(text).map_err(CoreError)?;
        let child = crate::fast::new_accessor(py, slf.as_any(), &key)?;
        if children.len() < CHILD_CACHE_LIMIT {
            children.set_item(name, &child)?;
        }
        Ok(child)
    }

    fn __setattr__(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let name = key_utf8(name)?;
        if is_scope_attribute(name) {
            return Err(PyAttributeError::new_err(format!(
                "`{name}` is a reserved name on scopes; write the key as ps[{name:?}] = ..."
            )));
        }
        self.write(py, name, value)
    }

    fn __getitem__(slf: &Bound<'_, Self>, key: &Bound<'_, PyAny>) -> PyResult<Accessor> {
        let key = Key::new(key_text(key)?).map_err(CoreError)?;
        Ok(Scope::accessor(slf, key))
    }

    fn __setitem__(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.write(py, key_text(key)?, value)
    }

    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        let key = Key::new(key_text(key)?).map_err(CoreError)?;
        self.with_lookup(py, key.hash(), key.as_str(), |entry| entry.is_some())
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let keys = self.keys(py)?;
        Ok(PyList::new(py, keys)?.into_any().try_iter()?.into_any())
    }

    /// Every key visible from this scope, sorted.
    fn keys(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        Ok(self
            .visible(py)?
            .into_iter()
            .map(|e| e.key.to_string())
            .collect())
    }

    /// The values of [`Scope::keys`], in the same order.
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        self.visible(py)?
            .iter()
            .map(|e| from_value(py, &e.value))
            .collect()
    }

    /// `(key, value)` pairs of everything visible, sorted by key.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        self.visible(py)?
            .iter()
            .map(|e| Ok((e.key.to_string(), from_value(py, &e.value)?)))
            .collect()
    }

    /// Everything visible as a dict with dotted keys, or nested dicts with `nested=True`.
    #[pyo3(signature = (nested = false))]
    fn to_dict<'py>(&self, py: Python<'py>, nested: bool) -> PyResult<Bound<'py, PyDict>> {
        let entries = self.visible(py)?;
        if nested {
            nested_dict(py, &entries)
        } else {
            visible_dict(py, &entries)
        }
    }

    /// `ps.get(key)` reads `key` (missing is a `KeyError`); `ps.get(key, default)` reads
    /// with a default, converted to its type.
    #[pyo3(signature = (key, *default))]
    fn get(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        default: &Bound<'_, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let key = Key::new(key_text(key)?).map_err(CoreError)?;
        crate::accessor::read_with_args(self, py, &key, default)
    }

    /// Writes `value` under `key`.
    fn put(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.write(py, key_text(key)?, value)
    }

    /// Writes every item of a mapping and the keyword arguments.
    #[pyo3(signature = (*args, **kwargs))]
    fn update(
        &self,
        py: Python<'_>,
        args: &Bound<'_, PyTuple>,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        for entry in sorted(collect_overrides(py, "update()", args, kwargs)?) {
            let hash = hyperparameter::key_hash(entry.key.as_str());
            self.write_entry(py, hash, entry)?;
        }
        Ok(())
    }

    /// Removes every value this scope sets (for `hp.scope`: the innermost active scope).
    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        let published = match self.kind() {
            Kind::Global => with_synced(py, |cursor| {
                cursor.clear_current();
                Ok(true)
            })?,
            Kind::Object => with_synced(py, |cursor| {
                let mut state = self.state();
                match position(&state, cursor) {
                    Position::Innermost => {
                        cursor.clear_current();
                        state.overrides.clear();
                        Ok(true)
                    }
                    Position::Below(_) => Err(scope_error(
                        "cannot clear this scope while another scope is active inside it",
                    )),
                    Position::Outside => {
                        state.overrides.clear();
                        Ok(false)
                    }
                }
            })?,
        }?;
        if published {
            publish(py)?;
        }
        Ok(())
    }

    /// Makes the current view the snapshot new threads start from.
    /// Child processes started afterwards start from it too (see `inherit`).
    fn frozen(&self, py: Python<'_>) -> PyResult<()> {
        crate::inherit::freeze(py)
    }

    /// Fills the current thread's root layer with `params` (no scope may be active).
    fn init(&self, py: Python<'_>, params: &Bound<'_, PyAny>) -> PyResult<()> {
        let args = PyTuple::new(py, [params])?;
        let overrides = collect_overrides(py, "hp.scope.init()", &args, None)?;
        sync(py)?;
        if with_cursor(|cursor| cursor.current().parent().is_some()) {
            return Err(scope_error(
                "hp.scope.init() fills the thread's root layer; call it outside any scope",
            )
            .into());
        }
        publish_write(py, |cursor| -> Result<(), Error> {
            for (hash, entry) in overrides {
                cursor.put(hash, entry)?;
            }
            Ok(())
        })?
        .map_err(|err| CoreError(err).into())
    }

    fn __enter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        let this = slf.get();
        if this.kind() == Kind::Global {
            return Err(PyTypeError::new_err(
                "enter a new scope with `with hp.scope(...):`, not `with hp.scope:`",
            ));
        }
        with_synced(py, |cursor| {
            let prior = expected(py);
            let mut state = this.state();
            state.origin = Origin::Entered(cursor.current());
            let frame = cursor.enter_frame(&state.overrides, state.inherit);
            state.active.push((frame.scope_id(), prior));
        })?;
        publish(py)?;
        Ok(slf.clone())
    }

    /// Leaves the scope; it must be the innermost active one (anything else is refused and
    /// changes nothing). A generator holding the scope that is closed or collected while a
    /// later scope is active (`GeneratorExit`) cannot exit it later: the scope then exits as
    /// soon as the scopes entered inside it have exited.
    #[pyo3(signature = (exc_type=None, _exc_value=None, _traceback=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc_value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let closing = match exc_type {
            Some(exc_type) => exc_type
                .cast::<pyo3::types::PyType>()
                .is_ok_and(|t| t.is_subclass_of::<PyGeneratorExit>().unwrap_or(false)),
            None => false,
        };
        type Left = (Option<Py<PyAny>>, Arc<Frame>);
        let exited = with_synced(py, |cursor| -> Result<Option<Left>, CoreError> {
            let mut state = self.state();
            let top = cursor.current();
            let id = top.scope_id();
            match state.active.iter().rposition(|active| active.0 == id) {
                Some(index) => {
                    cursor.exit(id)?;
                    let (_, prior) = state.active.remove(index);
                    if top.written() {
                        // Keep what it holds now, with the writes made while it was entered.
                        state.overrides.clone_from(top.overrides());
                    }
                    // The view is back where it was before entering: reuse that handle.
                    let now = cursor.current();
                    let reuse = prior.filter(|handle| {
                        handle.bind(py).cast::<FrameHandle>().is_ok_and(|handle| {
                            handle.get().frame().is_some_and(|f| Arc::ptr_eq(f, &now))
                        })
                    });
                    Ok(Some((reuse, top)))
                }
                None if closing && !state.active.is_empty() => {
                    // Where it is active on this thread's path, else (collected in another
                    // task or thread) where it was entered last.
                    let index = match position(&state, cursor) {
                        Position::Below(frame) => state
                            .active
                            .iter()
                            .rposition(|active| active.0 == frame.scope_id())
                            .unwrap_or(state.active.len() - 1),
                        _ => state.active.len() - 1,
                    };
                    let (id, _) = state.active.remove(index);
                    cursor.abandon(id)?;
                    Ok(None)
                }
                None => Err(match position(&state, cursor) {
                    Position::Below(_) => scope_error(
                        "scope exited out of order: a scope entered inside it is still \
                         active; scopes must exit in reverse order of entry",
                    ),
                    _ => scope_error("scope exited but it is not active in this thread or task"),
                }),
            }
        })??;
        let Some((reuse, left)) = exited else {
            return Ok(false);
        };
        match reuse {
            Some(handle) => publish_handle(py, handle)?,
            None => publish(py)?,
        }
        // Publishing released the context's handle on the left frame: unless something else
        // still holds it, the next scope reuses its allocations.
        with_cursor(|cursor| cursor.recycle(left));
        Ok(false)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let entries = self.visible(py)?;
        let mut parts = Vec::new();
        for entry in entries.iter().take(20) {
            let value = from_value(py, &entry.value)?.repr()?.to_string();
            parts.push(format!("{:?}: {value}", entry.key.as_str()));
        }
        if entries.len() > 20 {
            parts.push(format!("... ({} keys in all)", entries.len()));
        }
        let body = parts.join(", ");
        Ok(match self.kind() {
            Kind::Global => format!("hp.scope({{{body}}})"),
            Kind::Object if self.state().inherit => format!("Scope({{{body}}})"),
            Kind::Object => format!("Scope.empty({{{body}}})"),
        })
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyDict>,))> {
        let restore = py
            .import("hyperparameter._native")?
            .getattr("_scope_from_dict")?;
        Ok((restore, (visible_dict(py, &self.pickled_view(py)?)?,)))
    }
}

/// Rebuilds a pickled scope: a scope object holding the view it had.
#[pyfunction]
pub fn _scope_from_dict(py: Python<'_>, view: &Bound<'_, PyDict>) -> PyResult<Scope> {
    // Where the values were set is not pickled: the place that unpickles is not it.
    let mut map = EntryMap::default();
    for (key, value) in view.iter() {
        add_flattened(&mut map, key_text(&key)?, &value, &Source::Unknown)?;
    }
    Scope::object(py, map, true)
}
