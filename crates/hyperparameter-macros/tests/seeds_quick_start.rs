//! "6.1 Basic Usage" of the seeds' quick start (`shared/seeds/quick_start.md`), run as
//! written, then a twin that asserts what it prints. "6.2" calls `frozen()`, which changes
//! the process-wide snapshot, so it has a test binary of its own (`seeds_frozen_threads.rs`).

use hyperparameter::with_params;

mod basic_usage {
    use hyperparameter::*;

    fn train() {
        with_params! {
            get lr = train.lr or 0.001f64;
            get batch_size = train.batch_size or 32i64;
            println!("lr={}, batch_size={}", lr, batch_size);
        }
    }

    pub fn main() {
        train(); // Uses default values
        with_params! {
            set train.lr = 0.0005f64;
            set train.batch_size = 64i64;
            train();
        };
        train(); // Rollback to defaults
    }
}

#[test]
fn quick_start_basic_usage_runs() {
    basic_usage::main();
}

fn train() -> (f64, i64) {
    with_params! {
        get lr = train.lr or 0.001f64;
        get batch_size = train.batch_size or 32i64;
        (lr, batch_size)
    }
}

#[test]
fn quick_start_basic_usage_values() {
    assert_eq!(train(), (0.001, 32));
    with_params! {
        set train.lr = 0.0005f64;
        set train.batch_size = 64i64;
        assert_eq!(train(), (0.0005, 64));
    };
    assert_eq!(train(), (0.001, 32));
}
