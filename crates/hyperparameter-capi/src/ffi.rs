//! Decoding what a C caller passes: borrowed byte ranges, and the null and UTF-8 checks every
//! export makes, as macros that return the failure status from the export itself.

use std::ffi::c_char;

/// Returns `HP_INVALID_ARGUMENT` ("the `$what` pointer is null", recorded as the last error)
/// from the enclosing function when `$ptr` is null.
macro_rules! require_non_null {
    ($ptr:expr, $what:literal) => {
        if $ptr.is_null() {
            return $crate::status::fail(
                $crate::HpStatus::InvalidArgument,
                concat!("the ", $what, " pointer is null"),
            );
        }
    };
}

/// The `Ok` value of a `Result<T, HpStatus>`, or returns the status from the enclosing
/// function.
macro_rules! try_status {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(status) => return status,
        }
    };
}

/// The bytes `$bytes` as UTF-8 text, or returns `$on_error` (evaluated only then) from the
/// enclosing function.
macro_rules! try_utf8 {
    ($bytes:expr, $on_error:expr) => {
        match $crate::ffi::utf8($bytes) {
            Some(text) => text,
            None => return $on_error,
        }
    };
}

/// `bytes` as UTF-8 text; ASCII (the common case) skips the general validation.
#[inline(always)]
pub fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes are valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// Borrows `len` bytes at `ptr` for the duration of a call; `(null, 0)` is the empty text,
/// `None` a null pointer with a length.
///
/// # Safety
/// `ptr` is null, or points to `len` readable bytes that stay unchanged for the call.
#[inline(always)]
pub unsafe fn borrowed_bytes<'a>(ptr: *const c_char, len: usize) -> Option<&'a [u8]> {
    if ptr.is_null() {
        return (len == 0).then_some(&[]);
    }
    // SAFETY: non-null, and the caller promises `len` readable bytes for the call.
    Some(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}
