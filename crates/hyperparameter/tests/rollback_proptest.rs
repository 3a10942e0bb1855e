//! Property: any sequence of enter / write / exit restores exactly the previous view.

use std::collections::BTreeMap;

use hyperparameter::{entries, put, Key, ParamScope, ScopeGuard, Source, Value};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Enter { inherit: bool, sets: Vec<(u8, i64)> },
    Put(u8, i64),
    Exit,
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

// The model: a stack of maps, each the full view at that depth.
proptest! {
    #[test]
    fn enter_write_exit_restores_the_view(ops in prop::collection::vec(op(), 0..40)) {
        std::thread::spawn(move || {
            let mut guards: Vec<ScopeGuard> = Vec::new();
            let mut model: Vec<BTreeMap<String, Value>> = vec![view()];
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
                        if let Some(guard) = guards.pop() {
                            guard.exit().unwrap();
                            model.pop();
                        }
                    }
                }
                assert_eq!(&view(), model.last().unwrap());
            }
            while let Some(guard) = guards.pop() {
                guard.exit().unwrap();
                model.pop();
                assert_eq!(&view(), model.last().unwrap());
            }
        })
        .join()
        .unwrap();
    }
}
