//! Keys as C passes them (hash plus UTF-8 text): decoding, the checks writes make, and
//! [`hp_key_hash`].

use std::ffi::c_char;

use hyperparameter::{key_hash, key_problem, Error, Text};

use crate::ffi::borrowed_bytes;
use crate::intern::key_for_write;
use crate::status::{fail, fail_with, HpStatus};

/// The key text of a write, or the failure status (with its message recorded).
///
/// # Safety
/// As [`borrowed_bytes`].
#[inline(always)]
pub unsafe fn key_text<'a>(key: *const c_char, key_len: usize) -> Result<&'a str, HpStatus> {
    // SAFETY: forwarded caller contract.
    let Some(bytes) = (unsafe { borrowed_bytes(key, key_len) }) else {
        return Err(null_key());
    };
    Ok(try_utf8!(bytes, Err(not_utf8_key(bytes))))
}

/// The key of a read, as bytes: reads compare it with stored keys, which are valid UTF-8,
/// so it needs no validation of its own (a key that is not UTF-8 simply is not found).
///
/// # Safety
/// As [`borrowed_bytes`].
#[inline(always)]
pub unsafe fn read_key<'a>(key: *const c_char, key_len: usize) -> Result<&'a [u8], HpStatus> {
    // SAFETY: forwarded caller contract.
    unsafe { borrowed_bytes(key, key_len) }.ok_or_else(null_key)
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

/// The stored text of a key being written with `hash`, checked (the key rules, and that the
/// hash is the key's) unless the same call site wrote it before.
pub fn write_key(key: &str, hash: u64) -> Result<Text, HpStatus> {
    key_for_write(key, hash, |key, hash| checked_write_key(hash, key))
}

/// Checks `key` and writes `xxh64(utf8(key), 42)` to `*out_hash`.
/// `key` is borrowed for the call; `out_hash` must be writable.
///
/// # Safety
/// `key` points to `key_len` readable bytes (or is null with `key_len == 0`); `out_hash` is
/// null or writable.
#[no_mangle]
pub unsafe extern "C" fn hp_key_hash(
    key: *const c_char,
    key_len: usize,
    out_hash: *mut u64,
) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller passes `key_len` readable bytes (crate conventions).
        let key = try_status!(unsafe { key_text(key, key_len) });
        require_non_null!(out_hash, "hash output");
        if let Some(reason) = key_problem(key) {
            return fail_with(Error::InvalidKey { key: key.to_string(), reason });
        }
        // SAFETY: checked non-null; the caller promises it is writable.
        unsafe { out_hash.write(key_hash(key)) };
        HpStatus::Ok
    }
}
