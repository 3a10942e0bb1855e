//! Configurations at and beyond the bounds (SPEC §6, §12): long reference chains and
//! cycles, nesting at the depth bound and just over it, on a thread with a small stack.
//! Every walk over the data (parsing, interpolation, merging, flattening, serde) must stay
//! within the stack there: past a bound the answer is an error naming the place, never a
//! crash.

use std::sync::Arc;

use hyperparameter::config::{Config, Format, RawConfig, MAX_DEPTH};
use hyperparameter::{Error, Value};
use indexmap::IndexMap;

/// The stack of the threads these tests run on: small, so recursion on the data shows.
const SMALL_STACK: usize = 256 * 1024;

/// Runs `f` on a new thread with a [`SMALL_STACK`]-byte stack and returns what it returns.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the thread does not panic")
}

/// `k0: ${k1}`, `k1: ${k2}`, ... up to `k{links}: end` (or, for a cycle, back to `k0`).
fn chain_yaml(links: usize, cycle: bool) -> String {
    let mut text = String::new();
    for i in 0..links {
        let next = if cycle && i + 1 == links { 0 } else { i + 1 };
        text.push_str(&format!("k{i}: ${{k{next}}}\n"));
    }
    if !cycle {
        text.push_str(&format!("k{links}: end\n"));
    }
    text
}

#[test]
fn a_chain_of_6000_references_resolves_on_a_small_stack() {
    let config = on_small_stack(|| {
        Config::from_str(&chain_yaml(6000, false), Format::Yaml, "chain.yaml").unwrap()
    });
    assert_eq!(config.get("k0"), Some(Value::from("end")));
    assert_eq!(config.get("k5999"), Some(Value::from("end")));
    assert_eq!(config.origin("k0").unwrap().to_string(), "chain.yaml:1:5");
}

/// A chain of `links` references in an in-memory map (no text that long is accepted), on a
/// small stack.
fn resolve_map_chain(links: usize) -> Config {
    let mut map = IndexMap::new();
    for i in 0..links {
        map.insert(format!("k{i}"), Value::from(format!("${{k{}}}", i + 1)));
    }
    map.insert(format!("k{links}"), Value::Int(7));
    let value = Value::Map(Arc::new(map));
    on_small_stack(move || {
        RawConfig::from_value(&value, "<map>")
            .unwrap()
            .resolve()
            .unwrap()
    })
}

#[test]
fn a_chain_of_200_000_references_resolves_on_a_small_stack() {
    // Stack use does not grow with the chain: 200,000 links (about 5 s in a debug build).
    let config = resolve_map_chain(200_000);
    assert_eq!(config.get("k0"), Some(Value::Int(7)));
}

#[test]
#[ignore = "about 30 s in a debug build; run with --ignored (or --release)"]
fn a_chain_as_long_as_the_node_bound_allows_resolves() {
    // The longest chain a configuration can hold: one value per key, every value but the
    // last a reference to the next.
    let config = resolve_map_chain(hyperparameter::config::MAX_NODES - 1);
    assert_eq!(config.get("k0"), Some(Value::Int(7)));
}

#[test]
fn a_long_cycle_is_an_error_naming_a_shortened_chain_and_the_file() {
    let err = on_small_stack(|| {
        Config::from_str(&chain_yaml(6000, true), Format::Yaml, "cycle.yaml").unwrap_err()
    });
    assert!(matches!(err, Error::Parse { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cycle.yaml:1:5: interpolation cycle of 6000 keys: k0 -> k1 -> k2 -> k3 -> ... -> \
         k5997 -> k5998 -> k5999 -> k0"
    );
    // A short cycle is shown whole, and so is a self-reference.
    let err = Config::from_str(&chain_yaml(3, true), Format::Yaml, "c.yaml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "c.yaml:1:5: interpolation cycle: k0 -> k1 -> k2 -> k0"
    );
    let err = Config::from_str("a: ${a}\n", Format::Yaml, "c.yaml").unwrap_err();
    assert_eq!(err.to_string(), "c.yaml:1:4: interpolation cycle: a -> a");
}

#[test]
fn a_long_chain_to_a_missing_key_names_its_length() {
    let mut text = chain_yaml(5000, false);
    text.truncate(text.rfind("k5000").unwrap());
    let err = on_small_stack(move || Config::from_str(&text, Format::Yaml, "m.yaml").unwrap_err());
    assert_eq!(
        err.to_string(),
        "m.yaml:5000:8: missing key `k5000` referenced by `${k5000}` (chain of 5001 keys: k0 \
         -> k1 -> k2 -> k3 -> ... -> k4997 -> k4998 -> k4999 -> k5000)"
    );
}

#[test]
fn chains_through_maps_lists_and_text_resolve_on_a_small_stack() {
    // Each link copies a map holding the next link inside text, through a list index.
    let links = 3000;
    let mut text = String::new();
    for i in 0..links {
        text.push_str(&format!(
            "m{i}: {{v: '${{m{}.l.0}}-', l: ['${{m{}.v}}']}}\n",
            i + 1,
            i + 1
        ));
    }
    text.push_str(&format!("m{links}: {{v: end, l: [end]}}\n"));
    let config = on_small_stack(move || Config::from_str(&text, Format::Yaml, "m.yaml").unwrap());
    assert_eq!(config.get("m2999.v"), Some(Value::from("end-")));
    assert_eq!(config.get("m2998.l.0"), Some(Value::from("end-")));
    let expected = format!("end{}", "-".repeat(links / 2));
    assert!(config
        .get("m0.v")
        .is_some_and(|v| v.to_string().starts_with(&expected)));
}

/// A JSON map nested `depth` levels: `{"k": {"k": ... 1}}`.
fn nested_json(depth: usize) -> String {
    format!("{}1{}", r#"{"k": "#.repeat(depth), "}".repeat(depth))
}

/// A YAML block map nested `depth` levels (indentation).
fn nested_yaml(depth: usize) -> String {
    let mut text = String::new();
    for level in 0..depth {
        text.push_str(&"  ".repeat(level));
        text.push_str(if level + 1 == depth { "k: 1\n" } else { "k:\n" });
    }
    text
}

/// A TOML document whose `k` holds inline tables `depth` levels deep.
fn nested_toml(depth: usize) -> String {
    format!(
        "k = {}1{}\n",
        "{k = ".repeat(depth - 1),
        "}".repeat(depth - 1)
    )
}

/// The dotted key of the value `depth` levels deep.
fn deep_key(depth: usize) -> String {
    vec!["k"; depth].join(".")
}

#[test]
fn nesting_at_the_depth_bound_loads_and_converts_on_a_small_stack() {
    for (format, text) in [
        (Format::Json, nested_json(MAX_DEPTH)),
        (Format::Yaml, nested_yaml(MAX_DEPTH)),
        (Format::Toml, nested_toml(MAX_DEPTH)),
    ] {
        on_small_stack(move || {
            let config = Config::from_str(&text, format, "deep").unwrap();
            let key = deep_key(MAX_DEPTH);
            assert_eq!(config.get(&key), Some(Value::Int(1)), "{format:?}");
            let entries = config.flatten();
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].key.as_str(), key);
            let scope = config.to_scope().unwrap();
            assert_eq!(scope.get::<i64>(key.as_str()).unwrap(), Some(1));
            // serde walks it too, into a self-describing value.
            let value: serde_json::Value = config.deserialize().unwrap();
            assert_eq!(
                value.pointer(&format!("/{}", vec!["k"; MAX_DEPTH].join("/"))),
                Some(&1.into())
            );
            // A copy by reference, merged with a second tree of the same depth.
            let mut raw = RawConfig::parse(&text, format, "deep").unwrap();
            raw.merge(RawConfig::parse(&text, format, "again").unwrap());
            raw.merge(RawConfig::parse("r: ${k.k}\n", Format::Yaml, "ref").unwrap());
            let merged = raw.resolve().unwrap();
            assert_eq!(merged.get(&deep_key(MAX_DEPTH)), Some(Value::Int(1)));
            assert_eq!(
                merged.get(&format!("r.{}", deep_key(MAX_DEPTH - 2))),
                Some(Value::Int(1))
            );
            drop(merged);
        });
    }
}

#[test]
fn nesting_just_over_the_depth_bound_is_an_error_naming_the_place() {
    let cases = [
        (Format::Json, nested_json(MAX_DEPTH + 1), "deep:1:"),
        (Format::Yaml, nested_yaml(MAX_DEPTH + 1), "deep:"),
        (Format::Toml, nested_toml(MAX_DEPTH + 1), "deep:1:"),
    ];
    for (format, text, place) in cases {
        let err = on_small_stack(move || Config::from_str(&text, format, "deep").unwrap_err());
        let message = err.to_string();
        assert!(message.starts_with(place), "{format:?}: {message}");
        assert!(
            message.contains("nesting deeper than 64 levels"),
            "{format:?}: {message}"
        );
    }
    // A reference that would copy a map below the bound (`r.s` takes 63 more levels).
    let text = format!("{}r: {{s: '${{k}}'}}\n", nested_yaml(MAX_DEPTH));
    let err = on_small_stack(move || Config::from_str(&text, Format::Yaml, "ref").unwrap_err());
    assert!(
        err.to_string().contains("nesting deeper than 64 levels"),
        "{err}"
    );
    // An override deeper than the bound.
    let item = format!("{}=1", deep_key(MAX_DEPTH + 1));
    let err = RawConfig::new().apply_overrides(&[item]).unwrap_err();
    assert!(err.to_string().contains("nesting deeper"), "{err}");
}

#[test]
fn dotted_keys_and_table_headers_at_the_depth_bound_and_over_it() {
    for segments in [MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 10, 100_000] {
        let key = deep_key(segments);
        let parent = deep_key(segments - 1);
        let cases = [
            (Format::Toml, format!("{key} = 1\n")),
            (Format::Toml, format!("[{parent}]\nk = 1\n")),
            (
                Format::Toml,
                format!("t = {{{} = 1}}\n", deep_key(segments - 1)),
            ),
            (Format::Json, format!("{{\"{key}\": 1}}")),
            (Format::Yaml, format!("\"{key}\": 1\n")),
        ];
        for (format, text) in cases {
            let result = on_small_stack(move || {
                Config::from_str(&text, format, "dotted").map(|config| config.len())
            });
            if segments <= MAX_DEPTH {
                assert_eq!(result.unwrap(), 1, "{format:?} {segments}");
            } else {
                let message = result.unwrap_err().to_string();
                assert!(
                    message.starts_with("dotted:1:"),
                    "{format:?} {segments}: {message}"
                );
                // YAML refuses an implicit key longer than 1024 characters as such.
                let too_long = format == Format::Yaml && segments > 500;
                assert!(
                    message.contains("nesting deeper than 64 levels") || too_long,
                    "{format:?} {segments}: {message}"
                );
            }
        }
    }
}

#[test]
fn nesting_far_over_the_bound_stops_in_the_parser_on_a_small_stack() {
    let n = 200_000;
    let cases = [
        (Format::Json, "[".repeat(n)),
        (Format::Json, r#"{"a": "#.repeat(n)),
        (Format::Yaml, format!("a: {}", "[".repeat(n))),
        (Format::Yaml, format!("a: {}", "{a: ".repeat(n))),
        (Format::Yaml, "- ".repeat(n)),
        (Format::Toml, format!("a = {}", "[".repeat(n))),
        (Format::Toml, format!("a = {}", "{a = ".repeat(n))),
    ];
    for (format, text) in cases {
        let shown = text[..12].to_string();
        let err = on_small_stack(move || Config::from_str(&text, format, "deep").unwrap_err());
        assert!(
            err.to_string().starts_with("deep:"),
            "{format:?} {shown}: {err}"
        );
    }
}

#[test]
fn in_memory_maps_at_the_depth_bound_load_on_a_small_stack() {
    let mut value = Value::Int(1);
    for _ in 0..MAX_DEPTH {
        let mut map = IndexMap::new();
        map.insert("k".to_string(), value);
        value = Value::Map(Arc::new(map));
    }
    let config = on_small_stack(move || {
        RawConfig::from_value(&value, "<map>")
            .unwrap()
            .resolve()
            .unwrap()
    });
    assert_eq!(config.get(&deep_key(MAX_DEPTH)), Some(Value::Int(1)));
}

#[test]
fn from_params_and_from_value_bound_the_depth() {
    // Values built in code can nest deeper than a file may; serde stops at the bound with
    // an error naming the path instead of recursing without end.
    let mut value = Value::Int(1);
    for _ in 0..100_000 {
        value = Value::List(Arc::new(vec![value]));
    }
    let err = on_small_stack(move || {
        // An in-memory map that deep is refused as a configuration too.
        let mut map = IndexMap::new();
        map.insert("k".to_string(), value);
        let map = Value::Map(Arc::new(map));
        let refused = RawConfig::from_value(&map, "<map>")
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("nesting deeper than 64 levels"),
            "{refused}"
        );
        let Value::Map(map) = map else { unreachable!() };
        let value = Arc::try_unwrap(map).unwrap().swap_remove("k").unwrap();
        let result = hyperparameter::de::from_value::<serde_json::Value>(&value, "deep");
        // Dropping a value that deep is the caller's business; keep it out of this test.
        std::mem::forget(value);
        result.unwrap_err()
    });
    let message = err.to_string();
    assert!(message.contains("deeper than 64 levels"), "{message}");
    assert!(message.contains("deep.0.0.0"), "{message}");
    // A key with more segments than the bound, read through from_params.
    let key = deep_key(MAX_DEPTH + 1);
    let err = on_small_stack(move || {
        let mut scope = hyperparameter::ParamScope::new();
        scope.put(key.as_str(), 1).unwrap();
        let _active = scope.enter();
        hyperparameter::from_params::<serde_json::Value>("").unwrap_err()
    });
    assert!(err.to_string().contains("deeper than 64 levels"), "{err}");
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hp-config-limits-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[cfg(unix)]
#[test]
fn only_regular_files_are_read() {
    let dir = scratch("special");
    let zero = dir.join("z.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let err = RawConfig::read(&zero).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: cannot read the file: it is a character device, not a regular file",
            zero.display()
        )
    );
    // A FIFO with no writer: refused before opening, so this does not block.
    let fifo = dir.join("p.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let err = RawConfig::read(&fifo).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: cannot read the file: it is a FIFO (named pipe), not a regular file",
            fifo.display()
        )
    );
    let folder = dir.join("d.json");
    std::fs::create_dir(&folder).unwrap();
    let err = Config::load([&folder]).unwrap_err().to_string();
    assert!(
        err.ends_with("it is a directory, not a regular file"),
        "{err}"
    );
    // A link to a regular file is read.
    std::fs::write(dir.join("real.toml"), "a = 1\n").unwrap();
    std::os::unix::fs::symlink(dir.join("real.toml"), dir.join("link.toml")).unwrap();
    let config = Config::load([dir.join("link.toml")]).unwrap();
    assert_eq!(config.get("a"), Some(Value::Int(1)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_more_than_the_size_bound_is_read() {
    let dir = scratch("size");
    let path = dir.join("big.yaml");
    let mut text = "a: ".to_string();
    text.push_str(&"x".repeat(hyperparameter::config::MAX_INPUT_BYTES - 4));
    text.push('\n');
    assert_eq!(text.len(), hyperparameter::config::MAX_INPUT_BYTES);
    std::fs::write(&path, &text).unwrap();
    assert!(RawConfig::read(&path).is_ok());
    text.push('\n');
    std::fs::write(&path, &text).unwrap();
    let err = RawConfig::read(&path).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "{}: the input is larger than 16777216 bytes and is refused",
            path.display()
        )
    );
    std::fs::write(&path, b"a: \xff\n").unwrap();
    let err = RawConfig::read(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("it is not UTF-8 text (invalid byte at offset 3)"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
