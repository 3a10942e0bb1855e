//! The core's speed targets: a compile-time-key read, a read by run-time string,
//! a `with_params!`-style enter + set + exit, and enter/exit with 100,000 keys visible.
//!
//! Run with `cargo bench -p hyperparameter --bench core`.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use hyperparameter::private::{set, ScopeGuard};
use hyperparameter::{get_or, get_or_str, get_param, key_hash, put, Key, ParamScope, Source};

// `static`, as the macros emit them: a `const` with drop glue would be copied and dropped at
// every use.
static LR: Key = Key::from_static("train.optimizer.lr", key_hash("train.optimizer.lr"));
static SIZE: Key = Key::from_static("model.layers._0.size", key_hash("model.layers._0.size"));

fn reads(c: &mut Criterion) {
    let _scope = ParamScope::new()
        .with("train.optimizer.lr", 0.01)
        .unwrap()
        .with("model.layers._0.size", 128)
        .unwrap()
        .enter();
    c.bench_function("get compile-time key (present, f64)", |b| {
        b.iter(|| get_or(black_box(&LR), 0.1f64).unwrap())
    });
    c.bench_function("get compile-time key (present, i64)", |b| {
        b.iter(|| get_or(black_box(&SIZE), 10i64).unwrap())
    });
    {
        // Written through the same literal key, as `with_params! { set ...; }` does: the
        // key-text check is an address comparison.
        let _literal = ScopeGuard::enter_new();
        set(&SIZE, 256i64, file!(), line!());
        c.bench_function(
            "get compile-time key (present, set by a literal key)",
            |b| b.iter(|| get_or(black_box(&SIZE), 10i64).unwrap()),
        );
    }
    c.bench_function("get by run-time string key (present)", |b| {
        b.iter(|| get_or_str(black_box("model.layers._0.size"), 10i64).unwrap())
    });
    // The cost of recording reads for the operative config: macro reads of a present and of
    // an absent key, recorded (the default) and with recording switched off, in one run.
    for (label, on) in [("recorded", true), ("recording off", false)] {
        hyperparameter::report::set_recording(on);
        c.bench_function(&format!("get_param! (present, i64, {label})"), |b| {
            b.iter(|| get_param!(model.layers._0.size, 10i64))
        });
        c.bench_function(&format!("get_param! (absent, i64, {label})"), |b| {
            b.iter(|| get_param!(model.layers._9.size, 10i64))
        });
    }
    hyperparameter::report::set_recording(true);
}

fn enter_set_exit(c: &mut Criterion) {
    c.bench_function("enter + set + exit", |b| {
        b.iter(|| {
            let guard = ScopeGuard::enter_new();
            set(black_box(&LR), 0.5f64, file!(), line!());
            drop(guard);
        })
    });
}

fn enter_exit_with_visible_keys(c: &mut Criterion) {
    let mut scope = ParamScope::new();
    scope.put("bench.a", 1).unwrap();
    let mut group = c.benchmark_group("enter + exit of a 1-key scope");
    group.bench_function("with 2 keys visible", |b| {
        b.iter(|| drop(black_box(&scope).enter()))
    });
    for i in 0..100_000 {
        put(
            &Key::new(&format!("bulk.key_{i}")).unwrap(),
            i,
            Source::Unknown,
        )
        .unwrap();
    }
    group.bench_function("with 100,000 keys visible", |b| {
        b.iter(|| drop(black_box(&scope).enter()))
    });
    group.finish();
}

criterion_group!(benches, reads, enter_set_exit, enter_exit_with_visible_keys);
criterion_main!(benches);
