//! The C ABI of the hyperparameter store, and the library behind the header-only
//! C++ layer in `include/hyperparameter.h`.
//!
//! # Conventions
//! - Every function is named `hp_<noun>_<verb>` or `hp_<verb>_<type>` and returns an
//!   [`HpStatus`] (an `int32_t` in C) unless it says otherwise. After a status other than
//!   `HP_OK`/`HP_MISSING`, [`hp_last_error_message`] explains it (key, value, source, target).
//! - No panic crosses the boundary: every export's body runs inside `panic_boundary!` (a
//!   `catch_unwind`), and a caught panic is reported as `HP_PANIC`.
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
//!
//! # Layout
//! One module per concern: `ffi` (borrowed pointers; the null and UTF-8 checks as macros),
//! `panic` (the panic boundary), `status` (status codes, the last error), `key` (key
//! decoding and checks), `item` ([`HpItem`] and its decoding), `reads`, `report` (the
//! operative config), `writes`, `scopes`,
//! `hook` (the embedding library's hook) and `intern` (keys and sources cached per call
//! site). The C half of `include/hyperparameter.h` is generated from these declarations by
//! cbindgen (`cbindgen.toml`); a test fails when the checked-in header is stale.

#[macro_use]
mod ffi;
#[macro_use]
mod panic;
mod hook;
mod intern;
mod item;
mod key;
mod reads;
mod report;
mod scopes;
mod status;
mod writes;

pub use hook::set_before_access_hook;
pub use item::{HpItem, HpKind};
pub use key::hp_key_hash;
pub use reads::{hp_get_bool, hp_get_f64, hp_get_i64, hp_get_str};
pub use report::{hp_report_note_default_str, hp_report_save};
pub use scopes::{hp_frozen, hp_scope_enter, hp_scope_enter_with, hp_scope_exit, hp_scope_put};
pub use status::{hp_last_error_message, hp_status_name, HpStatus};
pub use writes::{hp_put, hp_put_bool, hp_put_f64, hp_put_i64, hp_put_null, hp_put_str};

/// Version of this ABI; bumped only for incompatible changes (additions keep it).
pub const HP_ABI_VERSION: u32 = 1;

/// The ABI version this library implements (`HP_ABI_VERSION` in the header).
///
/// # Safety
/// Takes no pointer; always safe to call.
#[no_mangle]
pub unsafe extern "C" fn hp_abi_version() -> u32 {
    panic_boundary! { else HP_ABI_VERSION; HP_ABI_VERSION }
}

#[cfg(test)]
mod tests;
