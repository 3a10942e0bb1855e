//! Typed reads: `hp_get_i64`, `hp_get_f64`, `hp_get_bool`, `hp_get_str`.
//!
//! A read is one lookup in the thread's materialized view followed by the conversion
//! functions of `hyperparameter::convert` on the stored value; only failures build a message.

use std::ffi::c_char;

use hyperparameter::convert::{self, Target};
use hyperparameter::read::conversion_error;
use hyperparameter::report::{self, ReadKind};
use hyperparameter::storage;
use hyperparameter::{Entry, Value};

use crate::hook::with_entry;
use crate::key::read_key;
use crate::status::{fail, fail_with, HpStatus};

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

/// A primitive type the C ABI reads: its conversion target, how the operative config records
/// a read of it, the value when it is stored as this type already, and its value as the
/// operative config records a default.
trait Primitive: Copy {
    const TARGET: Target;
    const KIND: ReadKind;
    fn stored_as_is(value: &Value) -> Option<Self>;
    fn recorded(self) -> Value;
}

impl Primitive for i64 {
    const TARGET: Target = Target::Int;
    const KIND: ReadKind = ReadKind::of(Some(Target::Int));
    #[inline(always)]
    fn stored_as_is(value: &Value) -> Option<i64> {
        match value {
            Value::Int(same) => Some(*same),
            _ => None,
        }
    }
    fn recorded(self) -> Value {
        Value::Int(self)
    }
}

impl Primitive for f64 {
    const TARGET: Target = Target::Float;
    const KIND: ReadKind = ReadKind::of(Some(Target::Float));
    #[inline(always)]
    fn stored_as_is(value: &Value) -> Option<f64> {
        match value {
            Value::Float(same) => Some(*same),
            _ => None,
        }
    }
    fn recorded(self) -> Value {
        Value::Float(self)
    }
}

impl Primitive for bool {
    const TARGET: Target = Target::Bool;
    const KIND: ReadKind = ReadKind::of(Some(Target::Bool));
    #[inline(always)]
    fn stored_as_is(value: &Value) -> Option<bool> {
        match value {
            Value::Bool(same) => Some(*same),
            _ => None,
        }
    }
    fn recorded(self) -> Value {
        Value::Bool(self)
    }
}

/// What the hot part of a read found.
enum Lookup<T> {
    /// The value, stored as the requested type.
    Found(T),
    Absent,
    /// A value that needs converting (or is null): [`read_converting`] reads it.
    Converting,
}

/// A typed read of a primitive: looks the key up and converts by the conversion table,
/// without allocating on success. A value stored as the requested type is read by a closure
/// that captures nothing, so the read path keeps nothing on the stack for the store's rare
/// paths; any other value is read again by [`read_converting`], out of line.
/// `convert_value` is one of the `hyperparameter::convert` functions.
///
/// # Safety
/// `key`/`key_len` as [`crate::ffi::borrowed_bytes`]; `out` is null or points to a writable
/// `T`.
#[inline(always)]
unsafe fn read_primitive<T: Primitive>(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    default: T,
    out: *mut T,
    convert_value: fn(&Value) -> Result<T, String>,
) -> HpStatus {
    require_non_null!(out, "output");
    // SAFETY: forwarded caller contract.
    let key = try_status!(unsafe { read_key(key, key_len) });
    let lookup = with_entry(hash, key, |entry| match entry {
        None => Lookup::Absent,
        Some(entry) => match T::stored_as_is(&entry.value) {
            Some(value) => {
                report::note_entry(entry, T::KIND);
                Lookup::Found(value)
            }
            None => Lookup::Converting,
        },
    });
    let result = match lookup {
        Lookup::Found(value) => Ok(value),
        Lookup::Absent => Err(HpStatus::Missing),
        Lookup::Converting => read_converting(hash, key, convert_value),
    };
    match result {
        Ok(value) => {
            // SAFETY: checked non-null; the caller promises it points to a writable `T`.
            unsafe { out.write(value) };
            HpStatus::Ok
        }
        Err(HpStatus::Missing) => {
            let value = default.recorded();
            report::note_default(hash, key, report::fingerprint(&value), || value);
            // SAFETY: as above.
            unsafe { out.write(default) };
            HpStatus::Missing
        }
        Err(status) => status,
    }
}

/// The read of a value that is not stored as the requested type: converted by
/// `convert_value`, or the failure status for a null or a value that does not convert. The
/// view is the one [`read_primitive`] just looked in (the embedding library's hook ran).
#[cold]
#[inline(never)]
fn read_converting<T: Primitive>(
    hash: u64,
    key: &[u8],
    convert_value: fn(&Value) -> Result<T, String>,
) -> Result<T, HpStatus> {
    let target = T::TARGET;
    storage::with_entry(hash, key, |entry| match entry {
        None => Err(HpStatus::Missing),
        Some(entry) => match &entry.value {
            Value::Null => Err(null_value(key, entry, target)),
            value => {
                let converted = convert_value(value)
                    .map_err(|detail| not_convertible(key, entry, target, detail))?;
                report::note_entry(entry, T::KIND);
                Ok(converted)
            }
        },
    })
}

/// Reads `key` as a 64-bit integer into `*out`. Absent: writes `default_value` and
/// returns `HP_MISSING`. `key` is borrowed for the call; `out` must be writable.
///
/// # Safety
/// `key` points to `key_len` readable bytes (or is null with `key_len == 0`); `out` is null
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn hp_get_i64(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    default_value: i64,
    out: *mut i64,
) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller's pointers follow the crate conventions.
        unsafe { read_primitive(hash, key, key_len, default_value, out, convert::to_i64) }
    }
}

/// Reads `key` as a 64-bit float; otherwise as `hp_get_i64`.
///
/// # Safety
/// As `hp_get_i64`.
#[no_mangle]
pub unsafe extern "C" fn hp_get_f64(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    default_value: f64,
    out: *mut f64,
) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller's pointers follow the crate conventions.
        unsafe { read_primitive(hash, key, key_len, default_value, out, convert::to_f64) }
    }
}

/// Reads `key` as a bool; otherwise as `hp_get_i64`.
///
/// # Safety
/// As `hp_get_i64`.
#[no_mangle]
pub unsafe extern "C" fn hp_get_bool(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    default_value: bool,
    out: *mut bool,
) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller's pointers follow the crate conventions.
        unsafe { read_primitive(hash, key, key_len, default_value, out, convert::to_bool) }
    }
}

/// Reads `key` as text into the caller-owned buffer `buf` of `buf_cap` bytes:
/// the UTF-8 bytes followed by a NUL, with the length (without the NUL) in `*out_len`.
/// If `buf_cap` is less than length + 1, nothing is copied, `*out_len` is the length and
/// the status is `HP_BUFFER_TOO_SMALL` (`buf` may be null when `buf_cap` is 0). Absent:
/// `HP_MISSING`, `*out_len` is 0 and `buf` is untouched.
///
/// # Safety
/// `key` as for `hp_get_i64`; `buf` is null or points to `buf_cap` writable bytes; `out_len`
/// is null or writable.
#[no_mangle]
pub unsafe extern "C" fn hp_get_str(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    buf: *mut c_char,
    buf_cap: usize,
    out_len: *mut usize,
) -> HpStatus {
    panic_boundary! {
        if out_len.is_null() || (buf.is_null() && buf_cap != 0) {
            return fail(
                HpStatus::InvalidArgument,
                "the length output pointer is null, or the buffer is null with a capacity",
            );
        }
        // SAFETY: the caller passes `key_len` readable bytes (crate conventions).
        let key = try_status!(unsafe { read_key(key, key_len) });
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
            Some(entry) => {
                let status = match &entry.value {
                    Value::Str(text) => copy_out(text.as_bytes()),
                    Value::Null => return null_value(key, entry, Target::Str),
                    value => match convert::to_text(value) {
                        Ok(text) => copy_out(text.as_bytes()),
                        Err(detail) => return not_convertible(key, entry, Target::Str, detail),
                    },
                };
                report::note_entry(entry, ReadKind::Str);
                status
            }
        })
    }
}
