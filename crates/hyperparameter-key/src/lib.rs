//! Parameter keys: the rules and the `xxh64(utf8(key), 42)` hash shared by every language.
//!
//! A key is a dotted path such as `train.optimizer.lr`. This crate holds what both the
//! runtime crate and the proc macros need (the macros validate and hash literal keys at
//! compile time), so the two can never disagree.

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

/// Why `segment` is not a valid key segment, or `None` when it is.
///
/// Shared by runtime validation and the macros so that both reject the same keys.
pub fn segment_problem(segment: &str) -> Option<String> {
    if segment.is_empty() {
        return Some("empty segment (two dots in a row, or a leading/trailing dot)".into());
    }
    for c in segment.chars() {
        if c.is_whitespace() {
            return Some(format!("segment `{segment}` contains whitespace"));
        }
        if c.is_control() {
            return Some(format!("segment `{segment}` contains a control character"));
        }
        if matches!(c, '=' | '$' | '{' | '}') {
            return Some(format!("segment `{segment}` contains `{c}`"));
        }
    }
    None
}

/// Checks `key` against the key rules: one or more non-empty segments joined by `.`; no whitespace,
/// `=`, `$`, `{` or `}`. Case and any other printable Unicode are kept as written.
/// The error is the reason, for the caller to wrap with the key.
pub fn key_problem(key: &str) -> Option<String> {
    if key.is_empty() {
        return Some("the key is empty".into());
    }
    key.split('.').find_map(segment_problem)
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
}
