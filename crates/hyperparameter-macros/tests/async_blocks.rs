//! `with_params! { async; ... }` on a multi-thread tokio runtime: the block is a future with
//! its own scope, values follow it across `.await` and worker threads, concurrent futures
//! are isolated, and a plain block ending in a call is never taken for async.

use hyperparameter::{get_or, spawn, with_params, Key};

fn read(key: &str) -> i64 {
    get_or(&Key::new(key).unwrap(), -1i64).unwrap()
}

async fn read_after_yields(key: &'static str) -> i64 {
    for _ in 0..3 {
        tokio::task::yield_now().await;
    }
    read(key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn values_follow_the_future_across_awaits() {
    let value = with_params! {
        async;
        set t.async.x = 1i64;
        let before = read_after_yields("t.async.x").await;
        set t.async.x = 2i64;
        let after = read_after_yields("t.async.x").await;
        get x = t.async.x or 0i64;
        (before, after, x)
    }
    .await;
    assert_eq!(value, (1, 2, 2));
    assert_eq!(read("t.async.x"), -1, "the future's writes stay in it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_blocks_are_isolated() {
    let mut handles = Vec::new();
    for id in 0..64i64 {
        handles.push(spawn(with_params! {
            async;
            set t.async.id = id;
            let mut seen = Vec::new();
            for step in 0..10i64 {
                // Items are top-level only; a loop body opens its own block.
                let pair = with_params! {
                    async;
                    set t.async.step = step;
                    tokio::task::yield_now().await;
                    (read("t.async.id"), read("t.async.step"))
                }
                .await;
                seen.push(pair);
            }
            seen
        }));
    }
    for (id, handle) in handles.into_iter().enumerate() {
        let seen = handle.await.unwrap();
        let expected: Vec<(i64, i64)> = (0..10).map(|step| (id as i64, step)).collect();
        assert_eq!(seen, expected);
    }
    assert_eq!(read("t.async.id"), -1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_future_starts_from_the_scope_active_where_it_is_created() {
    let future = with_params! {
        set t.async.outer = 10i64;
        // Created inside the block: the future's scope sits on top of this one.
        with_params! {
            async;
            set t.async.inner = 1i64;
            tokio::task::yield_now().await;
            read("t.async.outer") + read("t.async.inner")
        }
    };
    // The creating block has ended; the future still sees what was active then.
    assert_eq!(read("t.async.outer"), -1);
    assert_eq!(tokio::spawn(future).await.unwrap(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_async_blocks_layer_and_roll_back() {
    let value = with_params! {
        async;
        set t.async.level = 1i64;
        let inner = with_params! {
            async;
            set t.async.level = 2i64;
            tokio::task::yield_now().await;
            read("t.async.level")
        }
        .await;
        (inner, read("t.async.level"))
    }
    .await;
    assert_eq!(value, (2, 1));
}

async fn load_model() -> i64 {
    read("t.async.model")
}

fn sync_load_model() -> i64 {
    read("t.async.model")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_block_is_never_guessed_async() {
    // SPEC §13: the seeds' release guessed async from the name `load_model`. Here a plain
    // block ending in such a call is a plain block, in sync and async code alike.
    let value = with_params! {
        set t.async.model = 3i64;
        sync_load_model()
    };
    assert_eq!(value, 3);
    let future = with_params! {
        set t.async.model = 4i64;
        load_model()
    };
    // The plain block returned the future unawaited; its scope has ended.
    assert_eq!(future.await, -1);
}
