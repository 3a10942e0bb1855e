//! Parameter keys: the rules and the `xxh64(utf8(key), 42)` hash shared by every language.
//!
//! A key is a dotted path such as `train.optimizer.lr`. This crate holds what both the
//! runtime crate and the proc macros need (the macros validate and hash literal keys at
//! compile time), so the two can never disagree.
//!
//! The rules, each in one function here:
//!
//! * a key is one or more non-empty segments joined by `.` ([`key_problem`], per segment
//!   [`segment_problem`]);
//! * a segment holds printable text only ([`char_problem`]): no whitespace, no control,
//!   format ([`FORMAT_CHARACTERS`], Unicode 16.0) or private-use character, no noncharacter,
//!   none of `=`, `$`, `{`, `}`; unassigned code points are allowed, so a key valid today
//!   stays valid under a later Unicode version;
//! * a `key=value` item splits at its first `=`, the key trimmed of whitespace: the
//!   characters with Unicode's `White_Space` property, the same ones a key may not hold
//!   ([`split_define`], [`is_key_whitespace`]).
//!
//! `tests/vectors/keys.tsv` lists valid and invalid keys that every language checks.

/// The seed every language uses when hashing keys.
pub const KEY_HASH_SEED: u64 = 42;

const PRIME64_1: u64 = 0x9E37_79B1_85EB_CA87;
const PRIME64_2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const PRIME64_3: u64 = 0x1656_67B1_9E37_79F9;
const PRIME64_4: u64 = 0x85EB_CA77_C2B2_AE63;
const PRIME64_5: u64 = 0x27D4_EB2F_1656_67C5;

const fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut value = 0u64;
    let mut i = 0;
    while i < 8 {
        value |= (bytes[at + i] as u64) << (8 * i);
        i += 1;
    }
    value
}

const fn read_u32(bytes: &[u8], at: usize) -> u64 {
    let mut value = 0u64;
    let mut i = 0;
    while i < 4 {
        value |= (bytes[at + i] as u64) << (8 * i);
        i += 1;
    }
    value
}

const fn round(acc: u64, lane: u64) -> u64 {
    acc.wrapping_add(lane.wrapping_mul(PRIME64_2))
        .rotate_left(31)
        .wrapping_mul(PRIME64_1)
}

const fn merge_round(acc: u64, lane_acc: u64) -> u64 {
    (acc ^ round(0, lane_acc))
        .wrapping_mul(PRIME64_1)
        .wrapping_add(PRIME64_4)
}

/// XXH64 of `bytes` with `seed`, usable in `const` context (the macros hash literal keys at
/// compile time with it).
pub const fn xxh64(bytes: &[u8], seed: u64) -> u64 {
    let len = bytes.len();
    let mut at = 0;
    let mut hash;
    if len >= 32 {
        let mut v1 = seed.wrapping_add(PRIME64_1).wrapping_add(PRIME64_2);
        let mut v2 = seed.wrapping_add(PRIME64_2);
        let mut v3 = seed;
        let mut v4 = seed.wrapping_sub(PRIME64_1);
        while at + 32 <= len {
            v1 = round(v1, read_u64(bytes, at));
            v2 = round(v2, read_u64(bytes, at + 8));
            v3 = round(v3, read_u64(bytes, at + 16));
            v4 = round(v4, read_u64(bytes, at + 24));
            at += 32;
        }
        hash = v1
            .rotate_left(1)
            .wrapping_add(v2.rotate_left(7))
            .wrapping_add(v3.rotate_left(12))
            .wrapping_add(v4.rotate_left(18));
        hash = merge_round(hash, v1);
        hash = merge_round(hash, v2);
        hash = merge_round(hash, v3);
        hash = merge_round(hash, v4);
    } else {
        hash = seed.wrapping_add(PRIME64_5);
    }
    hash = hash.wrapping_add(len as u64);
    while at + 8 <= len {
        hash ^= round(0, read_u64(bytes, at));
        hash = hash
            .rotate_left(27)
            .wrapping_mul(PRIME64_1)
            .wrapping_add(PRIME64_4);
        at += 8;
    }
    if at + 4 <= len {
        hash ^= read_u32(bytes, at).wrapping_mul(PRIME64_1);
        hash = hash
            .rotate_left(23)
            .wrapping_mul(PRIME64_2)
            .wrapping_add(PRIME64_3);
        at += 4;
    }
    while at < len {
        hash ^= (bytes[at] as u64).wrapping_mul(PRIME64_5);
        hash = hash.rotate_left(11).wrapping_mul(PRIME64_1);
        at += 1;
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(PRIME64_2);
    hash ^= hash >> 29;
    hash = hash.wrapping_mul(PRIME64_3);
    hash ^= hash >> 32;
    hash
}

/// The hash of a key as stored: `xxh64(utf8(key), 42)`.
pub const fn key_hash(key: &str) -> u64 {
    xxh64(key.as_bytes(), KEY_HASH_SEED)
}

/// The format characters (general category `Cf`) of Unicode 16.0, as inclusive ranges.
///
/// They are invisible (zero-width space, soft hyphen, bidirectional controls, tags), so two
/// keys that print the same could differ by one. The table is fixed here rather than taken
/// from the running platform, so the rule does not change with a Unicode upgrade; the
/// pure-Python fallback holds a copy that a test compares with this one.
pub const FORMAT_CHARACTERS: &[(char, char)] = &[
    ('\u{ad}', '\u{ad}'),
    ('\u{600}', '\u{605}'),
    ('\u{61c}', '\u{61c}'),
    ('\u{6dd}', '\u{6dd}'),
    ('\u{70f}', '\u{70f}'),
    ('\u{890}', '\u{891}'),
    ('\u{8e2}', '\u{8e2}'),
    ('\u{180e}', '\u{180e}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{206f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{fff9}', '\u{fffb}'),
    ('\u{110bd}', '\u{110bd}'),
    ('\u{110cd}', '\u{110cd}'),
    ('\u{13430}', '\u{1343f}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{e0001}', '\u{e0001}'),
    ('\u{e0020}', '\u{e007f}'),
];

/// Whether `c` is a format character of [`FORMAT_CHARACTERS`].
fn is_format(c: char) -> bool {
    FORMAT_CHARACTERS
        .binary_search_by(|&(low, high)| {
            if high < c {
                std::cmp::Ordering::Less
            } else if low > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Whether `c` is a private-use character (general category `Co`: U+E000–U+F8FF and the
/// planes 15 and 16), fixed by Unicode's stability policy.
fn is_private_use(c: char) -> bool {
    matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..='\u{ffffd}' | '\u{100000}'..='\u{10fffd}')
}

/// Whether `c` is one of Unicode's 66 noncharacters (U+FDD0–U+FDEF and the last two code
/// points of every plane), fixed by Unicode's stability policy.
fn is_noncharacter(c: char) -> bool {
    let code = c as u32;
    (0xFDD0..=0xFDEF).contains(&code) || code & 0xFFFE == 0xFFFE
}

/// Why the character `c` may not appear in a key, or `None` when it may.
///
/// The rule: a key holds printable text only. Refused are whitespace (Unicode `White_Space`),
/// control characters (`Cc`), format characters ([`FORMAT_CHARACTERS`]), private-use
/// characters (`Co`), noncharacters, and `=`, `$`, `{`, `}` (the `key=value` and
/// interpolation syntax); `.` separates segments. Everything else is allowed, code points
/// that a later Unicode version may assign included, so a key valid today stays valid.
pub fn char_problem(c: char) -> Option<&'static str> {
    if c.is_ascii() {
        return match c {
            '=' => Some("`=`"),
            '$' => Some("`$`"),
            '{' => Some("`{`"),
            '}' => Some("`}`"),
            _ if c.is_ascii_whitespace() || c == '\u{b}' => Some("whitespace"),
            _ if c.is_ascii_control() => Some("a control character"),
            _ => None,
        };
    }
    if c.is_whitespace() {
        Some("whitespace")
    } else if c.is_control() {
        Some("a control character")
    } else if is_format(c) {
        Some("a format character")
    } else if is_private_use(c) {
        Some("a private-use character")
    } else if is_noncharacter(c) {
        Some("a noncharacter")
    } else {
        None
    }
}

/// Why `segment` is not a valid key segment, or `None` when it is.
///
/// Shared by runtime validation and the macros so that both reject the same keys.
pub fn segment_problem(segment: &str) -> Option<String> {
    if segment.is_empty() {
        return Some("empty segment (two dots in a row, or a leading/trailing dot)".into());
    }
    for c in segment.chars() {
        if let Some(what) = char_problem(c) {
            // Outside ASCII the character may be invisible: name its code point.
            return Some(if c.is_ascii() {
                format!("segment `{segment}` contains {what}")
            } else {
                format!("segment `{segment}` contains {what} (U+{:04X})", c as u32)
            });
        }
    }
    None
}

/// Checks `key` against the key rules: one or more non-empty segments joined by `.`, each
/// holding printable text only (see [`char_problem`]). Case and any other printable Unicode
/// are kept as written. The error is the reason, for the caller to wrap with the key.
pub fn key_problem(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("the key is empty".into());
    }
    key.split('.').find_map(segment_problem)
}

/// Whether `c` is whitespace for the key rules: Unicode's `White_Space` property (space, tab,
/// the line breaks, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F,
/// U+3000). The ASCII separators U+001C–U+001F, which some languages' "strip" functions
/// also remove, are control characters here: never trimmed, and refused inside a key.
pub fn is_key_whitespace(c: char) -> bool {
    c.is_whitespace()
}

/// Splits a `key=value` item (as given to `-D/--define`) at its first `=`: the key with
/// surrounding whitespace ([`is_key_whitespace`]) removed, and the value exactly as written
/// (text; typed reads convert it). The error is the reason: no `=`, or the key's problem by
/// [`key_problem`].
pub fn split_define(item: &str) -> Result<(&str, &str), DefineProblem> {
    let Some((key, value)) = item.split_once('=') else {
        return Err(DefineProblem::NoEquals);
    };
    let key = key.trim_matches(is_key_whitespace);
    match key_problem(key) {
        None => Ok((key, value)),
        Some(reason) => Err(DefineProblem::InvalidKey {
            key: key.to_string(),
            reason,
        }),
    }
}

/// Why a `key=value` item was refused by [`split_define`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefineProblem {
    /// The item holds no `=`.
    NoEquals,
    /// The text before the first `=` (trimmed) breaks the key rules.
    InvalidKey {
        /// The key, trimmed.
        key: String,
        /// Its problem, by [`key_problem`].
        reason: String,
    },
}

impl std::fmt::Display for DefineProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DefineProblem::NoEquals => f.write_str("no `=` in the item"),
            DefineProblem::InvalidKey { key, reason } => write!(f, "invalid key {key:?}: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hashes() {
        assert_eq!(key_hash("a"), 9864288744972464332);
        assert_eq!(key_hash(""), xxh64(b"", 42));
        const AT_COMPILE_TIME: u64 = key_hash("a.b");
        assert_eq!(AT_COMPILE_TIME, 11414479579488969833);
    }

    #[test]
    fn validation() {
        assert!(key_problem("train.optimizer.lr").is_none());
        assert!(key_problem("model.layers._0.size").is_none());
        assert!(key_problem("模型.学习率").is_none());
        assert!(key_problem("with-dash.x").is_none());
        for bad in ["", "a..b", ".a", "a.", "a b", "a=b", "a.$x", "a{b}", "a\tb"] {
            assert!(key_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn format_table_is_sorted_for_binary_search() {
        for pair in FORMAT_CHARACTERS.windows(2) {
            assert!(pair[0].0 <= pair[0].1 && pair[0].1 < pair[1].0, "{pair:?}");
        }
        assert!(is_format('\u{200b}') && is_format('\u{e007f}') && !is_format('\u{200a}'));
    }

    #[test]
    fn defines_split_at_the_first_equals() {
        assert_eq!(split_define(" a.b = c=d"), Ok(("a.b", " c=d")));
        assert_eq!(split_define("a.b"), Err(DefineProblem::NoEquals));
        assert!(matches!(
            split_define("a b=1"),
            Err(DefineProblem::InvalidKey { .. })
        ));
    }

    #[test]
    fn defines_trim_white_space_only() {
        assert_eq!(
            split_define("\u{3000}\u{85}a.b\t\u{a0}=x "),
            Ok(("a.b", "x "))
        );
        // U+001C..U+001F are control characters: kept, so the key is refused.
        for separator in ['\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}'] {
            let item = format!("0{separator}=");
            assert_eq!(
                split_define(&item),
                Err(DefineProblem::InvalidKey {
                    key: format!("0{separator}"),
                    reason: format!("segment `0{separator}` contains a control character"),
                }),
                "{item:?}"
            );
            assert!(!is_key_whitespace(separator));
        }
        let white_space: Vec<char> = ('\0'..=char::MAX)
            .filter(|c| is_key_whitespace(*c))
            .collect();
        assert_eq!(white_space.len(), 25);
        for c in white_space {
            assert_eq!(char_problem(c), Some("whitespace"), "{c:?}");
        }
    }
}
