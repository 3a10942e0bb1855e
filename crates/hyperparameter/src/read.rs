//! Reading and writing the current thread's view (the innermost active scope and outward).

use crate::convert::{FromParam, ParamDefault};
use crate::storage::{self, with_cursor, with_entry};
use crate::{Entry, Error, Key, Result, Source, Value};

/// The error for a stored entry that does not convert to `target`.
pub fn conversion_error(key: &str, entry: &Entry, target: &str, detail: String) -> Error {
    Error::Conversion {
        key: key.to_string(),
        value: entry.value.describe(),
        origin: entry.source.to_string(),
        target: target.to_string(),
        detail,
    }
}

/// Reads `key` converted to the default's type, or the default when the key is absent
/// (SPEC §4). A value that does not convert is an error, never a silent default.
#[inline]
pub fn get_or<D: ParamDefault>(key: &Key, default: D) -> Result<D::Output> {
    with_entry(key.hash(), key.as_str(), |entry| match entry {
        None => Ok(default.into_output()),
        Some(entry) => D::Output::from_param(&entry.value).map_err(|detail| {
            conversion_error(
                key.as_str(),
                entry,
                <D::Output as FromParam>::TARGET,
                detail,
            )
        }),
    })
}

/// Reads a required `key` as `T`: [`Error::Missing`] when absent.
pub fn get<T: FromParam>(key: &Key) -> Result<T> {
    with_entry(key.hash(), key.as_str(), |entry| match entry {
        None => Err(Error::Missing {
            key: key.to_string(),
        }),
        Some(entry) => T::from_param(&entry.value)
            .map_err(|detail| conversion_error(key.as_str(), entry, T::TARGET, detail)),
    })
}

/// The entry stored for `key` in the current view, if any.
pub fn get_entry(key: &Key) -> Option<Entry> {
    with_entry(key.hash(), key.as_str(), |entry| entry.cloned())
}

/// Writes `value` for `key` into the innermost active scope (or, with none active, into the
/// thread's root layer, where it stays until cleared).
pub fn put(key: &Key, value: impl Into<Value>, source: Source) -> Result<()> {
    let entry = Entry {
        key: key.text().clone(),
        value: value.into(),
        source,
    };
    with_cursor(|cursor| cursor.put(key.hash(), entry))
}

/// Every key visible in the current view, sorted.
pub fn keys() -> Vec<String> {
    let mut keys: Vec<String> = with_cursor(|cursor| {
        cursor
            .visible()
            .values()
            .map(|entry| entry.key.to_string())
            .collect()
    });
    keys.sort();
    keys
}

/// Every entry visible in the current view, sorted by key.
pub fn entries() -> Vec<Entry> {
    let mut entries: Vec<Entry> = with_cursor(|cursor| cursor.visible().into_values().collect());
    entries.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    entries
}

/// Removes every value the innermost active scope (or the root layer) sets.
pub fn clear() {
    with_cursor(|cursor| cursor.clear_current());
}

pub use storage::frozen;
