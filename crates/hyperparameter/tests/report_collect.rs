//! Collections of one thread's reads (`report::begin_collecting` / `end_collecting`): two
//! threads reading at once each get exactly their own reads, also of a read site both share
//! and that the other thread recorded first. Its own test binary, because the report is the
//! process's.

use std::sync::Barrier;

use hyperparameter::report::{begin_collecting, end_collecting};
use hyperparameter::*;

fn shared_site() -> i64 {
    get_param!(collect.shared, 5i64)
}

fn collected(own_key: &str, own: i64, barrier: &Barrier) -> Vec<(String, Value, bool)> {
    begin_collecting();
    barrier.wait();
    with_params! {
        set collect.value = own;
        get value = collect.value or 0i64;
        assert_eq!(value, own);
        // Both threads read the same site; the second must be collected too.
        assert_eq!(shared_site(), 5);
        barrier.wait();
        assert_eq!(shared_site(), 5);
        assert_eq!(get_or_str(own_key, "x").unwrap(), "x");
    }
    barrier.wait();
    end_collecting()
        .into_iter()
        .map(|e| (e.key, e.value, e.default_used))
        .collect()
}

#[test]
fn each_thread_collects_its_own_reads() {
    let barrier = Barrier::new(2);
    let (first, second) = std::thread::scope(|s| {
        let a = s.spawn(|| collected("collect.only_a", 1, &barrier));
        let b = s.spawn(|| collected("collect.only_b", 2, &barrier));
        (a.join().unwrap(), b.join().unwrap())
    });
    let expected = |key: &str, own: i64| {
        vec![
            (key.to_string(), Value::from("x"), true),
            ("collect.shared".to_string(), Value::Int(5), true),
            ("collect.value".to_string(), Value::Int(own), false),
        ]
    };
    assert_eq!(first, expected("collect.only_a", 1));
    assert_eq!(second, expected("collect.only_b", 2));
    // The process-wide report has them all, and a thread with no collection gets nothing.
    let keys: Vec<String> = report().into_iter().map(|e| e.key).collect();
    assert!(keys.contains(&"collect.only_a".to_string()), "{keys:?}");
    assert!(keys.contains(&"collect.only_b".to_string()), "{keys:?}");
    assert!(end_collecting().is_empty());
}

#[test]
fn collections_nest() {
    begin_collecting();
    assert_eq!(get_or_str("nest.outer", "o").unwrap(), "o");
    begin_collecting();
    assert_eq!(get_or_str("nest.inner", "i").unwrap(), "i");
    let inner: Vec<String> = end_collecting().into_iter().map(|e| e.key).collect();
    let outer: Vec<String> = end_collecting().into_iter().map(|e| e.key).collect();
    assert_eq!(inner, ["nest.inner"]);
    assert_eq!(outer, ["nest.inner", "nest.outer"]);
}
