//! Sweep values read on their own (`OverrideValue::parse`), as a tuner reads its search
//! space, and the last value of a range.

use hyperparameter::compose::{Element, Number, Override, OverrideValue, Sweep};
use hyperparameter::Error;

fn sweep(text: &str) -> Sweep {
    match OverrideValue::parse(text) {
        Ok(OverrideValue::Sweep(sweep)) => sweep,
        other => panic!("{text:?} is not a sweep: {other:?}"),
    }
}

#[test]
fn a_value_parses_as_the_value_of_an_override() {
    for text in [
        "1,2,3",
        "choice(a, 'b c', 3)",
        "range(0, 10, 2)",
        "interval(0, 1.5)",
        "int(interval(1, 100))",
        "tag(log, interval(1e-4, 1e-1))",
        "tag(log, int(interval(1, 1024)))",
        "0.5",
        "[1, 2]",
        "",
    ] {
        let whole = Override::parse(&format!("key={text}")).unwrap().value;
        assert_eq!(Some(OverrideValue::parse(text).unwrap()), whole, "{text}");
    }
}

#[test]
fn intervals_keep_their_bounds_type_and_tags() {
    assert_eq!(
        sweep("tag(log, int(interval(1, 1024)))"),
        Sweep::Interval {
            start: Number::Int(1),
            end: Number::Int(1024),
            tags: vec!["log".into()],
        }
    );
    assert_eq!(
        sweep(" interval(0, 1)"),
        Sweep::Interval {
            start: Number::Float(0.0),
            end: Number::Float(1.0),
            tags: vec![],
        }
    );
    assert!(matches!(
        OverrideValue::parse("7"),
        Ok(OverrideValue::Element(Element::Int(7)))
    ));
}

#[test]
fn bad_values_are_errors_with_the_column() {
    for (text, col, needle) in [
        ("interval(1)", 1, "`interval` needs the argument `end`"),
        ("range(1, x)", 1, "`stop` must be a number"),
        ("choice(1, 2", 12, "missing `)`"),
        ("1,,2", 3, "expected a value"),
        ("unknown(1)", 1, "unknown function `unknown`"),
    ] {
        match OverrideValue::parse(text) {
            Err(Error::Override {
                text: t,
                col: c,
                msg,
            }) => {
                assert_eq!(t, text);
                assert_eq!(c, col, "{text}: {msg}");
                assert!(msg.contains(needle), "{text}: {msg}");
            }
            other => panic!("{text:?} parsed: {other:?}"),
        }
    }
}

#[test]
fn the_last_value_of_a_range_excludes_the_stop() {
    for (text, last) in [
        ("range(1, 10, 3)", Some(Number::Int(7))),
        ("range(1, 10)", Some(Number::Int(9))),
        ("range(5)", Some(Number::Int(4))),
        ("range(0, 9, 3)", Some(Number::Int(6))),
        ("range(10, 0, -3)", Some(Number::Int(1))),
        ("range(0, 1, -1)", None),
        ("range(3, 3)", None),
        ("range(-1, 1, 5)", Some(Number::Int(-1))),
        ("range(0, -1, 2)", None),
        ("range(0, 1, 0.25)", Some(Number::Float(0.75))),
        ("range(0.5, 2)", Some(Number::Float(1.5))),
        ("range(1.0, 0.0)", None),
    ] {
        assert_eq!(sweep(text).range_last(), last, "{text}");
    }
    assert_eq!(sweep("1,2").range_last(), None);
    let wide = format!("range({}, {}, {})", i64::MIN, i64::MAX, i64::MAX);
    assert_eq!(sweep(&wide).range_last(), Some(Number::Int(i64::MAX - 1)));
}
