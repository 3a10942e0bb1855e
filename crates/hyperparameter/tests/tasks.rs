//! Async tasks on a multi-thread tokio runtime: each task keeps the view it was created in,
//! follows it across `.await` and worker threads, and never leaks writes (SPEC §3, §12).

use hyperparameter::{bind, get_or, put, Key, ParamScope, Scoped, Source};

/// `tokio::spawn` with the current view bound to the task (what `hyperparameter::spawn` does
/// under the `tokio` feature).
fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(bind(future))
}

fn key(text: &str) -> Key {
    Key::new(text).unwrap()
}

fn read(text: &str) -> i64 {
    get_or(&key(text), -1i64).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interleaved_tasks_are_isolated() {
    let mut handles = Vec::new();
    for id in 0..200i64 {
        let scope = ParamScope::new().with("task.id", id).unwrap();
        handles.push(spawn(Scoped::new(&scope, async move {
            for step in 0..20i64 {
                assert_eq!(read("task.id"), id);
                put(&key("task.step"), step, Source::Unknown).unwrap();
                tokio::task::yield_now().await;
                assert_eq!(read("task.step"), step);
                assert_eq!(read("task.id"), id);
            }
            id
        })));
    }
    for (id, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.await.unwrap(), id as i64);
    }
    assert_eq!(read("task.id"), -1);
    assert_eq!(read("task.step"), -1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_sees_the_scope_where_it_was_created_and_writes_stay_in_it() {
    let scope = ParamScope::new().with("parent.x", 1).unwrap();
    let guard = scope.enter();
    let task = bind(async {
        tokio::task::yield_now().await;
        let seen = read("parent.x");
        put(&key("parent.x"), 99, Source::Unknown).unwrap();
        tokio::task::yield_now().await;
        (seen, read("parent.x"))
    });
    // The parent leaves its scope before the task runs; the task still sees it.
    drop(guard);
    let (seen, after_write) = tokio::spawn(task).await.unwrap();
    assert_eq!((seen, after_write), (1, 99));
    assert_eq!(read("parent.x"), -1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sibling_tasks_share_a_frame_without_seeing_each_others_writes() {
    let _scope = ParamScope::new().with("sib.base", 5).unwrap().enter();
    let a = spawn(async {
        put(&key("sib.only_a"), 1, Source::Unknown).unwrap();
        tokio::task::yield_now().await;
        (read("sib.base"), read("sib.only_a"), read("sib.only_b"))
    });
    let b = spawn(async {
        put(&key("sib.only_b"), 2, Source::Unknown).unwrap();
        tokio::task::yield_now().await;
        (read("sib.base"), read("sib.only_a"), read("sib.only_b"))
    });
    assert_eq!(a.await.unwrap(), (5, 1, -1));
    assert_eq!(b.await.unwrap(), (5, -1, 2));
    assert_eq!(read("sib.only_a"), -1);
    assert_eq!(read("sib.only_b"), -1);
}
