//! Scope semantics through the public API (SPEC §3).

use hyperparameter::{
    clear, get, get_entry, get_or, keys, put, Error, Key, ParamScope, Source, Value,
};

fn key(text: &str) -> Key {
    Key::new(text).unwrap()
}

fn read(text: &str) -> Option<Value> {
    get_entry(&key(text)).map(|entry| entry.value)
}

#[test]
fn nested_scopes_shadow_and_roll_back() {
    let a = key("scopes.a");
    assert_eq!(get_or(&a, 0i64).unwrap(), 0);
    let outer = ParamScope::new().with("scopes.a", 1).unwrap();
    {
        let _outer = outer.enter();
        assert_eq!(get_or(&a, 0i64).unwrap(), 1);
        {
            let _inner = ParamScope::new().with("scopes.a", 2).unwrap().enter();
            put(&key("scopes.b"), "inner", Source::Unknown).unwrap();
            assert_eq!(get_or(&a, 0i64).unwrap(), 2);
        }
        assert_eq!(get_or(&a, 0i64).unwrap(), 1);
        assert_eq!(read("scopes.b"), None, "a write inside a scope leaked out");
    }
    assert_eq!(read("scopes.a"), None);
    // The scope keeps its own overrides after exit and can be entered again.
    assert_eq!(outer.get::<i64>("scopes.a").unwrap(), Some(1));
    let _again = outer.enter();
    assert_eq!(get_or(&a, 0i64).unwrap(), 1);
}

#[test]
fn missing_is_not_falsy() {
    let _scope = ParamScope::new()
        .with("m.zero", 0)
        .unwrap()
        .with("m.no", false)
        .unwrap()
        .with("m.none", Value::Null)
        .unwrap()
        .enter();
    assert_eq!(get_or(&key("m.zero"), 5i64).unwrap(), 0);
    assert!(!get_or(&key("m.no"), true).unwrap());
    assert_eq!(get_or(&key("m.none"), Some(3i64)).unwrap(), None);
    assert!(matches!(
        get::<i64>(&key("m.absent")),
        Err(Error::Missing { .. })
    ));
}

#[test]
fn empty_scope_hides_the_outside() {
    let _outer = ParamScope::new().with("e.outer", 1).unwrap().enter();
    {
        let _empty = ParamScope::empty().with("e.inner", 2).unwrap().enter();
        assert_eq!(read("e.outer"), None);
        assert_eq!(read("e.inner"), Some(Value::Int(2)));
        assert_eq!(keys(), vec!["e.inner".to_string()]);
    }
    assert_eq!(read("e.outer"), Some(Value::Int(1)));
    assert_eq!(read("e.inner"), None);
}

#[test]
fn out_of_order_exit_is_an_error() {
    let mut first = ParamScope::new().enter();
    let mut second = ParamScope::new().enter();
    let err = first.exit().unwrap_err();
    assert!(matches!(err, Error::Scope(_)), "{err}");
    second.exit().unwrap();
    first.exit().unwrap();
}

#[test]
fn a_refused_exit_leaves_the_guard_exitable_and_the_view_intact() {
    let mut outer = ParamScope::new().with("refused.x", 1).unwrap().enter();
    let mut inner = ParamScope::new().with("refused.y", 2).unwrap().enter();
    assert!(matches!(outer.exit(), Err(Error::Scope(_))));
    assert!(outer.is_active());
    assert_eq!(read("refused.x"), Some(Value::Int(1)));
    assert_eq!(read("refused.y"), Some(Value::Int(2)));
    inner.exit().unwrap();
    assert!(!inner.is_active());
    assert!(
        matches!(inner.exit(), Err(Error::Scope(_))),
        "a second exit is refused"
    );
    assert_eq!(read("refused.y"), None);
    assert_eq!(read("refused.x"), Some(Value::Int(1)));
    outer.exit().unwrap();
    assert_eq!(read("refused.x"), None, "the refused scope stayed visible");
    drop(inner);
    drop(outer);
    assert_eq!(read("refused.x"), None);
}

#[test]
fn a_guard_whose_exit_was_refused_still_exits_when_dropped() {
    {
        let mut outer = ParamScope::new().with("refused.drop", 1).unwrap().enter();
        {
            let _inner = ParamScope::new().enter();
            assert!(outer.exit().is_err());
        }
        assert_eq!(read("refused.drop"), Some(Value::Int(1)));
    }
    assert_eq!(read("refused.drop"), None);
}

#[test]
fn panics_roll_back() {
    let k = key("p.x");
    let result = std::panic::catch_unwind(|| {
        let _scope = ParamScope::new().with("p.x", 1).unwrap().enter();
        put(&key("p.y"), 2, Source::Unknown).unwrap();
        panic!("boom");
    });
    assert!(result.is_err());
    assert_eq!(get_or(&k, 0i64).unwrap(), 0);
    assert_eq!(read("p.y"), None);
}

#[test]
fn root_layer_writes_stay_until_cleared() {
    std::thread::spawn(|| {
        put(&key("root.x"), 1, Source::Unknown).unwrap();
        {
            let _scope = ParamScope::new().enter();
            assert_eq!(read("root.x"), Some(Value::Int(1)));
        }
        assert_eq!(read("root.x"), Some(Value::Int(1)));
        clear();
        assert_eq!(read("root.x"), None);
    })
    .join()
    .unwrap();
}

#[test]
fn clear_empties_only_the_innermost_scope() {
    let _outer = ParamScope::new().with("c.a", 1).unwrap().enter();
    let _inner = ParamScope::new()
        .with("c.a", 2)
        .unwrap()
        .with("c.b", 3)
        .unwrap()
        .enter();
    clear();
    assert_eq!(read("c.a"), Some(Value::Int(1)));
    assert_eq!(read("c.b"), None);
}

#[test]
fn hash_collisions_are_detected_not_confused() {
    // Two different keys forced onto one hash: the second write is refused, and reading
    // the second key never returns the first key's value.
    const H: u64 = 0x1234_5678_9abc_def0;
    let first = Key::from_static("collide.first", H);
    let second = Key::from_static("collide.second", H);
    let _scope = ParamScope::new().enter();
    put(&first, 1, Source::Unknown).unwrap();
    let err = put(&second, 2, Source::Unknown).unwrap_err();
    assert!(matches!(err, Error::HashCollision { .. }), "{err}");
    assert_eq!(get_or(&second, 7i64).unwrap(), 7);
    assert_eq!(get_or(&first, 7i64).unwrap(), 1);
}

#[test]
fn literal_reads_of_run_time_keys_check_the_text() {
    // Written under run-time text, read through literals: the equal literal finds the value
    // (and the entry adopts it, see `Cursor::get_literal`), a different literal with the
    // same hash never does, before or after.
    const H: u64 = 0x0fed_cba9_8765_4321;
    let written = Key::new("adopt.written").unwrap();
    let same = Key::from_static("adopt.written", written.hash());
    let forced = Key::from_static("adopt.written", H);
    let other = Key::from_static("adopt.another", written.hash());
    let _scope = ParamScope::new().enter();
    put(&written, 5, Source::Unknown).unwrap();
    assert_eq!(get_or(&other, 0i64).unwrap(), 0);
    for _ in 0..3 {
        assert_eq!(get_or(&same, 0i64).unwrap(), 5);
        assert_eq!(get_or(&other, 0i64).unwrap(), 0);
        assert_eq!(get_or(&forced, 0i64).unwrap(), 0);
    }
    assert_eq!(get_or(&written, 0i64).unwrap(), 5);
    assert_eq!(keys(), vec!["adopt.written"]);
}

#[test]
fn a_literal_read_inside_a_read_works() {
    // `storage::with_entry` holds the cursor while its closure runs; a literal-key read in
    // there cannot adopt (it would need the cursor mutably) and reads without adopting.
    static INNER: Key = Key::from_static("nested.inner", hyperparameter::key_hash("nested.inner"));
    let _scope = ParamScope::new()
        .with("nested.outer", 1)
        .unwrap()
        .with("nested.inner", 2)
        .unwrap()
        .enter();
    let outer = key("nested.outer");
    let seen = hyperparameter::storage::with_entry(outer.hash(), b"nested.outer", |entry| {
        (
            entry.map(|e| e.value.clone()),
            get_or(&INNER, 0i64).unwrap(),
        )
    });
    assert_eq!(seen, (Some(Value::Int(1)), 2));
}

#[test]
fn a_scope_entered_with_one_key_twice_keeps_the_later_value_when_captured() {
    use hyperparameter::storage::with_cursor;
    let k = key("twice.k");
    let entry = |value: i64| hyperparameter::Entry {
        key: k.text().clone(),
        value: Value::Int(value),
        source: Source::Unknown,
        read_mark: Default::default(),
    };
    let scope =
        with_cursor(|cursor| cursor.enter_entries([(k.hash(), entry(1)), (k.hash(), entry(2))]));
    assert_eq!(get_or(&k, 0i64).unwrap(), 2);
    // Capturing builds the scope's frame from its entries: the later one must win there too.
    let frame = with_cursor(|cursor| cursor.current());
    assert_eq!(
        frame.overrides().get(&k.hash()).map(|e| &e.value),
        Some(&Value::Int(2))
    );
    with_cursor(|cursor| cursor.exit(scope)).unwrap();
    assert_eq!(get_or(&k, 0i64).unwrap(), 0);
}

#[test]
fn defines_split_at_the_first_equals_and_keep_text() {
    let items = vec![
        "train.lr=1e-3".to_string(),
        " id =007".to_string(),
        "expr=a=b".to_string(),
    ];
    let scope = ParamScope::from(&items);
    assert_eq!(scope.keys(), vec!["expr", "id", "train.lr"]);
    assert_eq!(scope.get::<String>("id").unwrap().as_deref(), Some("007"));
    assert_eq!(scope.get::<i64>("id").unwrap(), Some(7));
    assert_eq!(scope.get::<f64>("train.lr").unwrap(), Some(0.001));
    assert_eq!(scope.get::<String>("expr").unwrap().as_deref(), Some("a=b"));
    let bad = ParamScope::from_defines(&["novalue"]).unwrap_err();
    assert!(matches!(bad, Error::InvalidDefine { .. }), "{bad}");
    let bad_key = ParamScope::from_defines(&["a..b=1"]).unwrap_err();
    assert!(bad_key.to_string().contains("a..b"), "{bad_key}");
}

#[test]
fn invalid_keys_are_rejected_with_the_reason() {
    let err = Key::new("a b").unwrap_err();
    assert_eq!(
        err,
        Error::InvalidKey {
            key: "a b".into(),
            reason: "segment `a b` contains whitespace".into()
        }
    );
}

#[test]
fn numeric_and_typed_reads() {
    let _scope = ParamScope::new()
        .with("t.port", "8080")
        .unwrap()
        .with("t.ratio", 2.0)
        .unwrap()
        .with("t.flag", "on")
        .unwrap()
        .enter();
    assert_eq!(get_or(&key("t.port"), 0u16).unwrap(), 8080);
    assert!(get_or(&key("t.port"), 0i8).is_err());
    assert_eq!(get_or(&key("t.ratio"), 0i32).unwrap(), 2);
    assert_eq!(get_or(&key("t.ratio"), "x").unwrap(), "2.0");
    assert!(get_or(&key("t.flag"), false).unwrap());
    assert_eq!(get_or(&key("t.port"), 0.5f32).unwrap(), 8080.0);
}

#[test]
fn an_abandoned_scope_exits_once_the_scopes_inside_it_have_exited() {
    use hyperparameter::storage::with_cursor;
    use hyperparameter::Entry;

    let entry = Entry {
        key: "abandoned.x".into(),
        value: Value::Int(1),
        source: Source::Unknown,
        read_mark: Default::default(),
    };
    let hash = key("abandoned.x").hash();
    let abandoned = with_cursor(|cursor| cursor.enter_entries([(hash, entry)]));
    let mut inner = ParamScope::new().with("abandoned.y", 2).unwrap().enter();
    with_cursor(|cursor| cursor.abandon(abandoned)).unwrap();
    assert_eq!(
        read("abandoned.x"),
        Some(Value::Int(1)),
        "nothing changes yet"
    );
    inner.exit().unwrap();
    assert_eq!(
        read("abandoned.x"),
        None,
        "the abandoned scope exited with the inner one"
    );
    assert_eq!(read("abandoned.y"), None);
}

#[test]
fn a_scope_abandoned_elsewhere_still_exits_normally_where_it_is_innermost() {
    use hyperparameter::storage::with_cursor;

    let scope = with_cursor(|cursor| cursor.enter_entries([]));
    // Abandoned from another view (another thread, as a task collecting a generator).
    std::thread::spawn(move || with_cursor(|cursor| cursor.abandon(scope)).unwrap())
        .join()
        .unwrap();
    with_cursor(|cursor| cursor.exit(scope)).unwrap();
    assert!(
        with_cursor(|cursor| cursor.exit(scope)).is_err(),
        "exited once only"
    );
}
