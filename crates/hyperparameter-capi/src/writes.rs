//! Writes into this thread's innermost active scope (its root layer when none is active):
//! `hp_put_null`, `hp_put_bool`, `hp_put_i64`, `hp_put_f64`, `hp_put_str` and `hp_put`.

use std::ffi::c_char;

use hyperparameter::{Entry, Source, Value};

use crate::hook::with_cursor;
use crate::item::{decode_item, value_text, HpItem};
use crate::key::{key_text, write_key};
use crate::status::{fail_with, HpStatus};

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
/// As [`crate::ffi::borrowed_bytes`] for `key`/`key_len`.
unsafe fn put_value(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    value: impl FnOnce(&str) -> Result<Value, HpStatus>,
) -> HpStatus {
    // SAFETY: forwarded caller contract.
    let key = try_status!(unsafe { key_text(key, key_len) });
    let stored_key = try_status!(write_key(key, hash));
    let value = try_status!(value(key));
    put_entry(
        hash,
        Entry {
            key: stored_key,
            value,
            source: Source::Unknown,
            read_mark: Default::default(),
        },
    )
}

/// Writes a present null for `key` into this thread's innermost scope (or its root
/// layer when no scope is active). `key` is borrowed for the call.
///
/// # Safety
/// `key` points to `key_len` readable bytes (or is null with `key_len == 0`).
#[no_mangle]
pub unsafe extern "C" fn hp_put_null(hash: u64, key: *const c_char, key_len: usize) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller's pointers follow the crate conventions.
        unsafe { put_value(hash, key, key_len, |_| Ok(Value::Null)) }
    }
}

/// Writes a bool; otherwise as `hp_put_null`.
///
/// # Safety
/// As `hp_put_null`.
#[no_mangle]
pub unsafe extern "C" fn hp_put_bool(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    value: bool,
) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller's pointers follow the crate conventions.
        unsafe { put_value(hash, key, key_len, |_| Ok(Value::Bool(value))) }
    }
}

/// Writes a 64-bit integer; otherwise as `hp_put_null`.
///
/// # Safety
/// As `hp_put_null`.
#[no_mangle]
pub unsafe extern "C" fn hp_put_i64(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    value: i64,
) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller's pointers follow the crate conventions.
        unsafe { put_value(hash, key, key_len, |_| Ok(Value::Int(value))) }
    }
}

/// Writes a 64-bit float; otherwise as `hp_put_null`.
///
/// # Safety
/// As `hp_put_null`.
#[no_mangle]
pub unsafe extern "C" fn hp_put_f64(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    value: f64,
) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller's pointers follow the crate conventions.
        unsafe { put_value(hash, key, key_len, |_| Ok(Value::Float(value))) }
    }
}

/// Writes UTF-8 text (`value`, `value_len` bytes, borrowed for the call and copied);
/// otherwise as `hp_put_null`.
///
/// # Safety
/// As `hp_put_null`; `value` points to `value_len` readable bytes (or is null with
/// `value_len == 0`).
#[no_mangle]
pub unsafe extern "C" fn hp_put_str(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    value: *const c_char,
    value_len: usize,
) -> HpStatus {
    panic_boundary! {
        let decode = |key: &str| {
            // SAFETY: the caller passes `value_len` readable bytes at `value`.
            unsafe { value_text(key, value, value_len) }.map(Value::from)
        };
        // SAFETY: the caller's pointers follow the crate conventions.
        unsafe { put_value(hash, key, key_len, decode) }
    }
}

/// Writes one override (`item`, borrowed for the call) into this thread's innermost
/// active scope (or its root layer), recording `item.file:item.line` as its source.
///
/// # Safety
/// `item` is null or points to a readable item whose pointers follow the crate conventions.
#[no_mangle]
pub unsafe extern "C" fn hp_put(item: *const HpItem) -> HpStatus {
    panic_boundary! {
        require_non_null!(item, "item");
        // SAFETY: non-null, and the caller passes a readable item whose pointers follow the
        // crate conventions.
        let (hash, entry) = try_status!(unsafe { decode_item(&*item) });
        put_entry(hash, entry)
    }
}
