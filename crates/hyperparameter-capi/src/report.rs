//! The operative config from C and C++: `hp_report_save` writes it, and
//! `hp_report_note_default_str` records a text read that returned its default (the C++
//! layer supplies text defaults itself, so the library does not see them otherwise).

use std::ffi::c_char;

use hyperparameter::report;
use hyperparameter::Value;

use crate::ffi::borrowed_bytes;
use crate::status::{fail, fail_with, HpStatus};

/// Writes the operative config (every key read so far in the process, by any language) to
/// the file `path` (`path_len` bytes of UTF-8, borrowed for the call), TOML, YAML or JSON by
/// its extension, each value's source as a comment where the format has comments.
///
/// # Safety
/// `path` points to `path_len` readable bytes (or is null with `path_len == 0`).
#[no_mangle]
pub unsafe extern "C" fn hp_report_save(path: *const c_char, path_len: usize) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller passes `path_len` readable bytes (crate conventions).
        let Some(bytes) = (unsafe { borrowed_bytes(path, path_len) }) else {
            return fail(HpStatus::InvalidArgument, "the path pointer is null");
        };
        let path = try_utf8!(bytes, fail(HpStatus::InvalidArgument, "the path is not UTF-8"));
        match report::save_report(path) {
            Ok(()) => HpStatus::Ok,
            Err(err) => fail_with(err),
        }
    }
}

/// Records that a text read of the absent `key` (with its `hash`) returned `text`
/// (`text_len` bytes of UTF-8) as its default; the C++ layer calls it after `hp_get_str`
/// answered `HP_MISSING`. A default recorded already is skipped without allocating.
///
/// # Safety
/// `key` and `text` point to `key_len` and `text_len` readable bytes (or are null with a
/// length of 0).
#[no_mangle]
pub unsafe extern "C" fn hp_report_note_default_str(
    hash: u64,
    key: *const c_char,
    key_len: usize,
    text: *const c_char,
    text_len: usize,
) -> HpStatus {
    panic_boundary! {
        // SAFETY: the caller passes readable bytes of the given lengths (crate conventions).
        let (Some(key), Some(text)) =
            (unsafe { borrowed_bytes(key, key_len) }, unsafe { borrowed_bytes(text, text_len) })
        else {
            return fail(HpStatus::InvalidArgument, "the key or text pointer is null");
        };
        let text = try_utf8!(text, fail(HpStatus::InvalidArgument, "the default is not UTF-8"));
        report::note_default(hash, key, report::text_fingerprint(text), || Value::from(text));
        HpStatus::Ok
    }
}
