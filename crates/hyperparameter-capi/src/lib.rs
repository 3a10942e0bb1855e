//! The C ABI of the hyperparameter store, and the library behind the header-only
//! C++ layer in `include/hyperparameter.h`.
//!
//! # Conventions
//! - Every function is named `hp_<noun>_<verb>` or `hp_<verb>_<type>` and returns an
//!   [`HpStatus`] (an `int32_t` in C) unless it says otherwise. After a status other than
//!   `HP_OK`/`HP_MISSING`, [`hp_last_error_message`] explains it (key, value, source, target).
//! - No panic crosses the boundary: every export runs inside [`export!`]'s `catch_unwind`, and
//!   a caught panic is reported as `HP_PANIC`.
//! - A key is passed as its precomputed hash plus its UTF-8 text (`key`, `key_len`, no NUL
//!   needed). The C++ macros hash literal keys at compile time; C code calls [`hp_key_hash`]
//!   once, which also checks the key. Reads trust the key and its hash (a wrong hash or an
//!   invalid key only misses: they are checked where the hash is made, so that reads of absent
//!   keys stay as cheap as reads of present ones); writes check both, so a value is never
//!   stored where other languages will not find it.
//! - Ownership: every pointer argument is borrowed for the duration of the call only. The
//!   library keeps no pointer the caller passed, and returns no memory the caller must free:
//!   strings are copied into caller-owned buffers ([`hp_get_str`]), the error message belongs
//!   to the library ([`hp_last_error_message`]).
//! - Scopes are per thread, as everywhere in the library: a scope entered on one
//!   thread is exited on that thread.
//!
//! # Why reads do not allocate
//! A typed read is one lookup in the thread's materialized view (see
//! `hyperparameter::storage`) followed by the conversion functions of
//! `hyperparameter::convert` on the stored value; only failures build a message.

mod hook;
mod intern;
mod status;

use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use hyperparameter::convert::{self, Target};
use hyperparameter::read::conversion_error;
use hyperparameter::storage::{self, Cursor};
use hyperparameter::{key_hash, key_problem, Entry, Error, Source, Text, Value};

use hook::before_access;
pub use hook::set_before_access_hook;
use intern::{code_source, key_for_write};
pub use status::HpStatus;
use status::{fail, fail_with, last_error_ptr, panic_message};

/// Version of this ABI; bumped only for incompatible changes (additions keep it).
pub const HP_ABI_VERSION: u32 = 1;

/// The kind of value an [`HpItem`] carries.
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

/// One `key = value` override, as passed to [`hp_scope_enter_with`], [`hp_scope_put`] and
/// [`hp_put`].
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
    /// An [`HpKind`] as its number.
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

/// This thread's store, for a read: the embedding library's hook first (see [`hook`]).
#[inline(always)]
fn with_entry<R>(hash: u64, key: &[u8], f: impl FnOnce(Option<&Entry>) -> R) -> R {
    before_access();
    storage::with_entry(hash, key, f)
}

/// This thread's store, for a write or a scope change: the embedding library's hook first.
#[inline(always)]
fn with_cursor<R>(f: impl FnOnce(&mut Cursor) -> R) -> R {
    before_access();
    storage::with_cursor(f)
}

/// Runs an export's body, turning a panic into `HP_PANIC` (or `on_panic` for exports that
/// do not return a status) with the panic's message as the last error.
#[inline(always)]
fn boundary<R>(on_panic: impl FnOnce() -> R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            fail(HpStatus::Panic, panic_message(&*payload));
            on_panic()
        }
    }
}

/// Declares exported C functions; each body runs inside [`boundary`], so no panic crosses
/// the ABI. Functions returning [`HpStatus`] report a panic as `HP_PANIC`; others name
/// their value on panic with `else`.
macro_rules! export {
    ($(
        $(#[$meta:meta])*
        fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $(, else $on_panic:block)? $body:block
    )*) => {$(
        $(#[$meta])*
        ///
        /// # Safety
        /// Pointer arguments follow the crate's conventions: each is null only where the
        /// function allows it, points to as many readable (or, for outputs, writable) bytes
        /// as its length says, and is borrowed for the call only.
        #[no_mangle]
        pub unsafe extern "C" fn $name($($arg: $ty),*) -> $ret {
            boundary(|| export!(@on_panic $(, $on_panic)?), || $body)
        }
    )*};
    (@on_panic) => { HpStatus::Panic };
    (@on_panic, $on_panic:block) => { $on_panic };
}

/// Borrows `len` bytes at `ptr` for the duration of a call; `(null, 0)` is the empty text.
///
/// # Safety
/// `ptr` is null with `len == 0`, or points to `len` readable bytes that stay unchanged for
/// the call.
#[inline(always)]
unsafe fn borrowed_bytes<'a>(ptr: *const c_char, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return (len == 0).then_some(&[]);
    }
    // SAFETY: non-null, and the caller promises `len` readable bytes for the call.
    Some(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// The key text of a write, or the failure status (with its message recorded). ASCII keys
/// (the common case) skip the general UTF-8 validation.
///
/// # Safety
/// As [`borrowed_bytes`].
#[inline(always)]
unsafe fn key_text<'a>(key: *const c_char, key_len: usize) -> Result<&'a str, HpStatus> {
    // SAFETY: forwarded caller contract.
    let Some(bytes) = (unsafe { borrowed_bytes(key, key_len) }) else {
        return Err(null_key());
    };
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).map_err(|_| not_utf8_key(bytes))
}

#[cold]
#[inline(never)]
fn null_key() -> HpStatus {
    fail(
        HpStatus::InvalidArgument,
        "the key pointer is null but key_len is not 0",
    )
}

#[cold]
#[inline(never)]
fn not_utf8_key(bytes: &[u8]) -> HpStatus {
    fail(
        HpStatus::InvalidKey,
        format!(
            "invalid key {:?}: not UTF-8",
            String::from_utf8_lossy(bytes)
        ),
    )
}

/// Items of one scope that share a hash must share the key: a different key is a
/// collision. A handful of items (what `WITH_PARAMS` passes) is checked pairwise, more
/// through a map.
fn check_same_keys(items: &[(u64, Entry)]) -> Result<(), Error> {
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

/// A key for a write: valid by the key rules and hashed as `hash` says.
fn checked_write_key(hash: u64, key: &str) -> Result<(), HpStatus> {
    if let Some(reason) = key_problem(key) {
        return Err(fail_with(Error::InvalidKey {
            key: key.to_string(),
            reason,
        }));
    }
    let expected = key_hash(key);
    if expected != hash {
        return Err(fail(
            HpStatus::InvalidArgument,
            format!(
                "hash {hash:#018x} does not belong to key `{key}` (its hash is {expected:#018x}; \
                 compute it with hp_key_hash)"
            ),
        ));
    }
    Ok(())
}

/// The key of a read, as bytes: reads compare it with stored keys, which are valid UTF-8,
/// so it needs no validation of its own (a key that is not UTF-8 simply is not found).
///
/// # Safety
/// As [`borrowed_bytes`].
#[inline(always)]
unsafe fn read_key<'a>(key: *const c_char, key_len: usize) -> Result<&'a [u8], HpStatus> {
    // SAFETY: forwarded caller contract.
    unsafe { borrowed_bytes(key, key_len) }.ok_or_else(null_key)
}

#[cold]
#[inline(never)]
fn null_value(key: &[u8], entry: &Entry, target: Target) -> HpStatus {
    let key = String::from_utf8_lossy(key);
    fail(
        HpStatus::NullValue,
        format!(
            "parameter `{key}` is null (from {}); a read as {} cannot return null, and a present \
             null does not take the default",
            entry.source,
            target.name()
        ),
    )
}

#[cold]
#[inline(never)]
fn not_convertible(key: &[u8], entry: &Entry, target: Target, detail: String) -> HpStatus {
    let key = String::from_utf8_lossy(key);
    fail_with(conversion_error(&key, entry, target.name(), detail))
}

/// A typed read of a primitive: looks the key up and converts by the conversion table, without allocating
/// on success. `convert_value` is one of the `hyperparameter::convert` functions, preceded
/// by the identity case so that reading a value of the requested type stays inline.
///
/// # Safety
/// `key`/`key_len` as [`borrowed_bytes`]; `out` is null or points to a writable `T`.
#[inline(always)]
unsafe fn read_primitive<T: Copy>(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    default: T,
    out: *mut T,
    target: Target,
    convert_value: impl Fn(&Value) -> Result<T, String>,
) -> HpStatus {
    if out.is_null() {
        return fail(HpStatus::InvalidArgument, "the output pointer is null");
    }
    // SAFETY: forwarded caller contract.
    let key = match unsafe { read_key(key, key_len) } {
        Ok(key) => key,
        Err(status) => return status,
    };
    let result = with_entry(hash, key, |entry| match entry {
        None => Err(HpStatus::Missing),
        Some(entry) => match &entry.value {
            Value::Null => Err(null_value(key, entry, target)),
            value => {
                convert_value(value).map_err(|detail| not_convertible(key, entry, target, detail))
            }
        },
    });
    match result {
        Ok(value) => {
            // SAFETY: checked non-null; the caller promises it points to a writable `T`.
            unsafe { out.write(value) };
            HpStatus::Ok
        }
        Err(HpStatus::Missing) => {
            // SAFETY: as above.
            unsafe { out.write(default) };
            HpStatus::Missing
        }
        Err(status) => status,
    }
}

/// `convert::to_i64` with the identity case first, so that reading an int stays inline.
#[inline(always)]
fn as_i64(value: &Value) -> Result<i64, String> {
    match value {
        Value::Int(same) => Ok(*same),
        other => convert::to_i64(other),
    }
}

/// `convert::to_f64` with the identity case first.
#[inline(always)]
fn as_f64(value: &Value) -> Result<f64, String> {
    match value {
        Value::Float(same) => Ok(*same),
        other => convert::to_f64(other),
    }
}

/// `convert::to_bool` with the identity case first.
#[inline(always)]
fn as_bool(value: &Value) -> Result<bool, String> {
    match value {
        Value::Bool(same) => Ok(*same),
        other => convert::to_bool(other),
    }
}

/// The stored text of a key being written with `hash`, checked (the key rules, and that the hash is
/// the key's) unless the same call site wrote it before.
fn write_key(key: &str, hash: u64) -> Result<Text, HpStatus> {
    key_for_write(key, hash, |key, hash| checked_write_key(hash, key))
}

/// Decodes an item's key, value and source, checking the key and its hash.
///
/// # Safety
/// `item.key`/`item.key_len`, `item.file`/`item.file_len` and, for strings,
/// `item.str_value`/`item.str_len` as [`borrowed_bytes`].
unsafe fn decode_item(item: &HpItem) -> Result<(u64, Entry), HpStatus> {
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
    };
    Ok((item.hash, entry))
}

/// The file name of a call site, lossily decoded; `None` when the pointer is null.
///
/// # Safety
/// `file` is null, or points to `file_len` readable bytes for the call.
unsafe fn file_text<'a>(file: *const c_char, file_len: usize) -> Option<&'a str> {
    if file.is_null() {
        return None;
    }
    // SAFETY: non-null, and the caller passes `file_len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(file.cast::<u8>(), file_len) };
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    // A file name that is not UTF-8 is very rare; it is left out rather than copied lossily
    // on every write.
    std::str::from_utf8(bytes).ok()
}

/// The UTF-8 text of a string value being written.
///
/// # Safety
/// As [`borrowed_bytes`].
unsafe fn value_text<'a>(key: &str, ptr: *const c_char, len: usize) -> Result<&'a str, HpStatus> {
    // SAFETY: forwarded caller contract.
    let Some(bytes) = (unsafe { borrowed_bytes(ptr, len) }) else {
        return Err(fail(
            HpStatus::InvalidArgument,
            format!("the value pointer for key `{key}` is null but its length is not 0"),
        ));
    };
    std::str::from_utf8(bytes).map_err(|_| {
        fail(
            HpStatus::InvalidArgument,
            format!("the string value for key `{key}` is not UTF-8"),
        )
    })
}

/// Writes an entry into the innermost scope of this thread.
fn put_entry(hash: u64, entry: Entry) -> HpStatus {
    match with_cursor(|cursor| cursor.put(hash, entry)) {
        Ok(()) => HpStatus::Ok,
        Err(err) => fail_with(err),
    }
}

/// A write of a decoded value through a key given as hash and text.
///
/// # Safety
/// As [`borrowed_bytes`] for `key`/`key_len`.
unsafe fn put_value(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    value: impl FnOnce(&str) -> Result<Value, HpStatus>,
) -> HpStatus {
    // SAFETY: forwarded caller contract.
    let key = match unsafe { key_text(key, key_len) } {
        Ok(key) => key,
        Err(status) => return status,
    };
    let stored_key = match write_key(key, hash) {
        Ok(stored_key) => stored_key,
        Err(status) => return status,
    };
    match value(key) {
        Ok(value) => put_entry(
            hash,
            Entry {
                key: stored_key,
                value,
                source: Source::Unknown,
            },
        ),
        Err(status) => status,
    }
}

/// Writes a scope id to an out pointer.
///
/// # Safety
/// `out` is null or writable.
unsafe fn write_scope(out: *mut u64, scope: u64) -> HpStatus {
    if out.is_null() {
        return fail(
            HpStatus::InvalidArgument,
            "the scope output pointer is null",
        );
    }
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { out.write(scope) };
    HpStatus::Ok
}

export! {
    /// The ABI version this library implements (`HP_ABI_VERSION` in the header).
    fn hp_abi_version() -> u32, else { HP_ABI_VERSION } {
        HP_ABI_VERSION
    }

    /// This thread's last error message: NUL-terminated UTF-8 owned by the library, valid
    /// until the next failing call on this thread. Meaningful right after a call returned
    /// a status other than `HP_OK` and `HP_MISSING`; empty if no call has failed yet.
    fn hp_last_error_message() -> *const c_char, else { last_error_ptr() } {
        last_error_ptr()
    }

    /// The name of a status (`"HP_CONVERSION"`), a static NUL-terminated string;
    /// `"HP_UNKNOWN_STATUS"` for a number that is not a status.
    fn hp_status_name(status: i32) -> *const c_char, else { std::ptr::null() } {
        HpStatus::ALL
            .iter()
            .find(|known| **known as i32 == status)
            .map_or("HP_UNKNOWN_STATUS\0", |known| known.c_name())
            .as_ptr()
            .cast::<c_char>()
    }

    /// Checks `key` and writes `xxh64(utf8(key), 42)` to `*out_hash`.
    /// `key` is borrowed for the call; `out_hash` must be writable.
    fn hp_key_hash(key: *const c_char, key_len: usize, out_hash: *mut u64) -> HpStatus {
        // SAFETY: the caller passes `key_len` readable bytes (module conventions).
        let key = match unsafe { key_text(key, key_len) } {
            Ok(key) => key,
            Err(status) => return status,
        };
        if out_hash.is_null() {
            return fail(HpStatus::InvalidArgument, "the hash output pointer is null");
        }
        if let Some(reason) = key_problem(key) {
            return fail_with(Error::InvalidKey { key: key.to_string(), reason });
        }
        // SAFETY: checked non-null; the caller promises it is writable.
        unsafe { out_hash.write(key_hash(key)) };
        HpStatus::Ok
    }

    /// Reads `key` as a 64-bit integer into `*out`. Absent: writes `default` and
    /// returns `HP_MISSING`. `key` is borrowed for the call; `out` must be writable.
    fn hp_get_i64(hash: u64, key: *const c_char, key_len: usize, default: i64, out: *mut i64) -> HpStatus {
        // SAFETY: the caller's pointers follow the module conventions.
        unsafe { read_primitive(hash, key, key_len, default, out, Target::Int, as_i64) }
    }

    /// Reads `key` as a 64-bit float; otherwise as [`hp_get_i64`].
    fn hp_get_f64(hash: u64, key: *const c_char, key_len: usize, default: f64, out: *mut f64) -> HpStatus {
        // SAFETY: the caller's pointers follow the module conventions.
        unsafe { read_primitive(hash, key, key_len, default, out, Target::Float, as_f64) }
    }

    /// Reads `key` as a bool; otherwise as [`hp_get_i64`].
    fn hp_get_bool(hash: u64, key: *const c_char, key_len: usize, default: bool, out: *mut bool) -> HpStatus {
        // SAFETY: the caller's pointers follow the module conventions.
        unsafe { read_primitive(hash, key, key_len, default, out, Target::Bool, as_bool) }
    }

    /// Reads `key` as text into the caller-owned buffer `buf` of `buf_cap` bytes:
    /// the UTF-8 bytes followed by a NUL, with the length (without the NUL) in `*out_len`.
    /// If `buf_cap` is less than length + 1, nothing is copied, `*out_len` is the length and
    /// the status is `HP_BUFFER_TOO_SMALL` (`buf` may be null when `buf_cap` is 0). Absent:
    /// `HP_MISSING`, `*out_len` is 0 and `buf` is untouched.
    fn hp_get_str(hash: u64, key: *const c_char, key_len: usize, buf: *mut c_char, buf_cap: usize, out_len: *mut usize) -> HpStatus {
        if out_len.is_null() || (buf.is_null() && buf_cap != 0) {
            return fail(HpStatus::InvalidArgument, "the length output pointer is null, or the buffer is null with a capacity");
        }
        // SAFETY: the caller passes `key_len` readable bytes (module conventions).
        let key = match unsafe { read_key(key, key_len) } {
            Ok(key) => key,
            Err(status) => return status,
        };
        let copy_out = |bytes: &[u8]| {
            // SAFETY: checked non-null; the caller promises it is writable.
            unsafe { out_len.write(bytes.len()) };
            if bytes.len() >= buf_cap {
                return HpStatus::BufferTooSmall;
            }
            // SAFETY: `buf` holds `buf_cap > bytes.len()` writable bytes (caller contract), and
            // cannot overlap the library-owned value.
            unsafe {
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
                buf.add(bytes.len()).write(0);
            }
            HpStatus::Ok
        };
        with_entry(hash, key, |entry| match entry {
            None => {
                // SAFETY: checked non-null; the caller promises it is writable.
                unsafe { out_len.write(0) };
                HpStatus::Missing
            }
            Some(entry) => match &entry.value {
                Value::Str(text) => copy_out(text.as_bytes()),
                Value::Null => null_value(key, entry, Target::Str),
                value => match convert::to_text(value) {
                    Ok(text) => copy_out(text.as_bytes()),
                    Err(detail) => not_convertible(key, entry, Target::Str, detail),
                },
            },
        })
    }

    /// Writes a present null for `key` into this thread's innermost scope (or its root
    /// layer when no scope is active). `key` is borrowed for the call.
    fn hp_put_null(hash: u64, key: *const c_char, key_len: usize) -> HpStatus {
        // SAFETY: the caller's pointers follow the module conventions.
        unsafe { put_value(hash, key, key_len, |_| Ok(Value::Null)) }
    }

    /// Writes a bool; otherwise as [`hp_put_null`].
    fn hp_put_bool(hash: u64, key: *const c_char, key_len: usize, value: bool) -> HpStatus {
        // SAFETY: the caller's pointers follow the module conventions.
        unsafe { put_value(hash, key, key_len, |_| Ok(Value::Bool(value))) }
    }

    /// Writes a 64-bit integer; otherwise as [`hp_put_null`].
    fn hp_put_i64(hash: u64, key: *const c_char, key_len: usize, value: i64) -> HpStatus {
        // SAFETY: the caller's pointers follow the module conventions.
        unsafe { put_value(hash, key, key_len, |_| Ok(Value::Int(value))) }
    }

    /// Writes a 64-bit float; otherwise as [`hp_put_null`].
    fn hp_put_f64(hash: u64, key: *const c_char, key_len: usize, value: f64) -> HpStatus {
        // SAFETY: the caller's pointers follow the module conventions.
        unsafe { put_value(hash, key, key_len, |_| Ok(Value::Float(value))) }
    }

    /// Writes UTF-8 text (`value`, `value_len` bytes, borrowed for the call and copied);
    /// otherwise as [`hp_put_null`].
    fn hp_put_str(hash: u64, key: *const c_char, key_len: usize, value: *const c_char, value_len: usize) -> HpStatus {
        let decode = |key: &str| {
            // SAFETY: the caller passes `value_len` readable bytes at `value`.
            unsafe { value_text(key, value, value_len) }.map(Value::from)
        };
        // SAFETY: the caller's pointers follow the module conventions.
        unsafe { put_value(hash, key, key_len, decode) }
    }

    /// Writes one override (`item`, borrowed for the call) into this thread's innermost
    /// active scope (or its root layer), recording `item.file:item.line` as its source.
    fn hp_put(item: *const HpItem) -> HpStatus {
        if item.is_null() {
            return fail(HpStatus::InvalidArgument, "the item pointer is null");
        }
        // SAFETY: non-null, and the caller passes a readable item whose pointers follow the
        // module conventions.
        match unsafe { decode_item(&*item) } {
            Ok((hash, entry)) => put_entry(hash, entry),
            Err(status) => status,
        }
    }

    /// Enters a new, empty scope on this thread, layered on the current view, and writes its
    /// id to `*out_scope` (writable). Leave it with [`hp_scope_exit`].
    fn hp_scope_enter(out_scope: *mut u64) -> HpStatus {
        if out_scope.is_null() {
            return fail(HpStatus::InvalidArgument, "the scope output pointer is null");
        }
        let scope = with_cursor(|cursor| cursor.enter_entries([]));
        // SAFETY: checked non-null above; the caller promises it is writable.
        unsafe { write_scope(out_scope, scope) }
    }

    /// Enters a new scope holding the `count` overrides of `items` (borrowed for the call; a
    /// later item for the same key wins) and writes its id to `*out_scope`. Costs
    /// O(count). On any bad item nothing is entered.
    fn hp_scope_enter_with(items: *const HpItem, count: usize, out_scope: *mut u64) -> HpStatus {
        if out_scope.is_null() || (items.is_null() && count != 0) {
            return fail(HpStatus::InvalidArgument, "the scope output pointer or the items pointer is null");
        }
        let items = if count == 0 {
            &[][..]
        } else {
            // SAFETY: non-null, and the caller passes `count` readable items.
            unsafe { std::slice::from_raw_parts(items, count) }
        };
        let mut overrides = Vec::with_capacity(items.len());
        for item in items {
            // SAFETY: each item's pointers follow the module conventions.
            match unsafe { decode_item(item) } {
                Ok(decoded) => overrides.push(decoded),
                Err(status) => return status,
            }
        }
        if let Err(err) = check_same_keys(&overrides) {
            return fail_with(err);
        }
        let scope = with_cursor(|cursor| cursor.enter_entries(overrides));
        // SAFETY: checked non-null above; the caller promises it is writable.
        unsafe { write_scope(out_scope, scope) }
    }

    /// Writes one override into scope `scope`, which must be this thread's innermost active
    /// scope (`HP_SCOPE_ORDER` otherwise: the value would be invisible or
    /// surprising). `item` is borrowed for the call.
    fn hp_scope_put(scope: u64, item: *const HpItem) -> HpStatus {
        if item.is_null() {
            return fail(HpStatus::InvalidArgument, "the item pointer is null");
        }
        // SAFETY: non-null, and the caller passes a readable item whose pointers follow the
        // module conventions.
        let (hash, entry) = match unsafe { decode_item(&*item) } {
            Ok(decoded) => decoded,
            Err(status) => return status,
        };
        let result = with_cursor(|cursor| {
            let innermost = cursor.innermost_scope();
            if innermost != scope {
                return Err(Error::Scope(format!(
                    "cannot write `{}` through scope #{scope}: scope #{innermost} is the \
                     innermost active one on this thread",
                    entry.key
                )));
            }
            cursor.put(hash, entry)
        });
        match result {
            Ok(()) => HpStatus::Ok,
            Err(err) => fail_with(err),
        }
    }

    /// Leaves scope `scope`, restoring exactly the view before it was entered. It must be the
    /// innermost active scope of this thread (`HP_SCOPE_ORDER` otherwise, and nothing
    /// changes).
    fn hp_scope_exit(scope: u64) -> HpStatus {
        match with_cursor(|cursor| cursor.exit(scope)) {
            Ok(()) => HpStatus::Ok,
            Err(err) => fail_with(err),
        }
    }

    /// Makes this thread's current view the snapshot that threads started from now on begin
    /// with (`frozen()` of the other languages).
    fn hp_frozen() -> HpStatus {
        before_access();
        storage::frozen();
        HpStatus::Ok
    }
}

#[cfg(test)]
mod tests;
