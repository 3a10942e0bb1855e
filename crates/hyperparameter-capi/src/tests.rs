//! The C ABI called from Rust, as a C program would call it.

use std::ffi::{c_char, CStr};

use hyperparameter::{Entry, Error, Source, Text, Value};

use super::*;
use crate::item::check_same_keys;
use crate::panic::boundary;

fn hash(key: &str) -> u64 {
    let mut out = 0;
    // SAFETY: `key` is borrowed for the call, `out` is writable.
    let status = unsafe { hp_key_hash(key.as_ptr().cast(), key.len(), &mut out) };
    assert_eq!(status, HpStatus::Ok, "{key}");
    out
}

fn last_error() -> String {
    // SAFETY: the library returns a NUL-terminated string it owns.
    unsafe { CStr::from_ptr(hp_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fn get_i64(key: &str, default: i64) -> (HpStatus, i64) {
    let mut out = -12345;
    // SAFETY: `key` is borrowed for the call, `out` is writable.
    let status =
        unsafe { hp_get_i64(hash(key), key.as_ptr().cast(), key.len(), default, &mut out) };
    (status, out)
}

fn get_str(key: &str, capacity: usize) -> (HpStatus, String, usize) {
    let mut buf = vec![0x55u8; capacity];
    let mut len = usize::MAX;
    // SAFETY: `buf` holds `capacity` writable bytes, `len` is writable.
    let status = unsafe {
        hp_get_str(
            hash(key),
            key.as_ptr().cast(),
            key.len(),
            buf.as_mut_ptr().cast::<c_char>(),
            capacity,
            &mut len,
        )
    };
    let text = if status == HpStatus::Ok {
        assert_eq!(buf[len], 0, "NUL-terminated");
        String::from_utf8(buf[..len].to_vec()).unwrap()
    } else {
        String::new()
    };
    (status, text, len)
}

fn put_i64(key: &str, value: i64) -> HpStatus {
    // SAFETY: `key` is borrowed for the call.
    unsafe { hp_put_i64(hash(key), key.as_ptr().cast(), key.len(), value) }
}

fn put_str(key: &str, value: &str) -> HpStatus {
    // SAFETY: `key` and `value` are borrowed for the call.
    unsafe {
        hp_put_str(
            hash(key),
            key.as_ptr().cast(),
            key.len(),
            value.as_ptr().cast(),
            value.len(),
        )
    }
}

fn enter() -> u64 {
    let mut scope = 0;
    // SAFETY: `scope` is writable.
    assert_eq!(unsafe { hp_scope_enter(&mut scope) }, HpStatus::Ok);
    scope
}

fn exit(scope: u64) -> HpStatus {
    // SAFETY: no pointers.
    unsafe { hp_scope_exit(scope) }
}

fn item(key: &'static str, value: i64) -> HpItem {
    HpItem {
        hash: hash(key),
        key: key.as_ptr().cast(),
        key_len: key.len(),
        kind: HpKind::Int as i32,
        int_value: value,
        float_value: 0.0,
        str_value: std::ptr::null(),
        str_len: 0,
        file: std::ptr::null(),
        file_len: 0,
        line: 0,
    }
}

#[test]
fn absent_keys_give_the_default_with_missing() {
    assert_eq!(get_i64("capi.absent", 7), (HpStatus::Missing, 7));
    assert_eq!(get_str("capi.absent", 8).0, HpStatus::Missing);
}

#[test]
fn writes_roll_back_when_the_scope_exits() {
    let scope = enter();
    assert_eq!(put_i64("capi.rollback", 3), HpStatus::Ok);
    assert_eq!(get_i64("capi.rollback", 0), (HpStatus::Ok, 3));
    let inner = enter();
    assert_eq!(put_i64("capi.rollback", 4), HpStatus::Ok);
    assert_eq!(get_i64("capi.rollback", 0), (HpStatus::Ok, 4));
    assert_eq!(exit(inner), HpStatus::Ok);
    assert_eq!(get_i64("capi.rollback", 0), (HpStatus::Ok, 3));
    assert_eq!(exit(scope), HpStatus::Ok);
    assert_eq!(get_i64("capi.rollback", 0), (HpStatus::Missing, 0));
}

#[test]
fn out_of_order_exit_is_refused_and_changes_nothing() {
    let outer = enter();
    let inner = enter();
    assert_eq!(put_i64("capi.order", 1), HpStatus::Ok);
    assert_eq!(exit(outer), HpStatus::ScopeOrder);
    assert!(last_error().contains("reverse order"), "{}", last_error());
    assert_eq!(get_i64("capi.order", 0), (HpStatus::Ok, 1));
    assert_eq!(exit(inner), HpStatus::Ok);
    assert_eq!(exit(outer), HpStatus::Ok);
    assert_eq!(exit(outer), HpStatus::ScopeOrder, "exiting twice");
}

#[test]
fn enter_with_sets_every_item_and_scope_put_needs_the_innermost_scope() {
    let items = [
        item("capi.with.a", 1),
        item("capi.with.b", 2),
        item("capi.with.a", 3),
    ];
    let mut scope = 0;
    // SAFETY: `items` holds 3 readable items, `scope` is writable.
    let status = unsafe { hp_scope_enter_with(items.as_ptr(), 3, &mut scope) };
    assert_eq!(status, HpStatus::Ok);
    assert_eq!(
        get_i64("capi.with.a", 0),
        (HpStatus::Ok, 3),
        "later item wins"
    );
    assert_eq!(get_i64("capi.with.b", 0), (HpStatus::Ok, 2));
    let later = item("capi.with.c", 5);
    // SAFETY: `later` is a readable item.
    assert_eq!(unsafe { hp_scope_put(scope, &later) }, HpStatus::Ok);
    assert_eq!(get_i64("capi.with.c", 0), (HpStatus::Ok, 5));
    let inner = enter();
    // SAFETY: as above.
    assert_eq!(unsafe { hp_scope_put(scope, &later) }, HpStatus::ScopeOrder);
    assert_eq!(exit(inner), HpStatus::Ok);
    assert_eq!(exit(scope), HpStatus::Ok);
    assert_eq!(get_i64("capi.with.a", 0).0, HpStatus::Missing);
}

#[test]
fn items_record_their_call_site_as_the_source() {
    let scope = enter();
    let mut file = *b"trainer.cpp";
    let mut written = item("capi.source", 0);
    written.kind = HpKind::Str as i32;
    written.str_value = "fast".as_ptr().cast();
    written.str_len = 4;
    written.file = file.as_ptr().cast();
    written.file_len = file.len();
    written.line = 42;
    // SAFETY: `written` is a readable item with borrowed texts.
    assert_eq!(unsafe { hp_put(&written) }, HpStatus::Ok);
    assert_eq!(get_i64("capi.source", 0).0, HpStatus::Conversion);
    assert!(last_error().contains("trainer.cpp:42"), "{}", last_error());
    // The same address holding other text is not taken from the cache.
    file.copy_from_slice(b"scheduler.h");
    written.file = file.as_ptr().cast();
    // SAFETY: as above.
    assert_eq!(unsafe { hp_put(&written) }, HpStatus::Ok);
    assert_eq!(get_i64("capi.source", 0).0, HpStatus::Conversion);
    assert!(last_error().contains("scheduler.h:42"), "{}", last_error());
    assert_eq!(exit(scope), HpStatus::Ok);
}

#[test]
fn a_bad_item_enters_nothing() {
    let mut bad = item("capi.bad.b", 2);
    bad.hash ^= 1;
    let items = [item("capi.bad.a", 1), bad];
    let mut scope = 0;
    // SAFETY: `items` holds 2 readable items, `scope` is writable.
    let status = unsafe { hp_scope_enter_with(items.as_ptr(), 2, &mut scope) };
    assert_eq!(status, HpStatus::InvalidArgument);
    assert!(last_error().contains("capi.bad.b"), "{}", last_error());
    assert_eq!(get_i64("capi.bad.a", 0).0, HpStatus::Missing);
}

#[test]
fn writes_check_the_key_and_its_hash() {
    let key = "capi.hash";
    // SAFETY: `key` is borrowed for the call.
    let status = unsafe { hp_put_i64(hash(key) ^ 1, key.as_ptr().cast(), key.len(), 1) };
    assert_eq!(status, HpStatus::InvalidArgument);
    let bad = "capi..bad";
    // SAFETY: as above.
    let status = unsafe { hp_put_i64(0, bad.as_ptr().cast(), bad.len(), 1) };
    assert_eq!(status, HpStatus::InvalidKey);
    assert!(last_error().contains("capi..bad"), "{}", last_error());
    let mut out = 0;
    // SAFETY: as above, `out` is writable.
    let status = unsafe { hp_key_hash(bad.as_ptr().cast(), bad.len(), &mut out) };
    assert_eq!(status, HpStatus::InvalidKey);
    // Reads leave the check to where the hash is made (hp_key_hash, the C++ layer): an
    // invalid key can never be stored, so it only misses.
    let mut value = 0i64;
    // SAFETY: as above, `value` is writable.
    let status = unsafe { hp_get_i64(1, bad.as_ptr().cast(), bad.len(), 5, &mut value) };
    assert_eq!((status, value), (HpStatus::Missing, 5));
}

#[test]
fn conversion_failures_name_the_key_value_and_target() {
    let scope = enter();
    assert_eq!(put_str("capi.port", "many"), HpStatus::Ok);
    assert_eq!(get_i64("capi.port", 80).0, HpStatus::Conversion);
    let message = last_error();
    for part in ["capi.port", "\"many\"", "int"] {
        assert!(message.contains(part), "{message} lacks {part}");
    }
    assert_eq!(put_str("capi.port", "8080"), HpStatus::Ok);
    assert_eq!(get_i64("capi.port", 80), (HpStatus::Ok, 8080));
    assert_eq!(exit(scope), HpStatus::Ok);
}

#[test]
fn a_present_null_is_not_the_default() {
    let scope = enter();
    let key = "capi.null";
    // SAFETY: `key` is borrowed for the call.
    let status = unsafe { hp_put_null(hash(key), key.as_ptr().cast(), key.len()) };
    assert_eq!(status, HpStatus::Ok);
    assert_eq!(get_i64(key, 1).0, HpStatus::NullValue);
    assert!(last_error().contains(key));
    assert_eq!(get_str(key, 16).0, HpStatus::NullValue);
    assert_eq!(exit(scope), HpStatus::Ok);
}

#[test]
fn strings_are_copied_into_the_callers_buffer() {
    let scope = enter();
    assert_eq!(put_str("capi.text", "hello"), HpStatus::Ok);
    assert_eq!(get_str("capi.text", 6), (HpStatus::Ok, "hello".into(), 5));
    let (status, _, needed) = get_str("capi.text", 5);
    assert_eq!(
        (status, needed),
        (HpStatus::BufferTooSmall, 5),
        "room for the NUL too"
    );
    assert_eq!(get_str("capi.text", 0).0, HpStatus::BufferTooSmall);
    assert_eq!(put_i64("capi.text", 8080), HpStatus::Ok);
    assert_eq!(get_str("capi.text", 16), (HpStatus::Ok, "8080".into(), 4));
    assert_eq!(exit(scope), HpStatus::Ok);
}

#[test]
fn a_panic_becomes_a_status_with_its_message() {
    let status = boundary(
        || HpStatus::Panic,
        || -> HpStatus { panic!("boom at the boundary") },
    );
    assert_eq!(status, HpStatus::Panic);
    assert!(
        last_error().contains("boom at the boundary"),
        "{}",
        last_error()
    );
}

#[test]
fn status_names_match_the_header() {
    for status in HpStatus::ALL {
        // SAFETY: static NUL-terminated strings.
        let name = unsafe { CStr::from_ptr(hp_status_name(status as i32)) };
        assert_eq!(name.to_str().unwrap(), status.name());
    }
    let header = include_str!("../include/hyperparameter.h");
    for status in HpStatus::ALL {
        let line = format!("{} = {},", status.name(), status as i32);
        let last = format!("{} = {}", status.name(), status as i32);
        assert!(
            header.contains(&line) || header.contains(&last),
            "header lacks {last}"
        );
    }
    // SAFETY: as above.
    let unknown = unsafe { CStr::from_ptr(hp_status_name(99)) };
    assert_eq!(unknown.to_str().unwrap(), "HP_UNKNOWN_STATUS");
}

#[test]
#[cfg(target_pointer_width = "64")]
fn the_item_layout_matches_the_header() {
    // tests/cpp/test_hyperparameter.cpp asserts the same figures for the C declaration.
    let item = item("layout", 0);
    let base = std::ptr::addr_of!(item) as usize;
    let offset = |field: usize| field - base;
    assert_eq!(std::mem::size_of::<HpItem>(), 88);
    assert_eq!(offset(std::ptr::addr_of!(item.kind) as usize), 24);
    assert_eq!(offset(std::ptr::addr_of!(item.file) as usize), 64);
    assert_eq!(offset(std::ptr::addr_of!(item.line) as usize), 80);
}

#[test]
fn items_of_one_scope_sharing_a_hash_must_share_the_key() {
    // Real xxh64 collisions cannot be made up, and the C ABI refuses a hash that is not its
    // key's, so the check is tested on decoded items with forced hashes: few items (checked
    // pairwise) and many (checked through a map).
    let entry = |key: &str| Entry {
        key: Text::from(key),
        value: Value::Int(1),
        source: Source::Unknown,
        read_mark: Default::default(),
    };
    for count in [2u64, 40] {
        let mut items: Vec<(u64, Entry)> = (0..count - 1)
            .map(|i| (i, entry(&format!("items.k{i}"))))
            .collect();
        assert!(check_same_keys(&items).is_ok());
        items.push((0, entry("items.k0")));
        assert!(
            check_same_keys(&items).is_ok(),
            "the same key twice is no collision"
        );
        items.push((0, entry("items.other")));
        let err = check_same_keys(&items).unwrap_err();
        assert!(
            matches!(&err, Error::HashCollision { key, existing } if key == "items.other" && existing == "items.k0"),
            "{err}"
        );
    }
}

#[test]
fn a_refused_scope_put_writes_nothing_and_every_scope_stays_exitable() {
    let outer = enter();
    let inner = enter();
    let refused = item("capi.refused.put", 9);
    // SAFETY: `refused` is a readable item.
    let status = unsafe { hp_scope_put(outer, &refused) };
    assert_eq!(status, HpStatus::ScopeOrder);
    assert_eq!(get_i64("capi.refused.put", 0), (HpStatus::Missing, 0));
    assert_eq!(exit(outer), HpStatus::ScopeOrder);
    assert_eq!(exit(inner), HpStatus::Ok);
    assert_eq!(get_i64("capi.refused.put", 0), (HpStatus::Missing, 0));
    // SAFETY: as above.
    assert_eq!(unsafe { hp_scope_put(outer, &refused) }, HpStatus::Ok);
    assert_eq!(get_i64("capi.refused.put", 0), (HpStatus::Ok, 9));
    assert_eq!(exit(outer), HpStatus::Ok);
    assert_eq!(get_i64("capi.refused.put", 0), (HpStatus::Missing, 0));
}

#[test]
fn an_int_beyond_64_bits_is_a_type_error_that_says_so() {
    let scope = enter();
    let key = hyperparameter::Key::new("capi.big").unwrap();
    // What the Python bindings store for `2**70`: the object, described for other languages.
    let big = Value::Foreign(hyperparameter::Foreign::new(0u8, "int beyond 64 bits"));
    hyperparameter::put(&key, big, hyperparameter::Source::Unknown).unwrap();
    assert_eq!(get_i64("capi.big", 0).0, HpStatus::Conversion);
    let message = last_error();
    assert!(message.contains("capi.big"), "{message}");
    assert!(message.contains("an int beyond 64 bits"), "{message}");
    assert!(!message.contains("object object"), "{message}");
    assert_eq!(get_str("capi.big", 64).0, HpStatus::Conversion);
    assert_eq!(exit(scope), HpStatus::Ok);
}
