//! [`HpItem`], one `key = value` override as C passes it, and its decoding into an entry.

use std::ffi::c_char;

use hyperparameter::{Entry, Error, Value};

use crate::ffi::borrowed_bytes;
use crate::intern::code_source;
use crate::key::{key_text, write_key};
use crate::status::{fail, HpStatus};

/// The kind of value an item (`HpItem`, `hp_item_t` in C) carries.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpKind {
    /// A present null.
    Null = 0,
    /// `int_value != 0`.
    Bool = 1,
    /// `int_value`.
    Int = 2,
    /// `float_value`.
    Float = 3,
    /// `str_value`/`str_len` (UTF-8).
    Str = 4,
}

/// One `key = value` override, as passed to `hp_scope_enter_with`, `hp_scope_put` and
/// `hp_put`.
///
/// Ownership: `key`, `str_value` and `file` are borrowed for the call only; the library copies
/// them.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct HpItem {
    /// `hp_key_hash(key)`.
    pub hash: u64,
    /// UTF-8 key text, borrowed, not NUL-terminated.
    pub key: *const c_char,
    /// Length of `key` in bytes.
    pub key_len: usize,
    /// An `HP_KIND_*` number.
    pub kind: i32,
    /// The value for `HP_KIND_BOOL` (0 or not) and `HP_KIND_INT`.
    pub int_value: i64,
    /// The value for `HP_KIND_FLOAT`.
    pub float_value: f64,
    /// The value for `HP_KIND_STR`: UTF-8, borrowed, not NUL-terminated.
    pub str_value: *const c_char,
    /// Length of `str_value` in bytes.
    pub str_len: usize,
    /// Where the write is made (`__FILE__`), recorded as the value's source; borrowed, not
    /// NUL-terminated; null when unknown.
    pub file: *const c_char,
    /// Length of `file` in bytes.
    pub file_len: usize,
    /// Line of the write (`__LINE__`).
    pub line: u32,
}

/// Decodes an item's key, value and source, checking the key and its hash.
///
/// # Safety
/// `item.key`/`item.key_len`, `item.file`/`item.file_len` and, for strings,
/// `item.str_value`/`item.str_len` as [`borrowed_bytes`].
pub unsafe fn decode_item(item: &HpItem) -> Result<(u64, Entry), HpStatus> {
    // SAFETY: forwarded caller contract.
    let key = unsafe { key_text(item.key, item.key_len) }?;
    let stored_key = write_key(key, item.hash)?;
    let value = match item.kind {
        k if k == HpKind::Null as i32 => Value::Null,
        k if k == HpKind::Bool as i32 => Value::Bool(item.int_value != 0),
        k if k == HpKind::Int as i32 => Value::Int(item.int_value),
        k if k == HpKind::Float as i32 => Value::Float(item.float_value),
        k if k == HpKind::Str as i32 => {
            // SAFETY: forwarded caller contract.
            let text = unsafe { value_text(key, item.str_value, item.str_len) }?;
            Value::from(text)
        }
        other => {
            return Err(fail(
                HpStatus::InvalidArgument,
                format!("item for key `{key}` has unknown kind {other}"),
            ))
        }
    };
    // SAFETY: forwarded caller contract.
    let file = unsafe { file_text(item.file, item.file_len) };
    let entry = Entry {
        key: stored_key,
        value,
        source: code_source(file, item.line),
        read_mark: Default::default(),
    };
    Ok((item.hash, entry))
}

/// The file name of a call site; `None` when the pointer is null or the name is not UTF-8
/// (very rare; left out rather than copied lossily on every write).
///
/// # Safety
/// `file` is null, or points to `file_len` readable bytes for the call.
unsafe fn file_text<'a>(file: *const c_char, file_len: usize) -> Option<&'a str> {
    if file.is_null() {
        return None;
    }
    // SAFETY: non-null, and the caller passes `file_len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(file.cast::<u8>(), file_len) };
    Some(try_utf8!(bytes, None))
}

/// The UTF-8 text of a string value being written.
///
/// # Safety
/// As [`borrowed_bytes`].
pub unsafe fn value_text<'a>(
    key: &str,
    ptr: *const c_char,
    len: usize,
) -> Result<&'a str, HpStatus> {
    // SAFETY: forwarded caller contract.
    let Some(bytes) = (unsafe { borrowed_bytes(ptr, len) }) else {
        return Err(fail(
            HpStatus::InvalidArgument,
            format!("the value pointer for key `{key}` is null but its length is not 0"),
        ));
    };
    Ok(try_utf8!(
        bytes,
        Err(fail(
            HpStatus::InvalidArgument,
            format!("the string value for key `{key}` is not UTF-8"),
        ))
    ))
}

/// Items of one scope that share a hash must share the key: a different key is a
/// collision. A handful of items (what `WITH_PARAMS` passes) is checked pairwise, more
/// through a map.
pub fn check_same_keys(items: &[(u64, Entry)]) -> Result<(), Error> {
    let collision = |entry: &Entry, existing: &Entry| Error::HashCollision {
        key: entry.key.to_string(),
        existing: existing.key.to_string(),
    };
    if items.len() <= 16 {
        for (index, (hash, entry)) in items.iter().enumerate() {
            for (earlier_hash, earlier) in &items[..index] {
                if earlier_hash == hash && earlier.key != entry.key {
                    return Err(collision(entry, earlier));
                }
            }
        }
        return Ok(());
    }
    let mut seen: std::collections::HashMap<u64, &Entry> = std::collections::HashMap::new();
    for (hash, entry) in items {
        let existing = *seen.entry(*hash).or_insert(entry);
        if existing.key != entry.key {
            return Err(collision(entry, existing));
        }
    }
    Ok(())
}
