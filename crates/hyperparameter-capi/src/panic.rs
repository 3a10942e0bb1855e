//! The panic boundary: no panic unwinds into C. Every export's body runs inside
//! [`panic_boundary!`]; a caught panic becomes `HP_PANIC` with the panic's message as the
//! thread's last error.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::{fail, panic_message, HpStatus};

/// Runs `body`, turning a panic into `on_panic()` after recording its message.
#[inline(always)]
pub fn boundary<R>(on_panic: impl FnOnce() -> R, body: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            fail(HpStatus::Panic, panic_message(&*payload));
            on_panic()
        }
    }
}

/// Runs an export's body inside [`boundary`]: `panic_boundary! { body }` for exports that
/// return a status (a panic is `HP_PANIC`), `panic_boundary! { else value; body }` for the
/// others. A `return` in the body returns from the export.
macro_rules! panic_boundary {
    (else $on_panic:expr; $($body:tt)*) => {
        $crate::panic::boundary(|| $on_panic, || { $($body)* })
    };
    ($($body:tt)*) => {
        $crate::panic::boundary(|| $crate::HpStatus::Panic, || { $($body)* })
    };
}
