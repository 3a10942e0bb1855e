//! SPEC §9/§13: typed reads through the C ABI never allocate on success.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use hyperparameter_capi::{
    hp_get_bool, hp_get_f64, hp_get_i64, hp_get_str, hp_key_hash, hp_put_i64, hp_put_str,
    hp_scope_enter, hp_scope_exit, HpStatus,
};

/// Counts allocations made by this thread.
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn typed_reads_of_present_and_absent_keys_do_not_allocate() {
    let (int_key, text_key, absent) = ("alloc.int", "alloc.text", "alloc.absent");
    let mut hashes = [0u64; 3];
    for (key, out) in [int_key, text_key, absent].iter().zip(hashes.iter_mut()) {
        // SAFETY: `key` borrowed for the call, `out` writable.
        let status = unsafe { hp_key_hash(key.as_ptr().cast(), key.len(), out) };
        assert_eq!(status, HpStatus::Ok);
    }
    let mut scope = 0;
    // SAFETY: all pointers are borrowed for the calls and valid.
    unsafe {
        assert_eq!(hp_scope_enter(&mut scope), HpStatus::Ok);
        assert_eq!(
            hp_put_i64(hashes[0], int_key.as_ptr().cast(), int_key.len(), 1),
            HpStatus::Ok
        );
        assert_eq!(
            hp_put_str(
                hashes[1],
                text_key.as_ptr().cast(),
                text_key.len(),
                "2.5".as_ptr().cast(),
                3
            ),
            HpStatus::Ok
        );
    }
    let (mut int, mut float, mut flag, mut len) = (0i64, 0f64, false, 0usize);
    let mut buf = [0u8; 16];
    // The first read of a key records it in the operative config, which allocates; the
    // reads after it do not.
    let mut before = 0;
    for round in 0..1001 {
        if round == 1 {
            before = allocations();
        }
        // SAFETY: keys borrowed for the calls, outputs writable, `buf` holds 16 bytes.
        unsafe {
            assert_eq!(
                hp_get_i64(
                    hashes[0],
                    int_key.as_ptr().cast(),
                    int_key.len(),
                    0,
                    &mut int
                ),
                HpStatus::Ok
            );
            assert_eq!(
                hp_get_bool(
                    hashes[0],
                    int_key.as_ptr().cast(),
                    int_key.len(),
                    false,
                    &mut flag
                ),
                HpStatus::Ok
            );
            assert_eq!(
                hp_get_f64(
                    hashes[1],
                    text_key.as_ptr().cast(),
                    text_key.len(),
                    0.0,
                    &mut float
                ),
                HpStatus::Ok
            );
            assert_eq!(
                hp_get_i64(hashes[2], absent.as_ptr().cast(), absent.len(), 9, &mut int),
                HpStatus::Missing
            );
            assert_eq!(
                hp_get_str(
                    hashes[1],
                    text_key.as_ptr().cast(),
                    text_key.len(),
                    buf.as_mut_ptr().cast(),
                    16,
                    &mut len
                ),
                HpStatus::Ok
            );
        }
    }
    let during = allocations() - before;
    assert_eq!((int, flag, float, len), (9, true, 2.5, 3));
    assert_eq!(during, 0, "reads allocated {during} times");
    // A failing read does allocate (its message); the counter must see that, or the
    // assertion above proves nothing.
    // SAFETY: as above.
    let status = unsafe {
        hp_get_bool(
            hashes[1],
            text_key.as_ptr().cast(),
            text_key.len(),
            false,
            &mut flag,
        )
    };
    assert_eq!(status, HpStatus::Conversion);
    assert!(allocations() > before);
    // SAFETY: no pointers.
    assert_eq!(unsafe { hp_scope_exit(scope) }, HpStatus::Ok);
}
