//! Hostile and malformed configuration input (SPEC §12): parsing and interpolation return
//! an error or a value, and never panic or hang, whatever the text.

use hyperparameter::config::{Format, RawConfig};
use proptest::prelude::*;

const FORMATS: [Format; 3] = [Format::Toml, Format::Json, Format::Yaml];

/// Parses and resolves; only the absence of a panic matters here. A success must also
/// survive flattening and conversion to a scope.
fn load(text: &str, format: Format) {
    let Ok(raw) = RawConfig::parse(text, format, "fuzz") else {
        return;
    };
    if let Ok(config) = raw.resolve_with_env(|name| (name == "SET").then(|| "${x}".to_string())) {
        let _ = config.flatten();
        let _ = config.to_scope();
    }
}

/// Text made of the characters that matter to the three grammars and to `${...}`.
fn structural_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("{"),
            Just("}"),
            Just("["),
            Just("]"),
            Just(":"),
            Just(","),
            Just("\""),
            Just("'"),
            Just("\n"),
            Just("  "),
            Just("- "),
            Just("="),
            Just("."),
            Just("a"),
            Just("b.c"),
            Just("1"),
            Just("-2.5e3"),
            Just("true"),
            Just("null"),
            Just("${"),
            Just("$${"),
            Just("${a}"),
            Just("${env:SET}"),
            Just("${env:X,d}"),
            Just("&x "),
            Just("*x"),
            Just("!!str "),
            Just("!tag "),
            Just("<<: "),
            Just("#"),
            Just("\\"),
            Just("\\u12"),
            Just("é"),
            Just("[[t]]"),
            Just("\t"),
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn structural_noise_never_panics(text in structural_text()) {
        for format in FORMATS {
            load(&text, format);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        for format in FORMATS {
            load(&text, format);
        }
    }

    #[test]
    fn interpolation_of_any_value_never_panics(value in structural_text()) {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
        let text = format!(
            "{{\"a\": {{\"b\": \"{escaped}\", \"l\": [1, \"${{a.b}}\"]}}, \"x\": \"{escaped}\"}}"
        );
        load(&text, Format::Json);
    }
}

#[test]
fn deep_and_long_input_is_bounded() {
    for format in FORMATS {
        load(&"[".repeat(1_000_000), format);
        load(&"{\"a\":".repeat(100_000), format);
    }
    load(&"a:\n".repeat(200_000), Format::Yaml);
    let text = "x".repeat(hyperparameter::config::MAX_INPUT_BYTES + 1);
    let err = RawConfig::parse(&text, Format::Yaml, "big.yaml").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("big.yaml: the input is larger than"),
        "{err}"
    );
}

#[test]
fn exponential_interpolation_is_bounded() {
    // Each level doubles the text and the copies; the limits stop it quickly.
    let mut text =
        String::from("{\"l0\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"");
    for i in 1..40 {
        let j = i - 1;
        text.push_str(&format!(", \"l{i}\": \"${{l{j}}}${{l{j}}}\""));
    }
    text.push('}');
    let err = RawConfig::parse(&text, Format::Json, "bomb.json")
        .unwrap()
        .resolve()
        .unwrap_err();
    assert!(
        err.to_string().contains("builds a text longer than"),
        "{err}"
    );

    let mut text = String::from("{\"m0\": [1, 2, 3, 4, 5, 6, 7, 8]");
    for i in 1..40 {
        let j = i - 1;
        text.push_str(&format!(", \"m{i}\": [\"${{m{j}}}\", \"${{m{j}}}\"]"));
    }
    text.push('}');
    let err = RawConfig::parse(&text, Format::Json, "bomb.json")
        .unwrap()
        .resolve()
        .unwrap_err();
    assert!(err.to_string().contains("copies more than"), "{err}");
}
