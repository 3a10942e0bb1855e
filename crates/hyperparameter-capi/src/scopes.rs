//! Scopes: `hp_scope_enter`, `hp_scope_enter_with`, `hp_scope_put`, `hp_scope_exit`, and
//! `hp_frozen` for the snapshot new threads start from.

use hyperparameter::{storage, Error};

use crate::hook::{before_access, with_cursor};
use crate::item::{check_same_keys, decode_item, HpItem};
use crate::status::{fail, fail_with, HpStatus};

/// Writes a scope id to an out pointer.
///
/// # Safety
/// `out` is null or writable.
unsafe fn write_scope(out: *mut u64, scope: u64) -> HpStatus {
    require_non_null!(out, "scope output");
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { out.write(scope) };
    HpStatus::Ok
}

/// Enters a new, empty scope on this thread, layered on the current view, and writes its
/// id to `*out_scope` (writable). Leave it with `hp_scope_exit`.
///
/// # Safety
/// `out_scope` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn hp_scope_enter(out_scope: *mut u64) -> HpStatus {
    panic_boundary! {
        require_non_null!(out_scope, "scope output");
        let scope = with_cursor(|cursor| cursor.enter_entries([]));
        // SAFETY: checked non-null above; the caller promises it is writable.
        unsafe { write_scope(out_scope, scope) }
    }
}

/// Enters a new scope holding the `count` overrides of `items` (borrowed for the call; a
/// later item for the same key wins) and writes its id to `*out_scope`. Costs
/// O(count). On any bad item nothing is entered.
///
/// # Safety
/// `items` points to `count` readable items whose pointers follow the crate conventions (or
/// is null with `count == 0`); `out_scope` is null or writable.
#[no_mangle]
pub unsafe extern "C" fn hp_scope_enter_with(
    items: *const HpItem,
    count: usize,
    out_scope: *mut u64,
) -> HpStatus {
    panic_boundary! {
        if out_scope.is_null() || (items.is_null() && count != 0) {
            return fail(
                HpStatus::InvalidArgument,
                "the scope output pointer or the items pointer is null",
            );
        }
        let items = if count == 0 {
            &[][..]
        } else {
            // SAFETY: non-null, and the caller passes `count` readable items.
            unsafe { std::slice::from_raw_parts(items, count) }
        };
        let mut overrides = Vec::with_capacity(items.len());
        for item in items {
            // SAFETY: each item's pointers follow the crate conventions.
            overrides.push(try_status!(unsafe { decode_item(item) }));
        }
        if let Err(err) = check_same_keys(&overrides) {
            return fail_with(err);
        }
        let scope = with_cursor(|cursor| cursor.enter_entries(overrides));
        // SAFETY: checked non-null above; the caller promises it is writable.
        unsafe { write_scope(out_scope, scope) }
    }
}

/// Writes one override into scope `scope`, which must be this thread's innermost active
/// scope (`HP_SCOPE_ORDER` otherwise: the value would be invisible or
/// surprising). `item` is borrowed for the call.
///
/// # Safety
/// `item` is null or points to a readable item whose pointers follow the crate conventions.
#[no_mangle]
pub unsafe extern "C" fn hp_scope_put(scope: u64, item: *const HpItem) -> HpStatus {
    panic_boundary! {
        require_non_null!(item, "item");
        // SAFETY: non-null, and the caller passes a readable item whose pointers follow the
        // crate conventions.
        let (hash, entry) = try_status!(unsafe { decode_item(&*item) });
        let result = with_cursor(|cursor| {
            let innermost = cursor.innermost_scope();
            if innermost != scope {
                return Err(Error::Scope(format!(
                    "cannot write `{}` through scope #{scope}: scope #{innermost} is the \
                     innermost active one on this thread",
                    entry.key
                )));
            }
            cursor.put(hash, entry)
        });
        match result {
            Ok(()) => HpStatus::Ok,
            Err(err) => fail_with(err),
        }
    }
}

/// Leaves scope `scope`, restoring exactly the view before it was entered. It must be the
/// innermost active scope of this thread (`HP_SCOPE_ORDER` otherwise, and nothing
/// changes).
///
/// # Safety
/// Takes no pointer; always safe to call.
#[no_mangle]
pub unsafe extern "C" fn hp_scope_exit(scope: u64) -> HpStatus {
    panic_boundary! {
        match with_cursor(|cursor| cursor.exit(scope)) {
            Ok(()) => HpStatus::Ok,
            Err(err) => fail_with(err),
        }
    }
}

/// Makes this thread's current view the snapshot that threads started from now on begin
/// with (`frozen()` of the other languages).
///
/// # Safety
/// Takes no pointer; always safe to call.
#[no_mangle]
pub unsafe extern "C" fn hp_frozen() -> HpStatus {
    panic_boundary! {
        before_access();
        storage::frozen();
        HpStatus::Ok
    }
}
