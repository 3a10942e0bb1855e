//! [`ParamScope`]: a set of overrides that can be built, inspected, and entered.

use std::marker::PhantomData;

use crate::convert::FromParam;
use crate::read::conversion_error;
use crate::storage::{with_cursor, EntryMap, ScopeId};
use crate::{Entry, Error, Key, Result, Source, Value};

/// A set of overrides, built before it is entered.
///
/// Entering overlays the overrides on whatever is active at that moment; leaving restores
/// exactly the view before. The scope keeps its overrides after it exits, so it can be read
/// and entered again.
///
/// ```
/// use hyperparameter::{ParamScope, get_or, Key};
///
/// let lr = Key::new("train.lr").unwrap();
/// let mut scope = ParamScope::new();
/// scope.put("train.lr", 0.01).unwrap();
/// {
///     let _active = scope.enter();
///     assert_eq!(get_or(&lr, 0.1).unwrap(), 0.01);
/// }
/// assert_eq!(get_or(&lr, 0.1).unwrap(), 0.1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ParamScope {
    entries: EntryMap,
    inherit: bool,
}

impl ParamScope {
    /// An empty scope that inherits what is active when it is entered.
    pub fn new() -> ParamScope {
        ParamScope {
            entries: EntryMap::default(),
            inherit: true,
        }
    }

    /// A scope that does not inherit: inside it only its own overrides are visible.
    pub fn empty() -> ParamScope {
        ParamScope {
            entries: EntryMap::default(),
            inherit: false,
        }
    }

    /// Builds a scope from `key=value` items, as given to `-D/--define` on a command line:
    /// split at the first `=`, key trimmed, value kept as text (typed reads convert it).
    pub fn from_defines<S: AsRef<str>>(items: &[S]) -> Result<ParamScope> {
        let mut scope = ParamScope::new();
        for item in items {
            let item = item.as_ref();
            let (key, value) = crate::parse_define(item)?;
            let source = Source::Define { item: item.into() };
            scope.put_with_source(&key, value, source)?;
        }
        Ok(scope)
    }

    /// Sets `key` to `value` in this scope (and in the thread's view when this scope is the
    /// innermost active one, see [`ParamScope::enter`]).
    pub fn put(&mut self, key: &str, value: impl Into<Value>) -> Result<&mut ParamScope> {
        self.put_with_source(&Key::new(key)?, value, Source::Unknown)
    }

    /// Sets `key` with an explicit source.
    pub fn put_with_source(
        &mut self,
        key: &Key,
        value: impl Into<Value>,
        source: Source,
    ) -> Result<&mut ParamScope> {
        let entry = Entry {
            key: key.text().clone(),
            value: value.into(),
            source,
            read_mark: Default::default(),
        };
        if let Some(existing) = self.entries.get(&key.hash()) {
            if existing.key != entry.key {
                return Err(Error::HashCollision {
                    key: key.to_string(),
                    existing: existing.key.to_string(),
                });
            }
        }
        self.entries.insert(key.hash(), entry);
        Ok(self)
    }

    /// Builder form of [`ParamScope::put`].
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Result<ParamScope> {
        self.put(key, value)?;
        Ok(self)
    }

    /// This scope's own value for `key` converted to `T`, `None` when it does not set it.
    pub fn get<T: FromParam>(&self, key: &str) -> Result<Option<T>> {
        let key = Key::new(key)?;
        match self.entries.get(&key.hash()) {
            Some(entry) if entry.key.as_str() == key.as_str() => {
                let value = T::from_param(&entry.value)
                    .map_err(|detail| conversion_error(key.as_str(), entry, T::TARGET, detail))?;
                crate::report::note_entry(entry, T::KIND);
                Ok(Some(value))
            }
            _ => Ok(None),
        }
    }

    /// The keys this scope sets, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.entries.values().map(|e| e.key.to_string()).collect();
        keys.sort();
        keys
    }

    /// This scope's entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        let mut entries: Vec<&Entry> = self.entries.values().collect();
        entries.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
        entries.into_iter()
    }

    /// How many keys this scope sets.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether this scope sets no key.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the scope shows what is active around it when entered.
    pub fn inherits(&self) -> bool {
        self.inherit
    }

    /// The overrides as stored, for the front ends.
    pub fn entries(&self) -> &EntryMap {
        &self.entries
    }

    /// Enters the scope on this thread until the guard is dropped (or [`ScopeGuard::exit`]).
    pub fn enter(&self) -> ScopeGuard {
        let scope = with_cursor(|cursor| cursor.enter_copied(&self.entries, self.inherit));
        ScopeGuard {
            scope,
            exited: false,
            _not_send: PhantomData,
        }
    }
}

/// Panics with the error on a bad item, the way a command-line parser stops on bad input;
/// use [`ParamScope::from_defines`] to handle the error instead.
impl From<&Vec<String>> for ParamScope {
    fn from(items: &Vec<String>) -> ParamScope {
        ParamScope::from(items.as_slice())
    }
}

/// Panics with the error on a bad item; see [`ParamScope::from_defines`].
impl From<&[String]> for ParamScope {
    fn from(items: &[String]) -> ParamScope {
        ParamScope::from_defines(items).unwrap_or_else(|err| panic!("{err}"))
    }
}

/// An active scope on this thread. Dropping it leaves the scope, also during a panic.
///
/// Not `Send`: a scope is active on the thread that entered it. For async code use
/// [`crate::Scoped`].
///
/// A refused [`ScopeGuard::exit`] (another scope entered later is still active) changes
/// nothing: the guard stays active, and exits once the scopes inside it have exited (by
/// another `exit` call, or when it is dropped).
///
/// ```
/// use hyperparameter::{get_or, Key, ParamScope};
///
/// let key = Key::new("guard.x").unwrap();
/// let mut outer = ParamScope::new().with("guard.x", 1).unwrap().enter();
/// let inner = ParamScope::new().enter();
/// assert!(outer.exit().is_err()); // out of order: refused, nothing changes
/// assert_eq!(get_or(&key, 0).unwrap(), 1);
/// drop(inner);
/// outer.exit().unwrap();
/// assert_eq!(get_or(&key, 0).unwrap(), 0);
/// ```
#[must_use = "the scope is left as soon as the guard is dropped"]
pub struct ScopeGuard {
    scope: ScopeId,
    /// Set once the scope has exited (by [`ScopeGuard::exit`]); the drop then does nothing.
    exited: bool,
    _not_send: PhantomData<*const ()>,
}

impl ScopeGuard {
    /// Enters a new empty scope (the `with_params!` block scope).
    pub fn enter_new() -> ScopeGuard {
        let scope = with_cursor(|cursor| cursor.enter(EntryMap::default(), true));
        ScopeGuard {
            scope,
            exited: false,
            _not_send: PhantomData,
        }
    }

    /// Leaves the scope now.
    ///
    /// # Errors
    /// [`Error::Scope`] when the scope is not the innermost active one (scopes exit in
    /// reverse order of entry), or has already exited. A refused exit leaves the view and
    /// the guard as they were: the guard can exit later, and still exits when dropped.
    pub fn exit(&mut self) -> Result<()> {
        if self.exited {
            return Err(Error::Scope(format!(
                "scope #{} has already exited",
                self.scope
            )));
        }
        with_cursor(|cursor| cursor.exit(self.scope))?;
        self.exited = true;
        Ok(())
    }

    /// Whether the scope is still active (it has not exited through [`ScopeGuard::exit`]).
    pub fn is_active(&self) -> bool {
        !self.exited
    }
}

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        if self.exited {
            return;
        }
        let result = with_cursor(|cursor| cursor.exit(self.scope));
        if let Err(err) = result {
            if !std::thread::panicking() {
                panic!("{err}");
            }
        }
    }
}
