//! Property tests of the override grammar: seeded and bounded, so the same cases run every
//! time.
//!
//! - Any text, and texts made of the grammar's own characters, parse or fail with an
//!   [`Error::Override`] inside the text's columns; nothing panics.
//! - Generated values (nested lists and dicts, strings with any character, floats
//!   including infinities and NaN, sweeps with tags) print as an override that parses back
//!   to the same value; generated keys, packages and kinds survive too.

use hyperparameter::compose::{Element, Number, Override, OverrideKind, OverrideValue, Sweep};
use hyperparameter::Error;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(0x636f_6d70_6f73_6521),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Texts mostly made of characters that mean something to the grammar.
fn grammar_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "b1",
        "_x",
        "-",
        "+",
        "~",
        "@",
        "/",
        ".",
        "=",
        ",",
        ":",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "'",
        "\"",
        "\\",
        " ",
        "\t",
        "${",
        "}",
        "$",
        "1",
        "0",
        "1.5",
        "e",
        "inf",
        "nan",
        "null",
        "true",
        "choice(",
        "range(",
        "interval(",
        "tag(",
        "glob(",
        "int(",
        "str(",
        "é",
        "#",
        "\n",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|parts| parts.concat())
}

fn check_no_panic(text: &str) {
    match Override::parse(text) {
        Ok(o) => assert_eq!(o.text, text),
        Err(Error::Override { text: t, col, .. }) => {
            assert_eq!(t, text);
            assert!(
                col >= 1 && col as usize <= text.chars().count() + 1,
                "{text}: {col}"
            );
        }
        Err(other) => panic!("{text}: unexpected error kind {other:?}"),
    }
}

fn finite_or_special() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::NAN),
        Just(-0.0),
        (-1000i32..1000).prop_map(|i| f64::from(i) / 8.0),
    ]
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_]{0,6}",
        ".{0,12}",
        "[ a-z0-9,:=(){}\\[\\]\\\\'\"$#é\t-]{0,10}",
        // Backslashes next to quotes, where escaping is subtle.
        "[\\\\'\"a ]{0,8}",
        Just(String::new()),
        Just("true".to_string()),
        Just("1".to_string()),
        Just("${a.b}".to_string()),
    ]
}

fn dict_key() -> impl Strategy<Value = String> {
    // Dict keys are unquoted text: letters, digits, the plain punctuation, and any of the
    // characters written with `\`; no spaces at the ends.
    "[a-z0-9_./@|+?%*$:=,(){}\\[\\]\\\\-][a-z0-9 _./@|+?%*$:=,(){}\\[\\]\\\\-]{0,6}"
        .prop_map(|key: String| key.trim_end().to_string())
        .prop_filter("not empty", |key| !key.is_empty())
}

fn element() -> impl Strategy<Value = Element> {
    let leaf = prop_oneof![
        Just(Element::Null),
        any::<bool>().prop_map(Element::Bool),
        any::<i64>().prop_map(Element::Int),
        finite_or_special().prop_map(Element::Float),
        any_text().prop_map(Element::Str),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Element::List),
            prop::collection::vec((dict_key(), inner), 0..4).prop_map(Element::Dict),
        ]
    })
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        (-100i64..100).prop_map(Number::Int),
        (-100i32..100).prop_map(|i| Number::Float(f64::from(i) / 4.0)),
    ]
}

fn tags() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set("[a-z]{1,4}", 0..3).prop_map(|set| set.into_iter().collect())
}

fn sweep() -> impl Strategy<Value = Sweep> {
    prop_oneof![
        prop::collection::vec(element(), 2..4).prop_map(|items| Sweep::Choice {
            items,
            simple: true,
            tags: Vec::new(),
        }),
        (prop::collection::vec(element(), 1..4), tags()).prop_map(|(items, tags)| {
            Sweep::Choice {
                items,
                simple: false,
                tags,
            }
        }),
        (number(), number(), number(), tags())
            .prop_filter("step is not 0", |(_, _, step, _)| match step {
                Number::Int(i) => *i != 0,
                Number::Float(x) => *x != 0.0,
            })
            .prop_map(|(start, stop, step, tags)| Sweep::Range {
                start,
                stop,
                step,
                tags,
            }),
        (-100i32..100, -100i32..100, tags(), any::<bool>()).prop_map(|(a, b, tags, int)| {
            let (start, end) = if int {
                (Number::Int(i64::from(a)), Number::Int(i64::from(b)))
            } else {
                (
                    Number::Float(f64::from(a) / 3.0),
                    Number::Float(f64::from(b) / 3.0),
                )
            };
            Sweep::Interval { start, end, tags }
        }),
        (
            prop::collection::vec("[a-z*]{1,4}", 1..3),
            prop::collection::vec("[a-z*]{1,4}", 0..3)
        )
            .prop_map(|(include, exclude)| Sweep::Glob { include, exclude }),
    ]
}

/// Equality with quotes ignored and NaN equal to itself.
fn same_element(a: &Element, b: &Element) -> bool {
    match (a, b) {
        (Element::Float(x), Element::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (Element::List(x), Element::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_element(a, b))
        }
        (Element::Dict(x), Element::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_element(va, vb))
        }
        _ => match (a.as_str(), b.as_str()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

fn same_value(a: &OverrideValue, b: &OverrideValue) -> bool {
    match (a, b) {
        (OverrideValue::Element(x), OverrideValue::Element(y)) => same_element(x, y),
        (
            OverrideValue::Sweep(Sweep::Choice {
                items: x,
                simple: sx,
                tags: tx,
            }),
            OverrideValue::Sweep(Sweep::Choice {
                items: y,
                simple: sy,
                tags: ty,
            }),
        ) => {
            sx == sy
                && tx == ty
                && x.len() == y.len()
                && x.iter().zip(y).all(|(a, b)| same_element(a, b))
        }
        _ => a == b,
    }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_$][a-z0-9_$-]{0,5}(\\.([a-z_][a-z0-9_-]{0,4}|0|[1-9][0-9]{0,2})){0,3}",
        "/?[a-z_][a-z0-9_-]{0,4}(/[a-z_][a-z0-9_-]{0,4}){1,2}",
    ]
}

fn kind() -> impl Strategy<Value = OverrideKind> {
    prop::sample::select(vec![
        OverrideKind::Change,
        OverrideKind::Add,
        OverrideKind::ForceAdd,
        OverrideKind::Delete,
    ])
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn any_text_parses_or_fails_cleanly(text in ".{0,40}") {
        check_no_panic(&text);
        check_no_panic(&format!("a={text}"));
    }

    #[test]
    fn grammar_texts_parse_or_fail_cleanly(text in grammar_text()) {
        check_no_panic(&text);
        check_no_panic(&format!("k={text}"));
        check_no_panic(&format!("+k.x@p={text}"));
    }
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn printed_elements_read_back(value in element()) {
        let text = format!("a={value}");
        let parsed = Override::parse(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
        let back = parsed.value.expect("a value");
        prop_assert!(
            same_value(&back, &OverrideValue::Element(value.clone())),
            "{} read back as {:?}", text, back
        );
    }

    #[test]
    fn printed_sweeps_read_back(sweep in sweep()) {
        let text = format!("a={sweep}");
        let parsed = Override::parse(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
        let back = parsed.value.expect("a value");
        prop_assert!(
            same_value(&back, &OverrideValue::Sweep(sweep.clone())),
            "{} read back as {:?}", text, back
        );
    }

    #[test]
    fn printed_overrides_read_back(
        kind in kind(),
        key in key(),
        package in prop::option::of("([a-z_][a-z0-9_]{0,4}(\\.[a-z_][a-z0-9_]{0,3}){0,2})?"),
        value in prop::option::of(element()),
    ) {
        let value = match (kind, value) {
            (OverrideKind::Delete, value) => value,
            (_, value) => Some(value.unwrap_or(Element::Int(1))),
        };
        let o = Override {
            kind,
            key,
            package,
            value: value.map(OverrideValue::Element),
            text: String::new(),
        };
        let text = o.to_string();
        let back = Override::parse(&text).unwrap_or_else(|err| panic!("{text}: {err}"));
        prop_assert_eq!((back.kind, &back.key, &back.package), (o.kind, &o.key, &o.package));
        match (&back.value, &o.value) {
            (Some(a), Some(b)) => prop_assert!(same_value(a, b), "{}", text),
            (None, None) => {}
            _ => prop_assert!(false, "{} lost or gained a value", text),
        }
    }
}
