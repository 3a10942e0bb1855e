//! A hook run before every `hp_*` call touches the store, for the library that embeds this
//! ABI to bring the thread's view up to date first.
//!
//! The Python extension needs it: an asyncio task that resumes after an `await` runs on the
//! same thread as the task that ran before it, and the thread's view still shows that other
//! task's scopes until Python code touches the store again. C and C++ code called right after
//! the `await` would read the wrong task's values. The extension registers a hook that moves
//! the thread's view to the running task's context, so native readers see what Python sees.

use std::sync::atomic::{AtomicPtr, Ordering};

use hyperparameter::storage::{self, Cursor};
use hyperparameter::Entry;

/// The registered hook as a pointer, null when none is (the usual case outside Python).
static BEFORE_ACCESS: AtomicPtr<()> = AtomicPtr::new(std::ptr::null_mut());

/// Registers `hook` to run on the calling thread at the start of every `hp_*` call that reads
/// or writes the store (`None` removes it). The hook may use the store itself (the Rust API);
/// it must not call `hp_*` functions, and it must not panic.
pub fn set_before_access_hook(hook: Option<fn()>) {
    let pointer = hook.map_or(std::ptr::null_mut(), |hook| hook as *mut ());
    BEFORE_ACCESS.store(pointer, Ordering::Release);
}

/// Runs the hook, if one is registered.
#[inline(always)]
pub fn before_access() {
    let pointer = BEFORE_ACCESS.load(Ordering::Acquire);
    if !pointer.is_null() {
        // SAFETY: only `set_before_access_hook` stores into BEFORE_ACCESS, and it stores
        // either null or a `fn()` cast to a pointer; function pointers and data pointers have
        // the same size on every target this crate builds for.
        let hook = unsafe { std::mem::transmute::<*mut (), fn()>(pointer) };
        hook();
    }
}

/// This thread's store, for a read: the embedding library's hook first.
#[inline(always)]
pub fn with_entry<R>(hash: u64, key: &[u8], f: impl FnOnce(Option<&Entry>) -> R) -> R {
    before_access();
    storage::with_entry(hash, key, f)
}

/// This thread's store, for a write or a scope change: the embedding library's hook first.
#[inline(always)]
pub fn with_cursor<R>(f: impl FnOnce(&mut Cursor) -> R) -> R {
    before_access();
    storage::with_cursor(f)
}
