//! Key-text comparison on the read path, and literal adoption for literal-key reads.

use crate::{Entry, Text};

/// Key-text equality on the read path: literal keys written and read through the same
/// `&'static str` compare by address; others by a few overlapping word loads, inlined (a
/// call into `memcmp` cost as much as the hash lookup itself, measured with callgrind).
#[inline(always)]
pub(super) fn same_text(stored: &[u8], wanted: &[u8]) -> bool {
    let len = stored.len();
    if len != wanted.len() {
        return false;
    }
    if stored.as_ptr() == wanted.as_ptr() {
        return true;
    }
    let word = |bytes: &[u8], at: usize| -> u64 {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[at..at + 8]);
        u64::from_ne_bytes(chunk)
    };
    match len {
        0..=7 => stored == wanted,
        // Two words that may overlap cover 8 to 16 bytes; four cover up to 32.
        8..=16 => {
            word(stored, 0) == word(wanted, 0) && word(stored, len - 8) == word(wanted, len - 8)
        }
        17..=32 => {
            ((word(stored, 0) ^ word(wanted, 0))
                | (word(stored, 8) ^ word(wanted, 8))
                | (word(stored, len - 16) ^ word(wanted, len - 16))
                | (word(stored, len - 8) ^ word(wanted, len - 8)))
                == 0
        }
        _ => stored == wanted,
    }
}

/// `entry` if it holds `key`. If it holds it under a run-time copy of the text, the entry
/// takes the literal instead (see [`Cursor::get_literal`](super::Cursor::get_literal)); an entry already holding another
/// literal keeps it, so two literals of one key do not take turns. Returning the entry
/// rather than a flag leaves the caller nothing to keep alive across the call.
#[cold]
#[inline(never)]
pub(super) fn adopt_literal<'a>(entry: &'a mut Entry, key: &'static str) -> Option<&'a Entry> {
    if entry.key.as_str() != key {
        return None;
    }
    if matches!(entry.key, Text::Shared(_)) {
        entry.key = Text::Static(key);
    }
    Some(entry)
}
