//! Every form of `with_params!` through the public API: items, keys, nesting, the block's
//! value, and rollback on every way out of the block.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use hyperparameter::{
    get_entry, get_or, get_param, keys, with_params, Error, Key, ParamScope, Source,
};

/// Reads `key` by its run-time text, to check what the macro stored under which key.
fn read_i64(key: &str) -> i64 {
    get_or(&Key::new(key).unwrap(), -1i64).unwrap()
}

fn read_text(key: &str) -> String {
    get_or(&Key::new(key).unwrap(), "<absent>").unwrap()
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|text| text.to_string())
            .unwrap_or_default(),
    }
}

#[test]
fn set_is_visible_inside_the_block_only() {
    assert_eq!(read_i64("t.set.a"), -1);
    with_params! {
        set t.set.a = 1i64;
        assert_eq!(read_i64("t.set.a"), 1);
        set t.set.a = 2i64;
        assert_eq!(read_i64("t.set.a"), 2);
    }
    assert_eq!(read_i64("t.set.a"), -1);
}

#[test]
fn get_converts_to_the_default_type_and_defaults_only_when_absent() {
    with_params! {
        get absent = t.get.absent or 7;
        assert_eq!(absent, 7i32);
        set t.get.port = "8080";
        set t.get.lr = "1e-3";
        set t.get.flag = "yes";
        set t.get.zero = 0;
        set t.get.empty = "";
        get port = t.get.port or 1i64;
        get port_text = t.get.port or "none";
        get lr = t.get.lr or 0.1;
        get flag = t.get.flag or false;
        get zero = t.get.zero or 5u8;
        get empty = t.get.empty or "default";
        assert_eq!(port, 8080i64);
        assert_eq!(port_text, "8080");
        assert_eq!(lr, 0.001);
        assert!(flag);
        assert_eq!(zero, 0u8, "a present 0 is a value, not missing");
        assert_eq!(empty, "", "a present empty string is a value, not missing");
    }
}

#[test]
fn get_mut_binds_a_mutable_variable() {
    let total = with_params! {
        set t.mut.n = 2;
        get mut n = t.mut.n or 0;
        n += 40;
        n
    };
    assert_eq!(total, 42);
}

#[test]
fn get_panics_with_the_conversion_error_instead_of_a_silent_default() {
    let outcome = catch_unwind(|| {
        with_params! {
            set t.bad.batch = "fast";
            get batch = t.bad.batch or 32i64;
            batch
        }
    });
    let message = panic_message(outcome.unwrap_err());
    assert!(message.contains("t.bad.batch"), "{message}");
    assert!(message.contains("fast"), "{message}");
    assert!(message.contains("i64"), "{message}");
    // The panic left the block's scope.
    assert_eq!(read_text("t.bad.batch"), "<absent>");
}

#[test]
fn try_get_gives_a_result() {
    with_params! {
        set t.try.good = "12";
        set t.try.bad = "twelve";
        try_get good = t.try.good or 0i64;
        try_get bad = t.try.bad or 0i64;
        try_get absent = t.try.absent or 3i64;
        assert_eq!(good, Ok(12));
        assert_eq!(absent, Ok(3));
        match bad {
            Err(Error::Conversion { key, value, target, .. }) => {
                assert_eq!(key, "t.try.bad");
                assert!(value.contains("twelve"), "{value}");
                assert_eq!(target, "i64");
            }
            other => panic!("expected a conversion error, got {other:?}"),
        }
    }
}

#[test]
fn several_params_are_all_applied_in_order() {
    let first = ParamScope::new()
        .with("t.params.a", 1)
        .unwrap()
        .with("t.params.shared", "first")
        .unwrap();
    let second = ParamScope::new()
        .with("t.params.b", 2)
        .unwrap()
        .with("t.params.shared", "second")
        .unwrap();
    let defines = vec!["t.params.c=3".to_string()];
    with_params! {
        params first.clone();
        params &second;
        params ParamScope::from(&defines);
        assert_eq!(read_i64("t.params.a"), 1);
        assert_eq!(read_i64("t.params.b"), 2);
        assert_eq!(read_i64("t.params.c"), 3);
        assert_eq!(read_text("t.params.shared"), "second");
        params &first;
        assert_eq!(read_text("t.params.shared"), "first", "a later params wins");
        set t.params.shared = "set";
        assert_eq!(read_text("t.params.shared"), "set");
    }
    assert_eq!(read_i64("t.params.a"), -1);
    assert_eq!(read_text("t.params.shared"), "<absent>");
    // The scopes themselves are unchanged by being merged.
    assert_eq!(first.keys(), vec!["t.params.a", "t.params.shared"]);
}

#[test]
fn at_sign_spellings() {
    let scope = ParamScope::new().with("t.at.p", 5).unwrap();
    let (x, y, p) = with_params! {
        @set t.at.x = 1;
        @params scope;
        @get x = t.at.x or 0;
        @try_get y = t.at.y or 2;
        @get p = t.at.p or 0;
        (x, y.unwrap(), p)
    };
    assert_eq!((x, y, p), (1, 2, 5));
}

#[test]
fn numeric_keyword_dash_and_string_segments() {
    with_params! {
        set model.layers.0.size = 128;
        set model.layers.0.1 = 2;
        set model.layers.0.1.size = 3;
        set model.type = "resnet";
        set r#fn.async = 4;
        set with-dash.x = 5;
        set "string:key+x.y" = 6;
        set "模型.学习率" = 7;
        get size = model.layers.0.size or 0;
        get nested = model.layers.0.1 or 0;
        get kind = model.type or "";
        get dash = "with-dash.x" or 0;
        get spaced = "string:key+x.y" or 0;
        get unicode = 模型.学习率 or 0;
        assert_eq!((size, nested, dash, spaced, unicode), (128, 2, 5, 6, 7));
        assert_eq!(kind, "resnet");
        // The macro stores the key text as written, under the runtime's hash of it.
        assert_eq!(read_i64("model.layers.0.size"), 128);
        assert_eq!(read_i64("model.layers.0.1"), 2);
        assert_eq!(read_i64("model.layers.0.1.size"), 3);
        assert_eq!(read_text("model.type"), "resnet");
        assert_eq!(read_i64("fn.async"), 4);
        assert_eq!(read_i64("with-dash.x"), 5);
        assert_eq!(read_i64("string:key+x.y"), 6);
        assert_eq!(read_i64("模型.学习率"), 7);
        let visible = keys();
        for key in ["model.layers.0.size", "model.type", "with-dash.x", "fn.async"] {
            assert!(visible.iter().any(|k| k == key), "{key} not in {visible:?}");
        }
    }
}

#[test]
fn set_records_the_code_site() {
    with_params! {
        let set_line = line!() + 1;
        set t.source.x = 1;
        let entry = get_entry(&Key::new("t.source.x").unwrap()).unwrap();
        match entry.source {
            Source::Code { file, line } => {
                assert!(file.as_str().ends_with("with_params.rs"), "{file}");
                assert_eq!(line, set_line, "the line of the `set` item");
            }
            other => panic!("unexpected source {other:?}"),
        }
    }
}

#[test]
fn nested_blocks_layer_and_roll_back() {
    let outer_seen = with_params! {
        set t.nest.a = 1;
        set t.nest.b = 1;
        let inner = with_params! {
            set t.nest.b = 2;
            get a = t.nest.a or 0;
            get b = t.nest.b or 0;
            (a, b)
        };
        assert_eq!(inner, (1, 2));
        get b = t.nest.b or 0;
        b
    };
    assert_eq!(outer_seen, 1, "the inner block's write did not leak out");
    assert_eq!(read_i64("t.nest.a"), -1);
}

#[test]
fn the_last_expression_is_the_value() {
    let value: String = with_params! {
        set t.last.name = "adam";
        get name = t.last.name or "sgd";
        format!("{name}!")
    };
    assert_eq!(value, "adam!");
    let unit: () = with_params! {
        set t.last.x = 1;
    };
    assert_eq!(unit, ());
    let from_if = with_params! {
        set t.last.flag = true;
        get flag = t.last.flag or false;
        if flag { "on" } else { "off" }
    };
    assert_eq!(from_if, "on");
    let nested_tail = with_params! {
        set t.last.y = 3;
        with_params! {
            get y = t.last.y or 0;
            y * 2
        }
    };
    assert_eq!(nested_tail, 6);
}

fn early_return(stop: bool) -> i64 {
    with_params! {
        set t.early.x = 1i64;
        if stop {
            return read_i64("t.early.x");
        }
        set t.early.x = 2i64;
        read_i64("t.early.x")
    }
}

fn question_mark(input: &str) -> Result<i64, std::num::ParseIntError> {
    with_params! {
        set t.early.q = 1;
        let parsed: i64 = input.parse()?;
        Ok(parsed + read_i64("t.early.q"))
    }
}

#[test]
fn return_and_question_mark_leave_the_scope() {
    assert_eq!(early_return(true), 1);
    assert_eq!(read_i64("t.early.x"), -1);
    assert_eq!(early_return(false), 2);
    assert_eq!(read_i64("t.early.x"), -1);
    assert!(question_mark("nope").is_err());
    assert_eq!(read_i64("t.early.q"), -1);
    assert_eq!(question_mark("41"), Ok(42));
    let mut seen = Vec::new();
    for round in 0..3 {
        with_params! {
            set t.early.round = round;
            seen.push(read_i64("t.early.round"));
            if round == 1 {
                break;
            }
        }
    }
    assert_eq!(seen, vec![0, 1]);
    assert_eq!(read_i64("t.early.round"), -1);
}

#[test]
fn panic_rolls_back_every_nested_scope() {
    with_params! {
        set t.panic.x = 1;
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            with_params! {
                set t.panic.x = 2;
                with_params! {
                    set t.panic.x = 3;
                    set t.panic.y = 3;
                    panic!("boom");
                }
            }
        }));
        assert_eq!(panic_message(outcome.unwrap_err()), "boom");
        assert_eq!(read_i64("t.panic.x"), 1);
        assert_eq!(read_i64("t.panic.y"), -1);
    }
    assert_eq!(read_i64("t.panic.x"), -1);
}

fn get(x: i32) -> i32 {
    x * 10
}

#[test]
fn user_code_named_set_get_and_params_stays_code() {
    let result = with_params! {
        let mut set = HashSet::new();
        set.insert(1);
        set.insert(2);
        let params = vec![1, 2, 3];
        let mut pushed = params.clone();
        pushed.push(4);
        let got = get(1);
        let try_get = |x: i32| x + 1;
        let set_len = set.len() as u8;
        set a.b = 5;
        get b = a.b or 0;
        (set.len(), pushed.len(), got, try_get(1), set_len, b)
    };
    assert_eq!(result, (2, 4, 10, 2, 2, 5));
    let reassigned = with_params! {
        let mut set = 1;
        set += 1;
        let get = [set, 3];
        get[0] + get[1]
    };
    assert_eq!(reassigned, 5);
}

#[test]
fn values_of_several_types_can_be_set() {
    with_params! {
        set t.types.int = 3i64;
        set t.types.float = 0.5;
        set t.types.text = String::from("x");
        set t.types.flag = true;
        set t.types.list = vec![1, 2];
        get int = t.types.int or 0i64;
        get float = t.types.float or 0.0;
        get text = t.types.text or "";
        get flag = t.types.flag or false;
        assert_eq!((int, float, text.as_str(), flag), (3, 0.5, "x", true));
        assert!(keys().iter().any(|k| k == "t.types.list"));
    }
}

#[test]
fn the_default_expression_can_be_any_expression() {
    let fallback = 40;
    let value = with_params! {
        get x = t.default.x or fallback + 2;
        get name = t.default.name or format!("n{}", 1);
        (x, name)
    };
    assert_eq!(value, (42, "n1".to_string()));
}

macro_rules! doubled {
    ($value:expr) => {
        with_params! {
            set t.rules.x = $value * 2;
            set t.rules.plain = $value;
            get x = t.rules.x or $value * 0;
            get plain = t.rules.plain or 0;
            let local = $value * 2;
            assert_eq!(local, x);
            (x, plain, $value * 2, get_param!(t.rules.x, $value * 0))
        }
    };
}

macro_rules! under {
    ($segment:ident, $value:expr) => {
        with_params! {
            set t.rules.$segment = $value;
            get read = t.rules.$segment or 0;
            (read, keys())
        }
    };
}

#[test]
fn items_built_by_macro_rules() {
    // `$value * 2` keeps its precedence through the macro: (1 + 2) * 2.
    assert_eq!(doubled!(1 + 2), (6, 3, 6, 6));
    let (read, visible) = under!(depth, 4);
    assert_eq!(read, 4);
    assert!(visible.iter().any(|k| k == "t.rules.depth"), "{visible:?}");
}

#[test]
fn params_takes_owned_borrowed_and_shared_scopes() {
    let scope = |value: i64| ParamScope::new().with("t.shared.x", value).unwrap();
    let boxed = Box::new(scope(1));
    let counted = std::rc::Rc::new(scope(2));
    let shared = std::sync::Arc::new(scope(3));
    let seen = with_params! {
        params boxed;
        get a = t.shared.x or 0i64;
        params counted.clone();
        get b = t.shared.x or 0i64;
        params &shared;
        get c = t.shared.x or 0i64;
        params scope(4);
        get d = t.shared.x or 0i64;
        (a, b, c, d)
    };
    assert_eq!(seen, (1, 2, 3, 4));
    assert_eq!(shared.keys(), vec!["t.shared.x"]);
}
