//! Typed reads: `hp_get_i64`, `hp_get_f64`, `hp_get_bool`, `hp_get_str`.
//!
//! A read is one lookup in the thread's materialized view followed by the conversion
//! functions of `hyperparameter::convert` on the stored value; only failures build a message.

use std::ffi::c_char;

use hyperparameter::convert::{self, Target};
use hyperparameter::read::conversion_error;
use hyperparameter::report::{self, ReadKind};
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

/// A primitive type the C ABI reads: its conversion target, and its value as the operative
/// config records a default.
trait Primitive: Copy {
    const TARGET: Target;
    fn recorded(self) -> Value;
}

impl Primitive for i64 {
    const TARGET: Target = Target::Int;
    fn recorded(self) -> Value {
        Value::Int(self)
    }
}

impl Primitive for f64 {
    const TARGET: Target = Target::Float;
    fn recorded(self) -> Value {
        Value::Float(self)
    }
}

impl Primitive for bool {
    const TARGET: Target = Target::Bool;
    fn recorded(self) -> Value {
        Value::Bool(self)
    }
}

/// A typed read of a primitive: looks the key up and converts by the conversion table,
/// without allocating on success. `convert_value` is one of the `hyperparameter::convert`
/// functions, preceded by the identity case so that reading a value of the requested type
/// stays inline.
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
    convert_value: impl Fn(&Value) -> Result<T, String>,
) -> HpStatus {
    let target = T::TARGET;
    require_non_null!(out, "output");
    // SAFETY: forwarded caller contract.
    let key = try_status!(unsafe { read_key(key, key_len) });
    let result = with_entry(hash, key, |entry| match entry {
        None => Err(HpStatus::Missing),
        Some(entry) => match &entry.value {
            Value::Null => Err(null_value(key, entry, target)),
            value => {
                let converted = convert_value(value)
                    .map_err(|detail| not_convertible(key, entry, target, detail))?;
                report::note_entry(entry, ReadKind::of(Some(target)));
                Ok(converted)
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
            let value = default.recorded();
            report::note_default(hash, key, report::fingerprint(&value), || value);
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
        unsafe { read_primitive(hash, key, key_len, default_value, out, as_i64) }
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
        unsafe { read_primitive(hash, key, key_len, default_value, out, as_f64) }
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
        unsafe { read_primitive(hash, key, key_len, default_value, out, as_bool) }
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
