//! The hook an embedding library (the Python extension) registers runs before every `hp_*`
//! call that touches the store, and may use the store itself. A test binary of its own: the
//! hook is process-wide.

use std::sync::atomic::{AtomicUsize, Ordering};

use hyperparameter::{put, Key, Source};
use hyperparameter_capi::{
    hp_get_i64, hp_key_hash, hp_put_i64, hp_scope_enter, hp_scope_exit, set_before_access_hook,
    HpStatus,
};

static CALLS: AtomicUsize = AtomicUsize::new(0);

/// Counts its calls and, like the Python extension's hook, updates the view: here it writes
/// the call count where a C reader will see it.
fn refresh_view() {
    let calls = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    put(
        &Key::new("hook.calls").unwrap(),
        calls as i64,
        Source::Unknown,
    )
    .unwrap();
}

fn hash(key: &str) -> u64 {
    let mut out = 0;
    // SAFETY: `key` is borrowed for the call, `out` is writable.
    let status = unsafe { hp_key_hash(key.as_ptr().cast(), key.len(), &mut out) };
    assert_eq!(status, HpStatus::Ok);
    out
}

#[test]
fn the_hook_runs_before_each_store_access_and_can_update_the_view() {
    let key = "hook.calls";
    let key_hash = hash(key);
    set_before_access_hook(Some(refresh_view));
    assert_eq!(
        CALLS.load(Ordering::SeqCst),
        0,
        "hp_key_hash does not touch the store"
    );

    let mut scope = 0;
    let mut seen = 0;
    // SAFETY: pointers borrowed for the calls, outputs writable.
    unsafe {
        assert_eq!(hp_scope_enter(&mut scope), HpStatus::Ok);
        assert_eq!(
            hp_get_i64(key_hash, key.as_ptr().cast(), key.len(), 0, &mut seen),
            HpStatus::Ok
        );
    }
    assert_eq!(seen, 2, "the read sees what the hook wrote just before it");
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            hp_put_i64(hash("hook.other"), "hook.other".as_ptr().cast(), 10, 1),
            HpStatus::Ok
        );
        assert_eq!(hp_scope_exit(scope), HpStatus::Ok);
    }
    assert_eq!(CALLS.load(Ordering::SeqCst), 4);

    set_before_access_hook(None);
    // SAFETY: as above.
    unsafe { hp_get_i64(key_hash, key.as_ptr().cast(), key.len(), 0, &mut seen) };
    assert_eq!(
        CALLS.load(Ordering::SeqCst),
        4,
        "a removed hook no longer runs"
    );
}
