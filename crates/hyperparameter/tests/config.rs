//! Configuration loading through the public API: files, in-memory maps, overrides, scopes
//! with provenance, and typed structs through serde.

use std::path::PathBuf;

use hyperparameter::config::{Config, Format, Origin, RawConfig};
use hyperparameter::{from_params, get_or, Error, Key, ParamScope, Source, Value};
use serde::Deserialize;

/// A fresh folder under the system temp dir for one test's files.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hp-config-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[derive(Deserialize, Debug, PartialEq)]
struct Optimizer {
    name: String,
    lr: f64,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Train {
    epochs: u16,
    shuffle: bool,
    optimizer: Optimizer,
    #[serde(default)]
    tags: Vec<String>,
}

#[test]
fn load_merges_files_in_order_and_resolves() {
    let dir = temp_dir("load");
    let base = dir.join("base.toml");
    let prod = dir.join("prod.yaml");
    std::fs::write(
        &base,
        "[train]\nepochs = 10\nshuffle = true\n\n[train.optimizer]\nname = \"adam\"\nlr = 0.1\n",
    )
    .unwrap();
    std::fs::write(
        &prod,
        "train:\n  epochs: \"20\"\n  optimizer:\n    lr: 0.01\n  tags: [prod, '${train.optimizer.name}']\n",
    )
    .unwrap();
    let config = Config::load([&base, &prod]).unwrap();
    let train: Train = config.deserialize_at("train").unwrap();
    assert_eq!(
        train,
        Train {
            epochs: 20,
            shuffle: true,
            optimizer: Optimizer {
                name: "adam".into(),
                lr: 0.01
            },
            tags: vec!["prod".into(), "adam".into()],
        }
    );
    let lr_origin = config.origin("train.optimizer.lr").unwrap().to_string();
    assert_eq!(lr_origin, format!("{}:4:9", prod.display()));
    let name_origin = config.origin("train.optimizer.name").unwrap();
    assert!(
        matches!(name_origin, Origin::File { line: 6, .. }),
        "{name_origin:?}"
    );
    assert_eq!(config.keys().collect::<Vec<_>>(), ["train"]);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn load_errors_name_the_file() {
    let dir = temp_dir("errors");
    let missing = dir.join("absent.yaml");
    let err = Config::load([&missing]).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("{}: cannot read the file", missing.display())),
        "{err}"
    );
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"a\": 1,\n \"b\": }").unwrap();
    let err = Config::load([&bad]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}:2:7: expected a value", bad.display())
    );
    assert!(matches!(
        err,
        Error::Parse {
            line: 2,
            col: 7,
            ..
        }
    ));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn deserialize_errors_name_path_and_file_position() {
    let config = Config::from_str(
        "train:\n  epochs: many\n  shuffle: true\n  optimizer: {name: sgd, lr: 0.1}\n",
        Format::Yaml,
        "run.yaml",
    )
    .unwrap();
    let err = config.deserialize_at::<Train>("train").unwrap_err();
    match &err {
        Error::Conversion {
            key,
            origin,
            target,
            ..
        } => {
            assert_eq!(key, "train.epochs");
            assert_eq!(origin, "run.yaml:2:11");
            assert_eq!(target, "u16");
        }
        other => panic!("expected a conversion error, got {other:?}"),
    }
    let err = config.deserialize_at::<Optimizer>("train").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot deserialize `train`: missing field `name`"
    );
}

#[test]
fn scope_from_config_keeps_provenance() {
    let mut raw = RawConfig::parse(
        "{\"model\": {\"dim\": 32, \"name\": \"net-${model.dim}\", \"empty\": {}}}",
        Format::Json,
        "model.json",
    )
    .unwrap();
    raw.apply_overrides(&["model.dim=64"]).unwrap();
    let config = raw.resolve().unwrap();
    let scope = ParamScope::from(&config);
    assert_eq!(scope.keys(), ["model.dim", "model.empty", "model.name"]);
    let sources: Vec<(String, Source)> = scope
        .iter()
        .map(|entry| (entry.key.to_string(), entry.source.clone()))
        .collect();
    assert_eq!(
        sources,
        [
            (
                "model.dim".to_string(),
                Source::Define {
                    item: "model.dim=64".into()
                }
            ),
            (
                "model.empty".to_string(),
                Source::File {
                    path: "model.json".into(),
                    line: 1,
                    col: 60
                }
            ),
            (
                "model.name".to_string(),
                Source::File {
                    path: "model.json".into(),
                    line: 1,
                    col: 31
                }
            ),
        ]
    );
    let _active = scope.enter();
    let dim = Key::new("model.dim").unwrap();
    assert_eq!(get_or(&dim, 0u32).unwrap(), 64);
    let name = Key::new("model.name").unwrap();
    assert_eq!(get_or(&name, "").unwrap(), "net-64");
}

#[test]
fn in_memory_maps_merge_with_files() {
    let file = RawConfig::parse("a = 1\n[b]\nc = \"${a}\"\n", Format::Toml, "f.toml").unwrap();
    let mut map = indexmap::IndexMap::new();
    map.insert("a".to_string(), Value::Int(5));
    map.insert("b.d".to_string(), Value::from(vec![1, 2]));
    let memory = RawConfig::from_value(&Value::from(map), "<dict>").unwrap();
    let config = file.merged(memory).resolve().unwrap();
    assert_eq!(
        config.to_value().to_string(),
        r#"{"a": 5, "b": {"c": 5, "d": [1, 2]}}"#
    );
    assert_eq!(config.origin("a").unwrap().to_string(), "<dict>");
    assert!(RawConfig::from_value(&Value::Int(1), "<dict>").is_err());
}

#[test]
fn from_params_reads_a_prefix_of_the_current_view() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Layer {
        size: u32,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct Model {
        dim: u16,
        layers: Vec<Layer>,
        #[serde(default)]
        dropout: Option<f32>,
    }
    let scope = ParamScope::from_defines(&[
        "model.dim=8080",
        "model.layers.0.size=3",
        "model.layers.1.size=4",
        "other=1",
    ])
    .unwrap();
    let _active = scope.enter();
    let model: Model = from_params("model").unwrap();
    assert_eq!(
        model,
        Model {
            dim: 8080,
            layers: vec![Layer { size: 3 }, Layer { size: 4 }],
            dropout: None,
        }
    );
    let dim: u16 = from_params("model.dim").unwrap();
    assert_eq!(dim, 8080);

    let bad = ParamScope::new().with("model.dim", "big").unwrap();
    let _inner = bad.enter();
    let err = from_params::<Model>("model").unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot convert parameter `model.dim` = \"big\" (from unknown source) to u16: \
         expected an integer"
    );
}

#[test]
fn registered_resolvers_relative_references_and_hydra_values_resolve() {
    use hyperparameter::config::resolvers::{register_resolver, remove_resolver, set_run_info};

    register_resolver(
        "tests.join",
        |args| {
            let parts: Vec<String> = args.iter().map(Value::to_string).collect();
            Ok(Value::Str(parts.join("-").into()))
        },
        false,
    )
    .unwrap();
    set_run_info("job.name", Some("train"));
    let config = RawConfig::parse(
        "model:\n  dim: 8\n  head: {dim: '${..dim}', tag: '${tests.join:a,1,true}'}\n\
         job: ${hydra:job.name}\nenv: ${oc.env:HP_TESTS_SURELY_UNSET,none}\n",
        Format::Yaml,
        "c.yaml",
    )
    .unwrap()
    .resolve()
    .unwrap();
    set_run_info("job.name", None);
    assert!(remove_resolver("tests.join"));
    assert_eq!(config.get("model.head.dim").unwrap().to_string(), "8");
    assert_eq!(
        config.get("model.head.tag").unwrap().to_string(),
        "a-1-true"
    );
    assert_eq!(config.get("job").unwrap().to_string(), "train");
    assert_eq!(config.get("env").unwrap().to_string(), "none");

    register_resolver("tests.fail", |_| Err("no luck".into()), false).unwrap();
    let err = RawConfig::parse("a: ${tests.fail:}\n", Format::Yaml, "c.yaml")
        .unwrap()
        .resolve()
        .unwrap_err();
    remove_resolver("tests.fail");
    assert_eq!(
        err.to_string(),
        "c.yaml:1:4: resolver `tests.fail` failed on `${tests.fail:}` in `a`: no luck"
    );
}
