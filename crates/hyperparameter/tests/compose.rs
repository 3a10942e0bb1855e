//! Composition of the fixture trees of `tests/fixtures/compose` against what Hydra 1.3
//! itself composes, and the override grammar against Hydra's parser.
//!
//! The expected results, `tests/fixtures/compose/expected.json`, were made by real Hydra
//! (hydra-core 1.3.8 with hydra-colorlog and hydra-optuna-sweeper) with:
//!
//! ```text
//! pip install hydra-core hydra-colorlog hydra-optuna-sweeper
//! python tests/python/compose_parity.py > tests/fixtures/compose/expected.json
//! ```
//!
//! Each case composes a tree with a list of overrides; the tree with references not yet
//! resolved must equal Hydra's outside the `hydra` node, and so must the resolved tree when
//! Hydra could resolve it. When Hydra refuses a case, composing must fail too, with the
//! message given in `ERRORS`.

use std::path::{Path, PathBuf};

use hyperparameter::compose::{
    compose_raw, Element, Number, Override, OverrideKind, OverrideValue, Sweep,
};
use hyperparameter::{Config, Error, Value};
use serde_json::{json, Value as Json};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/compose")
}

fn expected() -> Json {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(x) => json!(x),
        Value::Str(s) => json!(s.as_ref()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => Json::Object(map.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        other => panic!("unexpected value {other:?}"),
    }
}

fn without_hydra(mut tree: Json) -> Json {
    if let Json::Object(map) = &mut tree {
        map.remove("hydra");
    }
    tree
}

fn strings(value: &Json) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// For each case Hydra refuses: the first override (or `-` for none), the config, and a
/// part of our message.
const ERRORS: &[(&str, &str, &str)] = &[
    (
        "db=oracle",
        "config",
        "`db` has no option `oracle` (at config.yaml:2:5); available options: mysql, postgres",
    ),
    (
        "app.nmae=x",
        "config",
        "cannot change `app.nmae`: there is no such key (use `+app.nmae=x` to add it) (did you \
         mean `app.name`?)",
    ),
    (
        "+debug=true",
        "config",
        "cannot add `debug`: it is already set",
    ),
    (
        "~app.missing",
        "config",
        "cannot delete `app.missing`: it does not exist",
    ),
    ("nope@pkg=x", "config", "there is no config group `nope`"),
    (
        "model=x",
        "config",
        "cannot change `model`: there is no such key (use `+model=x` to add it)",
    ),
    ("lr=1,2", "config", "`lr=1,2` is a sweep"),
    (
        "-",
        "missing_choice",
        "an option must be chosen for `db` (at missing_choice.yaml:2:5) (e.g. `db=<option>`); \
         available: mysql, postgres",
    ),
    (
        "db@nope=mysql",
        "config",
        "cannot override `db@nope`: did you mean one of db, db@backup, db@db.copy, \
         db@nested.shared? (to add it to the defaults list use `+db@nope=mysql`)",
    ),
    (
        "trainer=tpu",
        "train",
        "`trainer` has no option `tpu` (at train.yaml:10:5); available options: ddp, default, \
         gpu",
    ),
];

fn env(name: &str) -> Option<String> {
    (name == "PROJECT_ROOT").then(|| "/project".to_string())
}

#[test]
fn compositions_match_hydra() {
    let expected = expected();
    let cases = expected["compose"].as_array().unwrap();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let mut checked_resolved = 0;
    for case in cases {
        let fixture = case["fixture"].as_str().unwrap();
        let name = case["config"].as_str().unwrap();
        let overrides = strings(&case["overrides"]);
        let dir = fixtures().join(fixture);
        let label = format!("{fixture}/{name} {overrides:?}");
        let result = compose_raw(&dir, name, &overrides);
        if let Some(hydra_error) = case.get("error") {
            let first = overrides.first().map_or("-", String::as_str);
            let (_, _, wanted) = ERRORS
                .iter()
                .find(|(o, c, _)| *o == first && *c == name)
                .unwrap_or_else(|| panic!("{label}: no expected message for {hydra_error}"));
            let err = result.expect_err(&label).to_string();
            assert!(
                err.contains(wanted),
                "{label}: {err}\n(Hydra: {hydra_error})"
            );
            continue;
        }
        let raw = result.unwrap_or_else(|err| panic!("{label}: {err}"));
        assert_eq!(
            without_hydra(to_json(&raw.to_value())),
            case["raw"],
            "{label}: the tree before resolution differs from Hydra's"
        );
        if !case["resolved"].is_null() {
            let resolved = raw
                .resolve_with_env(env)
                .unwrap_or_else(|err| panic!("{label}: {err}"));
            assert_eq!(
                without_hydra(to_json(&resolved.to_value())),
                case["resolved"],
                "{label}: the resolved tree differs from Hydra's"
            );
            checked_resolved += 1;
        }
    }
    assert!(checked_resolved >= 30, "{checked_resolved} resolved cases");
}

fn float_json(x: f64) -> Json {
    if x.is_finite() {
        json!(x)
    } else if x.is_nan() {
        json!("nan")
    } else if x > 0.0 {
        json!("inf")
    } else {
        json!("-inf")
    }
}

fn element_json(element: &Element) -> Json {
    match element {
        Element::Null => Json::Null,
        Element::Bool(b) => json!({ "bool": b }),
        Element::Int(i) => json!({ "int": i }),
        Element::Float(x) => json!({ "float": float_json(*x) }),
        Element::Str(s) => json!({ "str": s }),
        Element::Quoted { text, .. } => json!({ "quoted": text }),
        Element::List(items) => {
            json!({ "list": items.iter().map(element_json).collect::<Vec<_>>() })
        }
        Element::Dict(entries) => json!({
            "dict": entries.iter().map(|(k, v)| json!([k, element_json(v)])).collect::<Vec<_>>()
        }),
    }
}

fn number_json(n: &Number) -> Json {
    match n {
        Number::Int(i) => json!({ "int": i }),
        Number::Float(x) => json!({ "float": float_json(*x) }),
    }
}

fn value_json(value: &OverrideValue) -> Json {
    match value {
        OverrideValue::Element(element) => element_json(element),
        OverrideValue::Sweep(Sweep::Choice {
            items,
            simple,
            tags,
        }) => json!({
            "choice": items.iter().map(element_json).collect::<Vec<_>>(),
            "simple": simple,
            "tags": tags,
        }),
        OverrideValue::Sweep(Sweep::Range {
            start,
            stop,
            step,
            tags,
        }) => json!({
            "range": [number_json(start), number_json(stop), number_json(step)],
            "tags": tags,
        }),
        OverrideValue::Sweep(Sweep::Interval { start, end, tags }) => json!({
            "interval": [number_json(start), number_json(end)],
            "tags": tags,
        }),
        OverrideValue::Sweep(Sweep::Glob { include, exclude }) => {
            json!({ "glob": [include, exclude] })
        }
    }
}

/// The JSON form with quoted strings as plain ones (quotes only matter while parsing).
fn unquoted(value: Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let k = if k == "quoted" { "str".to_string() } else { k };
                    (k, unquoted(v))
                })
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.into_iter().map(unquoted).collect()),
        other => other,
    }
}

fn kind_name(kind: OverrideKind) -> &'static str {
    match kind {
        OverrideKind::Change => "CHANGE",
        OverrideKind::Add => "ADD",
        OverrideKind::ForceAdd => "FORCE_ADD",
        OverrideKind::Delete => "DEL",
    }
}

/// Overrides where this parser deliberately differs from Hydra's: an empty key, which
/// Hydra's parser accepts and composition then cannot use, is refused at once.
const GRAMMAR_DIFFERENCES: &[&str] = &["=1"];

#[test]
fn overrides_parse_as_hydra_parses_them() {
    let expected = expected();
    let cases = expected["grammar"].as_array().unwrap();
    assert!(cases.len() >= 80);
    let mut failures = Vec::new();
    for case in cases {
        let text = case["override"].as_str().unwrap();
        if GRAMMAR_DIFFERENCES.contains(&text) {
            assert!(Override::parse(text).is_err(), "{text}");
            continue;
        }
        if let Err(failure) = check_grammar_case(text, case) {
            failures.push(failure);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check_grammar_case(text: &str, case: &Json) -> Result<(), String> {
    let parsed = Override::parse(text);
    if let Some(hydra_error) = case.get("error") {
        return match parsed {
            Err(Error::Override { .. }) => Ok(()),
            other => Err(format!("{text}: {other:?} (Hydra: {hydra_error})")),
        };
    }
    let o = parsed.map_err(|err| format!("{text}: {err}"))?;
    let value = o.value.as_ref().map_or(Json::Null, value_json);
    let ours = json!([kind_name(o.kind), o.key, o.package, value]);
    let hydra = json!([case["kind"], case["key"], case["package"], case["value"]]);
    if ours != hydra {
        return Err(format!("{text}: ours {ours}, Hydra {hydra}"));
    }
    // What is printed parses back to the same override.
    let printed = o.to_string();
    let back = Override::parse(&printed).map_err(|err| format!("{printed}: {err}"))?;
    let again = back.value.as_ref().map_or(Json::Null, value_json);
    if unquoted(again.clone()) != unquoted(ours[3].clone())
        || (back.kind, &back.key, &back.package) != (o.kind, &o.key, &o.package)
    {
        return Err(format!("{text} printed as {printed} reads back as {again}"));
    }
    Ok(())
}

#[test]
fn errors_name_the_override_and_column() {
    let cases = [
        ("a=[1, 2", 8, "missing `]`"),
        ("a=b=c", 4, "unexpected `=`"),
        ("a=#", 3, "`#` is not allowed in an unquoted value"),
        ("a='open", 3, "unterminated string"),
        ("a b=1", 2, "unexpected a space in the key"),
        ("a=foo(1)", 3, "unknown function `foo`"),
        ("a=range(1, x)", 3, "`stop` must be a number, not a string"),
        ("x.0a=1", 1, "segment `0a` must be a name"),
    ];
    for (text, col, msg) in cases {
        match Override::parse(text) {
            Err(Error::Override {
                text: t,
                col: c,
                msg: m,
            }) => {
                assert_eq!(t, text);
                assert_eq!(c, col, "{text}: {m}");
                assert!(m.contains(msg), "{text}: {m}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    let err = Override::parse("a=[1, 2").unwrap_err().to_string();
    assert_eq!(err, "invalid override \"a=[1, 2\" at column 8: missing `]`");
}

#[test]
fn values_keep_their_source() {
    let dir = fixtures().join("lightning");
    let raw = compose_raw(&dir, "train", &["experiment=example", "seed=7"]).unwrap();
    let config = raw
        .resolve_with_env(|name| (name == "PROJECT_ROOT").then(|| "/p".into()))
        .err();
    // `${hydra:runtime.output_dir}` is not resolvable without a run directory yet.
    assert!(config.is_some());
    let raw = compose_raw(&dir, "train", &["experiment=example", "seed=7"]).unwrap();
    let value = raw.to_value();
    let Value::Map(map) = &value else { panic!() };
    assert_eq!(map["seed"], Value::Int(7));

    let config = Config::compose(fixtures().join("basic"), "config", &["db=postgres"]).unwrap();
    assert_eq!(
        config.origin("db.timeout").unwrap().to_string(),
        "db/postgres.yaml:4:10"
    );
    assert_eq!(
        config.origin("server.site.domain").unwrap().to_string(),
        "server/site/default.yaml:1:9"
    );
    assert_eq!(
        config.origin("app.name").unwrap().to_string(),
        "config.yaml:9:9"
    );
    assert_eq!(
        config.get("app.url").unwrap().to_string(),
        "http://example.com:80/"
    );
    let config = Config::compose(fixtures().join("basic"), "config", &["db.port=1"]).unwrap();
    assert_eq!(
        config.origin("db.port").unwrap().to_string(),
        "-D db.port=1"
    );
}

#[test]
fn built_in_hydra_groups_are_ignored_and_the_hydra_node_kept() {
    let dir = fixtures().join("lightning");
    let raw = compose_raw(
        &dir,
        "train",
        &["hparams_search=mnist_optuna", "hydra/launcher=joblib"],
    )
    .unwrap();
    let value = raw.to_value();
    let Value::Map(root) = &value else { panic!() };
    let Value::Map(hydra) = &root["hydra"] else {
        panic!()
    };
    assert_eq!(hydra["mode"], Value::Str("MULTIRUN".into()));
    assert!(hydra.contains_key("run") && hydra.contains_key("sweeper"));
}
