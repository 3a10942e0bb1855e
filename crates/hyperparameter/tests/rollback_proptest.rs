//! Property: any sequence of enter / write / exit restores exactly the previous view, a
//! refused (out-of-order) exit changes nothing and leaves every guard exitable, and a view
//! captured on the way (as an async task captures it) never changes afterwards. Checked
//! against a model: a stack of full views, one per active scope.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use hyperparameter::{bind, entries, put, Key, ParamScope, ScopeGuard, Scoped, Source, Value};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Enter {
        inherit: bool,
        sets: Vec<(u8, i64)>,
    },
    Put(u8, i64),
    Exit,
    /// Exits a scope that is not the innermost one (the index is taken modulo the number
    /// of such scopes): refused, nothing changes.
    RefusedExit(usize),
    /// Captures the current view, as `bind` does for a task.
    Capture,
    /// Reads a captured view back (the index is taken modulo the number captured).
    ReadCaptured(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (
            any::<bool>(),
            prop::collection::vec((0u8..6, any::<i64>()), 0..4)
        )
            .prop_map(|(inherit, sets)| Op::Enter { inherit, sets }),
        (0u8..6, any::<i64>()).prop_map(|(k, v)| Op::Put(k, v)),
        Just(Op::Exit),
        any::<usize>().prop_map(Op::RefusedExit),
        Just(Op::Capture),
        any::<usize>().prop_map(Op::ReadCaptured),
    ]
}

fn key(k: u8) -> Key {
    Key::new(&format!("prop.k{k}")).unwrap()
}

fn view() -> BTreeMap<String, Value> {
    entries()
        .into_iter()
        .map(|entry| (entry.key.to_string(), entry.value))
        .collect()
}

/// A task that reports, each time it is polled, the view it runs in, and never finishes.
struct ViewProbe;

impl Future for ViewProbe {
    type Output = BTreeMap<String, Value>;

    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        SEEN.with(|seen| *seen.borrow_mut() = Some(view()));
        Poll::Pending
    }
}

thread_local! {
    static SEEN: std::cell::RefCell<Option<BTreeMap<String, Value>>> = const { std::cell::RefCell::new(None) };
}

/// Polls a captured task once and returns the view it saw.
fn view_in(task: &mut Scoped<ViewProbe>) -> BTreeMap<String, Value> {
    assert!(Pin::new(task)
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_pending());
    SEEN.with(|seen| seen.borrow_mut().take().expect("the probe ran"))
}

// The model: a stack of maps, each the full view at that depth.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]
    #[test]
    fn enter_write_exit_restores_the_view(ops in prop::collection::vec(op(), 0..40)) {
        std::thread::spawn(move || {
            let mut guards: Vec<ScopeGuard> = Vec::new();
            let mut model: Vec<BTreeMap<String, Value>> = vec![view()];
            let mut captured: Vec<(Scoped<ViewProbe>, BTreeMap<String, Value>)> = Vec::new();
            for op in ops {
                match op {
                    Op::Enter { inherit, sets } => {
                        let mut scope = if inherit { ParamScope::new() } else { ParamScope::empty() };
                        let mut next = if inherit { model.last().unwrap().clone() } else { BTreeMap::new() };
                        for (k, v) in sets {
                            scope.put(key(k).as_str(), v).unwrap();
                            next.insert(key(k).to_string(), Value::Int(v));
                        }
                        guards.push(scope.enter());
                        model.push(next);
                    }
                    Op::Put(k, v) => {
                        put(&key(k), v, Source::Unknown).unwrap();
                        model.last_mut().unwrap().insert(key(k).to_string(), Value::Int(v));
                    }
                    Op::Exit => {
                        if let Some(mut guard) = guards.pop() {
                            guard.exit().unwrap();
                            model.pop();
                        }
                    }
                    Op::RefusedExit(i) => {
                        if guards.len() >= 2 {
                            let index = i % (guards.len() - 1);
                            assert!(guards[index].exit().is_err());
                            assert!(guards[index].is_active());
                        }
                    }
                    Op::Capture => captured.push((bind(ViewProbe), model.last().unwrap().clone())),
                    Op::ReadCaptured(i) => {
                        if !captured.is_empty() {
                            let len = captured.len();
                            let (task, seen_then) = &mut captured[i % len];
                            assert_eq!(&view_in(task), seen_then);
                        }
                    }
                }
                assert_eq!(&view(), model.last().unwrap());
            }
            for (task, seen_then) in &mut captured {
                assert_eq!(&view_in(task), seen_then);
            }
            while let Some(mut guard) = guards.pop() {
                guard.exit().unwrap();
                model.pop();
                assert_eq!(&view(), model.last().unwrap());
            }
        })
        .join()
        .unwrap();
    }
}
