//! The core's hot paths in plain loops, for counting instructions with callgrind (exact on a
//! busy machine, where timings are not): `scripts/core-instructions.sh` runs each operation
//! at two loop lengths and prints the difference per operation.
//!
//! `instructions OPERATION COUNT` runs `COUNT` iterations of one operation; without arguments
//! (as `cargo bench` runs it) every operation runs a few times.

#![allow(missing_docs)]

use std::hint::black_box;

use hyperparameter::private::{set, ScopeGuard};
use hyperparameter::{get_or, get_or_str, get_param, key_hash, put, Key, ParamScope, Source};

static LR: Key = Key::from_static("train.optimizer.lr", key_hash("train.optimizer.lr"));
static SIZE: Key = Key::from_static("model.layers._0.size", key_hash("model.layers._0.size"));

/// The operations, by name.
const OPERATIONS: [&str; 7] = [
    "get-f64",
    "get-i64",
    "get-str-key",
    "get-param-present",
    "get-param-absent",
    "enter-set-exit",
    "put-new-keys",
];

fn run(operation: &str, count: u64) {
    let _scope = ParamScope::new()
        .with("train.optimizer.lr", 0.01)
        .unwrap()
        .with("model.layers._0.size", 128)
        .unwrap()
        .enter();
    match operation {
        "get-f64" => repeat(count, || {
            black_box(get_or(black_box(&LR), 0.1f64).unwrap());
        }),
        "get-i64" => repeat(count, || {
            black_box(get_or(black_box(&SIZE), 10i64).unwrap());
        }),
        "get-str-key" => repeat(count, || {
            black_box(get_or_str(black_box("model.layers._0.size"), 10i64).unwrap());
        }),
        "get-param-present" => repeat(count, || {
            black_box(get_param!(model.layers._0.size, 10i64));
        }),
        "get-param-absent" => repeat(count, || {
            black_box(get_param!(model.layers._9.size, 10i64));
        }),
        "enter-set-exit" => repeat(count, || {
            let guard = ScopeGuard::enter_new();
            set(black_box(&LR), 0.5f64, file!(), line!());
            drop(guard);
        }),
        // `COUNT` distinct keys written one by one into one scope: the write-linearity check
        // (instructions for 100,000 keys against ten times those for 10,000).
        "put-new-keys" => {
            let keys: Vec<Key> = (0..count)
                .map(|i| Key::new(&format!("bulk.key_{i}")).unwrap())
                .collect();
            let _scope = ScopeGuard::enter_new();
            for (i, key) in keys.iter().enumerate() {
                put(key, i as i64, Source::Unknown).unwrap();
            }
        }
        other => panic!("unknown operation {other:?}; one of {OPERATIONS:?}"),
    }
}

/// Runs `body` `count` times; generic, so the body inlines into the loop and the count per
/// operation holds no call through a pointer.
fn repeat(count: u64, mut body: impl FnMut()) {
    (0..count).for_each(|_| body());
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.as_slice() {
        [operation, count] => run(operation, count.parse().expect("COUNT is a number")),
        _ => OPERATIONS.iter().for_each(|operation| run(operation, 1000)),
    }
}
