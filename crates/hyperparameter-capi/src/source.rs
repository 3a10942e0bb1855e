//! Where values written through the C ABI come from: the C/C++ call site (SPEC §10).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_char;
use std::sync::Arc;

use hyperparameter::{Source, Text};

/// Beyond this many distinct file names, the cache starts over (a bound, never reached by a
/// program with a sane number of source files).
const MAX_CACHED_FILE_NAMES: usize = 4096;

thread_local! {
    /// File names already copied, by the address and length the caller passed them at:
    /// `WITH_PARAMS` passes the same `__FILE__` literal on every call, so the copy is made once
    /// per call site file and thread. The text is compared too, so a reused address with other
    /// contents is copied afresh.
    static FILE_NAMES: RefCell<HashMap<(usize, usize), Arc<str>>> = RefCell::new(HashMap::new());
}

/// The source of a write made at `file:line`, or [`Source::Unknown`] when `file` is null.
///
/// # Safety
/// `file` is null, or points to `file_len` readable bytes for the call.
pub unsafe fn code_source(file: *const c_char, file_len: usize, line: u32) -> Source {
    if file.is_null() {
        return Source::Unknown;
    }
    // SAFETY: non-null, and the caller passes `file_len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(file.cast::<u8>(), file_len) };
    let slot = (file as usize, file_len);
    let shared = FILE_NAMES.try_with(|names| {
        let mut names = names.borrow_mut();
        if let Some(name) = names.get(&slot) {
            if name.as_bytes() == bytes {
                return name.clone();
            }
        }
        if names.len() >= MAX_CACHED_FILE_NAMES {
            names.clear();
        }
        let name: Arc<str> = Arc::from(String::from_utf8_lossy(bytes));
        names.insert(slot, name.clone());
        name
    });
    let file = shared.unwrap_or_else(|_| Arc::from(String::from_utf8_lossy(bytes)));
    Source::Code {
        file: Text::Shared(file),
        line,
    }
}
