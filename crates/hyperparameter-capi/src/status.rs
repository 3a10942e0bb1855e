//! Status codes and the per-thread last-error message.

use std::cell::RefCell;
use std::ffi::c_char;

use hyperparameter::{Error, ErrorKind};

/// What an `hp_*` call did. The numbers are part of the ABI: they are never reused or
/// renumbered, new codes are only appended.
#[repr(i32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HpStatus {
    /// Success.
    Ok = 0,
    /// The key is absent: the default was written to the output (not an error).
    Missing = 1,
    /// The stored value does not convert to the requested type.
    Conversion = 2,
    /// The stored value is a present null, which no typed read can return.
    NullValue = 3,
    /// The key breaks the key rules, or is not UTF-8.
    InvalidKey = 4,
    /// A null pointer, a hash that does not belong to its key, a bad item kind, text that
    /// is not UTF-8.
    InvalidArgument = 5,
    /// A scope exited out of order, or written to while another scope is active inside it.
    ScopeOrder = 6,
    /// Two different keys with the same hash; the write was refused.
    Collision = 7,
    /// The caller's buffer is too small; the needed length was written to `out_len`.
    BufferTooSmall = 8,
    /// A panic inside the library was caught at the boundary (a bug; please report it).
    Panic = 9,
}

impl HpStatus {
    /// Every status, in numeric order.
    ///
    /// cbindgen:ignore
    pub const ALL: [HpStatus; 10] = [
        HpStatus::Ok,
        HpStatus::Missing,
        HpStatus::Conversion,
        HpStatus::NullValue,
        HpStatus::InvalidKey,
        HpStatus::InvalidArgument,
        HpStatus::ScopeOrder,
        HpStatus::Collision,
        HpStatus::BufferTooSmall,
        HpStatus::Panic,
    ];

    /// The status's name as the C header spells it, NUL-terminated for `hp_status_name`.
    pub fn c_name(self) -> &'static str {
        match self {
            HpStatus::Ok => "HP_OK\0",
            HpStatus::Missing => "HP_MISSING\0",
            HpStatus::Conversion => "HP_CONVERSION\0",
            HpStatus::NullValue => "HP_NULL_VALUE\0",
            HpStatus::InvalidKey => "HP_INVALID_KEY\0",
            HpStatus::InvalidArgument => "HP_INVALID_ARGUMENT\0",
            HpStatus::ScopeOrder => "HP_SCOPE_ORDER\0",
            HpStatus::Collision => "HP_COLLISION\0",
            HpStatus::BufferTooSmall => "HP_BUFFER_TOO_SMALL\0",
            HpStatus::Panic => "HP_PANIC\0",
        }
    }

    /// The status's name as the C header spells it.
    pub fn name(self) -> &'static str {
        self.c_name().trim_end_matches('\0')
    }
}

thread_local! {
    /// The message of the last failed call on this thread, NUL-terminated.
    static LAST_ERROR: RefCell<Vec<u8>> = RefCell::new(vec![0]);
}

/// Records `message` as this thread's last error and returns `status`.
///
/// Kept out of line: it allocates, and the success paths of reads must not.
#[cold]
#[inline(never)]
pub fn fail(status: HpStatus, message: impl Into<String>) -> HpStatus {
    let mut bytes = message.into().into_bytes();
    // The message is handed out as a C string: an inner NUL would cut it short.
    bytes.retain(|&b| b != 0);
    bytes.push(0);
    // If the thread-local is already destroyed (a call during thread exit), the status
    // alone has to do.
    let _ = LAST_ERROR.try_with(|last| *last.borrow_mut() = bytes);
    status
}

/// Records a core error with the status that matches it.
#[cold]
#[inline(never)]
pub fn fail_with(err: Error) -> HpStatus {
    fail(status_of(err.kind()), err.to_string())
}

/// The status a core error is reported with. Exhaustive on purpose: a new kind of core error
/// does not compile here until it is given a status.
pub fn status_of(kind: ErrorKind) -> HpStatus {
    match kind {
        ErrorKind::InvalidKey => HpStatus::InvalidKey,
        ErrorKind::Missing => HpStatus::Missing,
        ErrorKind::Conversion => HpStatus::Conversion,
        ErrorKind::HashCollision => HpStatus::Collision,
        ErrorKind::Scope => HpStatus::ScopeOrder,
        // A `key=value` item, a configuration text, an override, a config tree or a
        // deserialization: input the caller handed over that the library refuses.
        ErrorKind::InvalidDefine
        | ErrorKind::Parse
        | ErrorKind::Override
        | ErrorKind::Compose
        | ErrorKind::Deserialize => HpStatus::InvalidArgument,
    }
}

/// A pointer to this thread's last error message (empty when there was none). It stays
/// valid until the next failing call on this thread.
pub fn last_error_ptr() -> *const c_char {
    static EMPTY: &[u8] = b"\0";
    LAST_ERROR
        .try_with(|last| last.borrow().as_ptr().cast::<c_char>())
        .unwrap_or(EMPTY.as_ptr().cast::<c_char>())
}

/// Turns a caught panic's payload into a message.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = if let Some(text) = payload.downcast_ref::<&str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.as_str()
    } else {
        "a panic without a message"
    };
    format!("internal error in the hyperparameter library (caught at the C boundary): {detail}")
}

/// This thread's last error message: NUL-terminated UTF-8 owned by the library, valid
/// until the next failing call on this thread. Meaningful right after a call returned
/// a status other than `HP_OK` and `HP_MISSING`; empty if no call has failed yet.
///
/// # Safety
/// Takes no pointer; always safe to call.
#[no_mangle]
pub unsafe extern "C" fn hp_last_error_message() -> *const c_char {
    panic_boundary! { else last_error_ptr(); last_error_ptr() }
}

/// The name of a status (`"HP_CONVERSION"`), a static NUL-terminated string;
/// `"HP_UNKNOWN_STATUS"` for a number that is not a status.
///
/// # Safety
/// Takes no pointer; always safe to call.
#[no_mangle]
pub unsafe extern "C" fn hp_status_name(status: i32) -> *const c_char {
    panic_boundary! {
        else std::ptr::null();
        HpStatus::ALL
            .iter()
            .find(|known| **known as i32 == status)
            .map_or("HP_UNKNOWN_STATUS\0", |known| known.c_name())
            .as_ptr()
            .cast::<c_char>()
    }
}
