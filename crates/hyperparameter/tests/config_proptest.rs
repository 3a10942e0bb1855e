//! Property tests of the configuration loader against simple models (SPEC §6, §12): seeded
//! and bounded, so the same cases run every time (failures are kept in
//! `config_proptest.proptest-regressions` and re-run first).
//!
//! - Generated trees rendered as TOML, JSON and YAML load back to the same values.
//! - The same texts with bytes mutated load or fail with an error; nothing panics.
//! - Interpolation graphs (chains, cycles, diamonds, references inside text, environment
//!   references with and without defaults) resolve to what a recursive model computes, or
//!   fail with the error the model predicts (the first problem met in document order).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hyperparameter::config::{Format, RawConfig};
use hyperparameter::Value;
use indexmap::IndexMap;
use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};

/// The runner's settings: a fixed seed and a bounded number of cases.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(0x6879_7065_7270_6172),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

// -- generated trees ------------------------------------------------------------------------

/// A tree of values every format can write (no nulls: TOML has none).
#[derive(Clone, Debug)]
enum Tree {
    Int(i64),
    Float(f64),
    Bool(bool),
    Str(String),
    List(Vec<Tree>),
    Map(BTreeMap<String, Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Tree::Int),
        prop_oneof![
            any::<f64>().prop_filter("finite", |x| x.is_finite()),
            Just(0.5),
            Just(-0.0),
            Just(1e300),
            Just(2.0)
        ]
        .prop_map(Tree::Float),
        any::<bool>().prop_map(Tree::Bool),
        "[ -#%-~é]{0,8}".prop_map(Tree::Str),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Tree::List),
            proptest::collection::btree_map("[a-z][a-z0-9_]{0,4}", inner, 0..4).prop_map(Tree::Map),
        ]
    })
}

fn document() -> impl Strategy<Value = BTreeMap<String, Tree>> {
    proptest::collection::btree_map("[a-z][a-z0-9_]{0,4}", tree(), 0..6)
}

impl Tree {
    fn to_value(&self) -> Value {
        match self {
            Tree::Int(i) => Value::Int(*i),
            Tree::Float(x) => Value::Float(*x),
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Str(s) => Value::from(s.as_str()),
            Tree::List(items) => Value::List(Arc::new(items.iter().map(Tree::to_value).collect())),
            Tree::Map(map) => Value::Map(Arc::new(
                map.iter().map(|(k, v)| (k.clone(), v.to_value())).collect(),
            )),
        }
    }

    /// The value as a JSON text, which is also a YAML flow value and, with `=` for `:`, a
    /// TOML inline value.
    fn render(&self, format: Format, out: &mut String) {
        match self {
            Tree::Int(i) => out.push_str(&i.to_string()),
            Tree::Float(x) => out.push_str(&format!("{x:?}")),
            Tree::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Tree::Str(s) => out.push_str(&format!("{s:?}")),
            Tree::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.render(format, out);
                }
                out.push(']');
            }
            Tree::Map(map) => {
                out.push('{');
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    match format {
                        Format::Toml => out.push_str(&format!("{key} = ")),
                        _ => out.push_str(&format!("\"{key}\": ")),
                    }
                    item.render(format, out);
                }
                out.push('}');
            }
        }
    }
}

/// The document as a text of `format`: TOML `key = value` lines, JSON one object, YAML a
/// block map of flow values.
fn render(doc: &BTreeMap<String, Tree>, format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Json => Tree::Map(doc.clone()).render(format, &mut out),
        Format::Toml | Format::Yaml => {
            for (key, value) in doc {
                out.push_str(key);
                out.push_str(if format == Format::Toml { " = " } else { ": " });
                value.render(format, &mut out);
                out.push('\n');
            }
        }
    }
    out
}

fn map_value(doc: &BTreeMap<String, Tree>) -> Value {
    Tree::Map(doc.clone()).to_value()
}

const FORMATS: [Format; 3] = [Format::Toml, Format::Json, Format::Yaml];

/// Loads and resolves a text; must not panic. A success also flattens and converts.
fn load(text: &str, format: Format) -> Result<Value, String> {
    let raw = RawConfig::parse(text, format, "fuzz").map_err(|err| err.to_string())?;
    let config = raw
        .resolve_with_env(|_| None)
        .map_err(|err| err.to_string())?;
    let _ = config.flatten();
    let _ = config.to_scope();
    Ok(config.to_value())
}

/// One byte-level change to a text.
#[derive(Clone, Debug)]
enum Mutation {
    Insert(usize, u8),
    Remove(usize),
    Replace(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![
        Just(b'{'),
        Just(b'}'),
        Just(b'['),
        Just(b']'),
        Just(b'"'),
        Just(b'\''),
        Just(b':'),
        Just(b'='),
        Just(b','),
        Just(b'\n'),
        Just(b'$'),
        Just(b'.'),
        Just(b'-'),
        Just(b'#'),
        Just(b'\\'),
        Just(b'&'),
        Just(b'*'),
        Just(b'!'),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(at, b)| Mutation::Insert(at, b)),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), byte).prop_map(|(at, b)| Mutation::Replace(at, b)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for mutation in mutations {
        let len = bytes.len();
        match *mutation {
            Mutation::Insert(at, b) => bytes.insert(at % (len + 1), b),
            Mutation::Remove(at) if len > 0 => {
                bytes.remove(at % len);
            }
            Mutation::Replace(at, b) if len > 0 => bytes[at % len] = b,
            _ => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn generated_trees_load_back_in_every_format(doc in document()) {
        let expected = map_value(&doc);
        for format in FORMATS {
            let text = render(&doc, format);
            let loaded = load(&text, format);
            prop_assert_eq!(loaded.as_ref(), Ok(&expected), "{:?}:\n{}", format, text);
        }
    }

    #[test]
    fn mutated_texts_load_or_fail_cleanly(
        doc in document(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        for format in FORMATS {
            let bytes = mutate(&render(&doc, format), &mutations);
            let text = String::from_utf8_lossy(&bytes);
            if let Err(message) = load(&text, format) {
                prop_assert!(message.starts_with("fuzz"), "{}", message);
            }
        }
    }
}

// -- interpolation graphs ----------------------------------------------------------------------

/// One piece of a key's text.
#[derive(Clone, Debug)]
enum Piece {
    Literal(String),
    /// `${k<n>}`
    Key(usize),
    /// `${env:V<n>}` or `${env:V<n>,default}`
    Env(usize, Option<String>),
}

/// What a key of a graph holds.
#[derive(Clone, Debug)]
enum Node {
    Int(i64),
    /// A text: one reference alone keeps the referenced type.
    Text(Vec<Piece>),
}

/// Keys `k0..kn`; the environment sets `V0` and `V2` only.
#[derive(Clone, Debug)]
struct Graph {
    nodes: Vec<Node>,
}

fn env(name: &str) -> Option<String> {
    match name {
        "V0" => Some("zero".into()),
        "V2" => Some("2".into()),
        _ => None,
    }
}

fn graph() -> impl Strategy<Value = Graph> {
    (1usize..14).prop_flat_map(|n| {
        let piece = prop_oneof![
            2 => "[a-z -]{1,3}".prop_map(Piece::Literal),
            4 => (0..n).prop_map(Piece::Key),
            1 => (0usize..4, proptest::option::of("[a-z]{0,3}"))
                .prop_map(|(v, d)| Piece::Env(v, d)),
        ];
        let node = prop_oneof![
            1 => (-5i64..100).prop_map(Node::Int),
            3 => proptest::collection::vec(piece, 1..4).prop_map(Node::Text),
        ];
        proptest::collection::vec(node, n).prop_map(|nodes| Graph { nodes })
    })
}

impl Graph {
    fn yaml(&self) -> String {
        let mut out = String::new();
        for (i, node) in self.nodes.iter().enumerate() {
            let value = match node {
                Node::Int(v) => v.to_string(),
                Node::Text(pieces) => {
                    let text: String = pieces
                        .iter()
                        .map(|piece| match piece {
                            Piece::Literal(s) => s.clone(),
                            Piece::Key(k) => format!("${{k{k}}}"),
                            Piece::Env(v, None) => format!("${{env:V{v}}}"),
                            Piece::Env(v, Some(d)) => format!("${{env:V{v},{d}}}"),
                        })
                        .collect();
                    format!("{text:?}")
                }
            };
            out.push_str(&format!("k{i}: {value}\n"));
        }
        out
    }
}

/// The model: every key resolved in document order, each reference followed depth first;
/// the first problem met is the answer.
struct Model<'g> {
    graph: &'g Graph,
    done: HashMap<usize, Value>,
    /// Keys being resolved, outermost first.
    stack: Vec<usize>,
}

#[derive(Debug, PartialEq)]
enum Problem {
    /// The keys of the cycle, the first one repeated at the end.
    Cycle(Vec<usize>),
    Unset(usize),
}

impl Model<'_> {
    fn value(&mut self, key: usize) -> Result<Value, Problem> {
        if let Some(value) = self.done.get(&key) {
            return Ok(value.clone());
        }
        if let Some(start) = self.stack.iter().position(|k| *k == key) {
            let mut cycle = self.stack[start..].to_vec();
            cycle.push(key);
            return Err(Problem::Cycle(cycle));
        }
        self.stack.push(key);
        let value = match &self.graph.nodes[key] {
            Node::Int(v) => Value::Int(*v),
            Node::Text(pieces) if pieces.len() == 1 => self.piece(&pieces[0])?,
            Node::Text(pieces) => {
                let mut text = String::new();
                for piece in pieces {
                    match self.piece(piece)? {
                        Value::Str(s) => text.push_str(&s),
                        other => text.push_str(&other.to_string()),
                    }
                }
                Value::from(text)
            }
        };
        self.stack.pop();
        self.done.insert(key, value.clone());
        Ok(value)
    }

    fn piece(&mut self, piece: &Piece) -> Result<Value, Problem> {
        match piece {
            Piece::Literal(s) => Ok(Value::from(s.as_str())),
            Piece::Key(k) => self.value(*k),
            Piece::Env(v, default) => env(&format!("V{v}"))
                .or_else(|| default.as_ref().map(|d| d.trim().to_string()))
                .map(Value::from)
                .ok_or(Problem::Unset(*v)),
        }
    }

    fn resolve(graph: &Graph) -> Result<Value, Problem> {
        let mut model = Model {
            graph,
            done: HashMap::new(),
            stack: Vec::new(),
        };
        let mut out = IndexMap::new();
        for key in 0..graph.nodes.len() {
            out.insert(format!("k{key}"), model.value(key)?);
        }
        Ok(Value::Map(Arc::new(out)))
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn interpolation_graphs_resolve_as_the_model_says(graph in graph()) {
        let text = graph.yaml();
        let loaded = RawConfig::parse(&text, Format::Yaml, "g.yaml")
            .and_then(|raw| raw.resolve_with_env(env));
        match (Model::resolve(&graph), loaded) {
            (Ok(expected), Ok(config)) => prop_assert_eq!(config.to_value(), expected, "{}", text),
            (Err(Problem::Cycle(keys)), Err(err)) => {
                let names: Vec<String> = keys.iter().map(|k| format!("k{k}")).collect();
                let message = err.to_string();
                if names.len() <= 9 {
                    let expected = format!("interpolation cycle: {}", names.join(" -> "));
                    prop_assert!(message.ends_with(&expected), "{} vs {}\n{}", message, expected, text);
                } else {
                    prop_assert!(message.contains("interpolation cycle of"), "{}", message);
                }
                let first = format!("g.yaml:{}:", keys[0] + 1);
                prop_assert!(message.starts_with(&first), "{} vs {}", message, first);
            }
            (Err(Problem::Unset(v)), Err(err)) => {
                let expected = format!("environment variable `V{v}` is not set");
                prop_assert!(err.to_string().contains(&expected), "{}\n{}", err, text);
            }
            (expected, loaded) => prop_assert!(false, "model {:?}, loader {:?}\n{}", expected, loaded, text),
        }
    }

    #[test]
    fn long_chains_and_cycles_resolve_or_report_on_a_small_stack(
        links in 1usize..3000,
        cycle in any::<bool>(),
    ) {
        let mut text = String::new();
        for i in 0..links {
            let next = if cycle && i + 1 == links { 0 } else { i + 1 };
            text.push_str(&format!("k{i}: ${{k{next}}}\n"));
        }
        if !cycle {
            text.push_str(&format!("k{links}: 1\n"));
        }
        let result = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                RawConfig::parse(&text, Format::Yaml, "c.yaml")
                    .and_then(|raw| raw.resolve())
                    .map(|config| config.get("k0"))
                    .map_err(|err| err.to_string())
            })
            .unwrap()
            .join()
            .unwrap();
        if cycle {
            let message = result.unwrap_err();
            prop_assert!(message.starts_with("c.yaml:1:5: interpolation cycle"), "{}", message);
        } else {
            prop_assert_eq!(result, Ok(Some(Value::Int(1))));
        }
    }
}
