//! Loading a configuration file (target: ≤ 5 ms): a generated YAML file
//! with 1,000 keys, 100 of them interpolations, read from disk, parsed, merged and resolved.
//!
//! Run with `cargo bench -p hyperparameter --bench config`. The same file is written by
//! [`generated_yaml`] each run, so other implementations can be timed on identical input
//! (`HP_BENCH_WRITE_YAML=path` saves a copy).

use std::hint::black_box;

use criterion::{criterion_main, Criterion};
use hyperparameter::config::{Config, Format, RawConfig};

/// 10 sections of 100 keys: ints, floats, bools, text and short lists; the last section's
/// 100 keys are interpolations, half whole-value (typed), half inside text.
fn generated_yaml() -> String {
    let mut out = String::from("# generated: 1,000 keys, 100 interpolations\n");
    for section in 0..9 {
        out.push_str(&format!("section{section}:\n"));
        for key in 0..100 {
            let value = match key % 5 {
                0 => format!("{}", section * 1000 + key),
                1 => format!("{}.5", key),
                2 => (if key % 2 == 0 { "true" } else { "false" }).to_string(),
                3 => format!("name-{section}-{key}"),
                _ => format!("[{key}, {}, {}]", key + 1, key + 2),
            };
            out.push_str(&format!("  key{key}: {value}\n"));
        }
    }
    out.push_str("refs:\n");
    for key in 0..100 {
        // Text can embed primitives only, so embedded references skip the lists.
        let scalar = if key % 5 == 4 { key - 1 } else { key };
        let target = format!("section{}.key{scalar}", key % 9);
        if key % 2 == 0 {
            out.push_str(&format!("  key{key}: ${{{target}}}\n"));
        } else {
            out.push_str(&format!(
                "  key{key}: \"value of {target} is ${{{target}}}\"\n"
            ));
        }
    }
    out
}

fn load(c: &mut Criterion) {
    let text = generated_yaml();
    if let Some(path) = std::env::var_os("HP_BENCH_WRITE_YAML") {
        std::fs::write(path, &text).expect("write the generated YAML");
    }
    let path = std::env::temp_dir().join(format!("hp-bench-config-{}.yaml", std::process::id()));
    std::fs::write(&path, &text).expect("write the generated YAML");
    let config = Config::load([&path]).expect("the generated YAML loads");
    assert_eq!(config.flatten().len(), 1000);

    let mut group = c.benchmark_group("config");
    group.bench_function(
        "load 1,000-key YAML with 100 interpolations (read+parse+resolve)",
        |b| b.iter(|| Config::load([black_box(&path)]).expect("loads")),
    );
    group.bench_function("parse the same YAML text (no resolve)", |b| {
        b.iter(|| RawConfig::parse(black_box(&text), Format::Yaml, "bench.yaml").expect("parses"))
    });
    group.finish();
    std::fs::remove_file(&path).ok();
}

/// `criterion_group!` makes a public function; a private module keeps it out of the docs.
mod group {
    use criterion::criterion_group;
    criterion_group!(benches, super::load);
}
criterion_main!(group::benches);
