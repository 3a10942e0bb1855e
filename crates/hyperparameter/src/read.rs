//! Reading and writing the current thread's view (the innermost active scope and outward).

use crate::convert::{FromParam, ParamDefault};
use crate::report::{self, ReadSite};
use crate::storage::{self, with_cursor, with_entry, with_key_entry};
use crate::{key_hash, validate_key, Entry, Error, Key, Result, Source, Value};

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

/// Reads `key` converted to the default's type, or the default when the key is absent.
/// A value that does not convert is an error, never a silent default.
#[inline]
pub fn get_or<D: ParamDefault>(key: &Key, default: D) -> Result<D::Output> {
    get_or_noting(key, default, |default| {
        report::note_default(
            key.hash(),
            key.as_str().as_bytes(),
            default.fingerprint(),
            || default.to_value(),
        );
    })
}

/// [`get_or`] for a read site that marks its own default as recorded (the macros').
#[inline]
pub fn get_or_at<D: ParamDefault>(key: &Key, site: &ReadSite, default: D) -> Result<D::Output> {
    get_or_noting(key, default, |default| {
        if !report::default_recorded_at(site) {
            report::record_default_at(site, key.text(), default.to_value());
        }
    })
}

#[inline(always)]
fn get_or_noting<D: ParamDefault>(
    key: &Key,
    default: D,
    note: impl FnOnce(&D::Output),
) -> Result<D::Output> {
    match with_key_entry(key, convert_entry) {
        Lookup::Found(value) => Ok(value),
        Lookup::Absent => {
            let default = default.into_output();
            note(&default);
            Ok(default)
        }
        Lookup::NotConvertible => Err(conversion_failure::<D::Output>(key.as_str())),
    }
}

/// [`get_or`] for a key known only at run time: hashed here, without allocating. The key is
/// validated only when it is absent (a stored key is valid by construction), so an invalid
/// key is still an error rather than a silent default.
pub fn get_or_str<D: ParamDefault>(key: &str, default: D) -> Result<D::Output> {
    match with_entry(key_hash(key), key.as_bytes(), convert_entry) {
        Lookup::Found(value) => Ok(value),
        Lookup::Absent => {
            validate_key(key)?;
            let default = default.into_output();
            report::note_default(key_hash(key), key.as_bytes(), default.fingerprint(), || {
                default.to_value()
            });
            Ok(default)
        }
        Lookup::NotConvertible => Err(conversion_failure::<D::Output>(key)),
    }
}

/// Outcome of the hot read path, kept small so that nothing large is moved around on it.
enum Lookup<T> {
    Found(T),
    Absent,
    NotConvertible,
}

#[inline(always)]
fn convert_entry<T: FromParam>(entry: Option<&Entry>) -> Lookup<T> {
    match entry {
        None => Lookup::Absent,
        Some(entry) => match T::from_param(&entry.value) {
            Ok(value) => {
                report::note_entry(entry, T::KIND);
                Lookup::Found(value)
            }
            Err(_) => Lookup::NotConvertible,
        },
    }
}

/// Builds the conversion error off the hot path, by looking the entry up again.
#[cold]
#[inline(never)]
fn conversion_failure<T: FromParam>(key: &str) -> Error {
    with_entry(key_hash(key), key.as_bytes(), |entry| match entry {
        Some(entry) => {
            let detail = T::from_param(&entry.value).err().unwrap_or_default();
            conversion_error(key, entry, T::TARGET, detail)
        }
        None => Error::Missing {
            key: key.to_string(),
        },
    })
}

/// Reads a required `key` as `T`: [`Error::Missing`] when absent.
pub fn get<T: FromParam>(key: &Key) -> Result<T> {
    with_key_entry(key, |entry| match entry {
        None => Err(Error::Missing {
            key: key.to_string(),
        }),
        Some(entry) => {
            let value = T::from_param(&entry.value)
                .map_err(|detail| conversion_error(key.as_str(), entry, T::TARGET, detail))?;
            report::note_entry(entry, T::KIND);
            Ok(value)
        }
    })
}

/// The entry stored for `key` in the current view, if any.
pub fn get_entry(key: &Key) -> Option<Entry> {
    with_key_entry(key, |entry| entry.cloned())
}

/// Writes `value` for `key` into the innermost active scope (or, with none active, into the
/// thread's root layer, where it stays until cleared).
pub fn put(key: &Key, value: impl Into<Value>, source: Source) -> Result<()> {
    let entry = Entry {
        key: key.text().clone(),
        value: value.into(),
        source,
        read_mark: Default::default(),
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
