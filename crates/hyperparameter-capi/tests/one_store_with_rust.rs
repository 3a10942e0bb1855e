//! The C ABI and the Rust API of the same library read and write one store (SPEC §3).

use hyperparameter::{get_or, with_params, Key};
use hyperparameter_capi::{
    hp_get_i64, hp_key_hash, hp_scope_enter_with, hp_scope_exit, HpItem, HpKind, HpStatus,
};

fn c_read(key: &str) -> (HpStatus, i64) {
    let (mut hash, mut out) = (0, 0);
    // SAFETY: `key` is borrowed for the calls, the outputs are writable.
    let status = unsafe {
        assert_eq!(
            hp_key_hash(key.as_ptr().cast(), key.len(), &mut hash),
            HpStatus::Ok
        );
        hp_get_i64(hash, key.as_ptr().cast(), key.len(), -1, &mut out)
    };
    (status, out)
}

#[test]
fn rust_scopes_are_seen_through_the_c_abi() {
    assert_eq!(c_read("shared.rust"), (HpStatus::Missing, -1));
    with_params! {
        set shared.rust = 5;
        assert_eq!(c_read("shared.rust"), (HpStatus::Ok, 5));
    }
    assert_eq!(c_read("shared.rust"), (HpStatus::Missing, -1));
}

#[test]
fn c_scopes_are_seen_by_rust() {
    let key = "shared.c";
    let mut item = HpItem {
        hash: 0,
        key: key.as_ptr().cast(),
        key_len: key.len(),
        kind: HpKind::Int as i32,
        int_value: 8,
        float_value: 0.0,
        str_value: std::ptr::null(),
        str_len: 0,
        file: std::ptr::null(),
        file_len: 0,
        line: 0,
    };
    let mut scope = 0;
    // SAFETY: `key` is borrowed for the calls, `item` is readable, the outputs are writable.
    unsafe {
        assert_eq!(
            hp_key_hash(key.as_ptr().cast(), key.len(), &mut item.hash),
            HpStatus::Ok
        );
        assert_eq!(hp_scope_enter_with(&item, 1, &mut scope), HpStatus::Ok);
    }
    let rust_key = Key::new(key).unwrap();
    assert_eq!(get_or(&rust_key, 0i64), Ok(8));
    with_params! {
        get seen = shared.c or 0;
        assert_eq!(seen, 8);
    }
    // SAFETY: no pointers.
    assert_eq!(unsafe { hp_scope_exit(scope) }, HpStatus::Ok);
    assert_eq!(get_or(&rust_key, 0i64), Ok(0));
}
