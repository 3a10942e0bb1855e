//! "6.2 Thread Isolation with frozen()" of the seeds' quick start, run as written, then a
//! twin that asserts what each worker sees. One test only: `frozen()` replaces the
//! process-wide snapshot, and the two parts must run in a known order.

use hyperparameter::{frozen, get_or, with_params, Key};
use std::thread;

mod frozen_threads {
    use hyperparameter::*;
    use std::thread;

    fn worker(id: i64) {
        with_params! {
            set worker.id = id;
            for i in 0..5 {
                with_params! {
                    set worker.iter = i;
                    get wid = worker.id or -1i64;
                    get witer = worker.iter or -1i64;
                    println!("Worker {} iter {}", wid, witer);
                };
            }
        };
    }

    pub fn main() {
        with_params! {
            set global.seed = 42i64;
            frozen(); // Snapshot current config as initial state for new threads
        };
        let handles: Vec<_> = (0..4).map(|id| thread::spawn(move || worker(id))).collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}

/// The worker of the seed, returning `(worker.id, worker.iter, global.seed)` per iteration.
fn worker(id: i64) -> Vec<(i64, i64, i64)> {
    let mut seen = Vec::new();
    with_params! {
        set worker.id = id;
        for i in 0..5 {
            with_params! {
                set worker.iter = i;
                get wid = worker.id or -1i64;
                get witer = worker.iter or -1i64;
                get seed = global.seed or -1i64;
                seen.push((wid, witer, seed));
            };
        }
    };
    seen
}

fn seed_in_new_thread() -> i64 {
    thread::spawn(|| get_or(&Key::new("global.seed").unwrap(), -1i64).unwrap())
        .join()
        .unwrap()
}

#[test]
fn quick_start_frozen_threads() {
    assert_eq!(seed_in_new_thread(), -1);
    frozen_threads::main();
    // The seed froze `global.seed = 42` from inside its block: threads started later see it,
    // although the block that set it has ended on this thread.
    assert_eq!(seed_in_new_thread(), 42);
    let handles: Vec<_> = (0..4).map(|id| thread::spawn(move || worker(id))).collect();
    for (id, handle) in handles.into_iter().enumerate() {
        let expected: Vec<(i64, i64, i64)> = (0..5).map(|i| (id as i64, i, 42)).collect();
        assert_eq!(handle.join().unwrap(), expected);
    }
    // Freezing again from a clean view restores an empty snapshot for later threads.
    with_params! {
        frozen();
    }
    assert_eq!(seed_in_new_thread(), -1);
}
