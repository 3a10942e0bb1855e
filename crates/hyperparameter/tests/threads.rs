//! Thread isolation and the frozen snapshot (SPEC §3). Each test runs its checks in fresh
//! threads, because `frozen()` is process-wide.

use std::sync::{Arc, Barrier};
use std::thread;

use hyperparameter::{frozen, get_or, put, Key, ParamScope, Source};

fn key(text: &str) -> Key {
    Key::new(text).unwrap()
}

#[test]
fn threads_are_isolated_and_start_from_the_frozen_snapshot() {
    thread::spawn(|| {
        let _scope = ParamScope::new().with("fz.seed", 42).unwrap().enter();
        // Not frozen yet: a new thread does not see it.
        let before = thread::spawn(|| get_or(&key("fz.seed"), -1i64).unwrap())
            .join()
            .unwrap();
        assert_eq!(before, -1);
        frozen();
        let after = thread::spawn(|| {
            let seen = get_or(&key("fz.seed"), -1i64).unwrap();
            put(&key("fz.seed"), 7, Source::Unknown).unwrap();
            (seen, get_or(&key("fz.seed"), -1i64).unwrap())
        })
        .join()
        .unwrap();
        assert_eq!(after, (42, 7));
        // The child's write did not reach this thread.
        assert_eq!(get_or(&key("fz.seed"), -1i64).unwrap(), 42);
    })
    .join()
    .unwrap();
}

#[test]
fn many_threads_with_nested_scopes_never_see_each_other() {
    const THREADS: usize = 8;
    const ROUNDS: i64 = 2_000;
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS as i64)
        .map(|id| {
            let barrier = barrier.clone();
            thread::spawn(move || {
                barrier.wait();
                let k_id = key("stress.id");
                let k_depth = key("stress.depth");
                for round in 0..ROUNDS {
                    let _outer = ParamScope::new().with("stress.id", id).unwrap().enter();
                    for depth in 0..3i64 {
                        let _inner = ParamScope::new()
                            .with("stress.depth", depth * 1000 + round)
                            .unwrap()
                            .enter();
                        assert_eq!(get_or(&k_id, -1i64).unwrap(), id);
                        assert_eq!(get_or(&k_depth, -1i64).unwrap(), depth * 1000 + round);
                    }
                    assert_eq!(get_or(&k_depth, -1i64).unwrap(), -1);
                }
                assert_eq!(get_or(&k_id, -1i64).unwrap(), -1);
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}
