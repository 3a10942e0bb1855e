//! Words of the override grammar: keys and config group paths, and how a single unquoted
//! word is typed (float, int, bool, null, or text), as Hydra's lexer types it.
//!
//! Integers are `0` or digits not starting with `0`, with single `_` between digits and an
//! optional sign; floats are `1.`, `1.5`, `.5`, with an optional exponent (`1e-3`), or
//! `inf`/`nan` in any case; `true`, `false` and `null` in any case. An integer too large
//! for 64 bits stays text.

use super::value::Element;

/// Whether `key` is a valid override key: a dotted path or a `/`-joined group path.
pub(crate) fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("expected a key (a dotted path such as `train.lr`)".into());
    }
    if key.contains('/') {
        let group = key.strip_prefix('/').unwrap_or(key);
        for segment in group.split('/') {
            if !is_id(segment) {
                return Err(format!(
                    "invalid config group `{key}`: each part between `/` must be a name \
                     (letters, digits, `_`, `-`)"
                ));
            }
        }
        return Ok(());
    }
    check_path(key)
}

/// Whether `path` is a dotted path of names and unsigned integers.
pub(crate) fn check_path(path: &str) -> Result<(), String> {
    for segment in path.split('.') {
        let ok = is_special_id(segment)
            || (!segment.is_empty()
                && segment.bytes().all(|b| b.is_ascii_digit())
                && (segment == "0" || !segment.starts_with('0')));
        if !ok {
            return Err(if segment.is_empty() {
                format!("invalid key `{path}`: empty segment")
            } else {
                format!(
                    "invalid key `{path}`: segment `{segment}` must be a name (letters, digits, \
                     `_`, `-`, `$`, not starting with a digit or `-`) or an index"
                )
            });
        }
    }
    Ok(())
}

/// A name: a letter or `_`, then letters, digits, `_` and `-`.
pub(crate) fn is_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A name that may also hold `$`.
fn is_special_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_-$".contains(c))
}

/// A single word typed as Hydra's lexer does: float, int, bool, null, else text.
pub(crate) fn typed_word(word: &str) -> Element {
    if let Some(x) = float_word(word) {
        return Element::Float(x);
    }
    if is_int_word(word) {
        let digits: String = word.chars().filter(|&c| c != '_').collect();
        // Too large for 64 bits: kept as the text written.
        return match digits.parse::<i64>() {
            Ok(i) => Element::Int(i),
            Err(_) => Element::Str(word.to_string()),
        };
    }
    match word.to_ascii_lowercase().as_str() {
        "true" => Element::Bool(true),
        "false" => Element::Bool(false),
        "null" => Element::Null,
        _ => Element::Str(word.to_string()),
    }
}

/// `0` or digits not starting with 0, `_` allowed between digits; returns the length.
fn unsigned_int(s: &[u8]) -> usize {
    match s.first() {
        Some(b'0') => 1,
        Some(b'1'..=b'9') => 1 + digits_tail(&s[1..]),
        _ => 0,
    }
}

/// Digits with single `_` between them, after a first digit; returns the length.
fn digits_tail(s: &[u8]) -> usize {
    let mut i = 0;
    loop {
        match (s.get(i), s.get(i + 1)) {
            (Some(b'_'), Some(d)) if d.is_ascii_digit() => i += 2,
            (Some(d), _) if d.is_ascii_digit() => i += 1,
            _ => return i,
        }
    }
}

/// A digit then the tail; returns the length (0 when there is no digit).
fn digits(s: &[u8]) -> usize {
    match s.first() {
        Some(d) if d.is_ascii_digit() => 1 + digits_tail(&s[1..]),
        _ => 0,
    }
}

fn strip_sign(word: &str) -> &str {
    word.strip_prefix(['+', '-']).unwrap_or(word)
}

fn is_int_word(word: &str) -> bool {
    let body = strip_sign(word).as_bytes();
    !body.is_empty() && unsigned_int(body) == body.len()
}

/// The length of a point float (`1.`, `1.5`, `.5`) at the start of `s`, or 0.
fn point_float(s: &[u8]) -> usize {
    let int = unsigned_int(s);
    if s.get(int) != Some(&b'.') {
        return 0;
    }
    let frac = digits(&s[int + 1..]);
    if int == 0 && frac == 0 {
        0
    } else {
        int + 1 + frac
    }
}

fn float_word(word: &str) -> Option<f64> {
    let negative = word.starts_with('-');
    let body = strip_sign(word);
    let magnitude = match body.to_ascii_lowercase().as_str() {
        "inf" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(x) = magnitude {
        return Some(if negative { -x } else { x });
    }
    let s = body.as_bytes();
    let mantissa = match point_float(s) {
        0 => unsigned_int(s),
        n => n,
    };
    let is_point = mantissa > 0 && mantissa == point_float(s);
    let valid = if mantissa == s.len() {
        is_point
    } else if mantissa > 0 && matches!(s.get(mantissa), Some(b'e' | b'E')) {
        let mut at = mantissa + 1;
        if matches!(s.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exp = digits(&s[at..]);
        exp > 0 && at + exp == s.len()
    } else {
        false
    };
    if !valid {
        return None;
    }
    let clean: String = word.chars().filter(|&c| c != '_').collect();
    clean.parse::<f64>().ok()
}
