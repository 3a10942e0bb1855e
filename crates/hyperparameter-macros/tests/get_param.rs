//! `get_param!`: one read with the `get` semantics, registered (with its help text) for the
//! command line, as `with_params!` reads are.

use std::panic::catch_unwind;

use hyperparameter::{get_param, registered_params, with_params};

fn learning_rate() -> f64 {
    get_param!(t.gp.lr, 0.001, "Learning rate of the optimizer")
}
/// The line of the `get_param!` above.
const LEARNING_RATE_LINE: u32 = line!() - 3;

fn layers() -> u32 {
    get_param!(t.gp.model.layers.0.size, 4u32)
}

fn optimizer() -> String {
    get_param!("t.gp.with-dash.optimizer", "adam", "Which optimizer to use",)
}

#[test]
fn reads_with_default_and_conversion() {
    assert_eq!(learning_rate(), 0.001);
    assert_eq!(layers(), 4);
    assert_eq!(optimizer(), "adam");
    with_params! {
        set t.gp.lr = "0.01";
        set t.gp.model.layers.0.size = 16;
        set "t.gp.with-dash.optimizer" = "sgd";
        assert_eq!(learning_rate(), 0.01);
        assert_eq!(layers(), 16);
        assert_eq!(optimizer(), "sgd");
    }
    assert_eq!(learning_rate(), 0.001);
}

#[test]
fn a_bad_value_panics_with_the_conversion_error() {
    let outcome = catch_unwind(|| {
        with_params! {
            set t.gp.model.layers.0.size = -3;
            layers()
        }
    });
    let payload = outcome.unwrap_err();
    let message = payload.downcast_ref::<String>().unwrap();
    assert!(message.contains("t.gp.model.layers.0.size"), "{message}");
    assert!(message.contains("u32"), "{message}");
}

#[test]
fn help_texts_are_registered() {
    let params = registered_params();
    let lr = params.iter().find(|p| p.key == "t.gp.lr").unwrap();
    assert_eq!(lr.help, "Learning rate of the optimizer");
    assert_eq!(lr.default, "0.001");
    assert!(lr.file.ends_with("get_param.rs"), "{}", lr.file);
    assert_eq!(lr.line, LEARNING_RATE_LINE);
    let optimizer = params
        .iter()
        .find(|p| p.key == "t.gp.with-dash.optimizer")
        .unwrap();
    assert_eq!(optimizer.help, "Which optimizer to use");
    assert_eq!((optimizer.default, optimizer.type_name), ("adam", "String"));
    let size = params
        .iter()
        .find(|p| p.key == "t.gp.model.layers.0.size")
        .expect("a read without help text is registered too");
    assert_eq!((size.default, size.type_name, size.help), ("4", "u32", ""));
}

fn batch() -> i64 {
    with_params! {
        get batch = t.gp.batch or -(32i64);
        try_get ratio = t.gp.ratio or 0.5;
        batch + ratio.map_or(0, |r| r as i64)
    }
}
/// The line of the `get` above.
const BATCH_LINE: u32 = line!() - 6;

#[test]
fn with_params_reads_are_registered_at_their_line() {
    assert_eq!(batch(), -32);
    let params = registered_params();
    let batch = params.iter().find(|p| p.key == "t.gp.batch").unwrap();
    assert_eq!((batch.default, batch.type_name), ("-32", "i64"));
    assert_eq!(batch.line, BATCH_LINE);
    let ratio = params.iter().find(|p| p.key == "t.gp.ratio").unwrap();
    assert_eq!((ratio.default, ratio.type_name), ("0.5", "f64"));
    assert_eq!(ratio.line, BATCH_LINE + 1);
}
