//! Copies of the texts that C and C++ callers pass again and again at the same address: literal
//! keys and `__FILE__` names from `WITH_PARAMS`.
//!
//! A write must store its key text (and, for call-site provenance, its file name) in memory the
//! store owns, and must check the key first. Done from scratch, that is the larger part of the
//! cost of entering a scope. So each thread remembers, by address and length, the texts it has
//! already copied (and, for keys, checked against their hash): the next write from the same
//! call site shares the copy. The bytes are compared on every hit, so an address reused for
//! other text is treated as new.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use hyperparameter::{Source, Text};

/// Beyond this many distinct texts a cache starts over: run-time keys built in fresh buffers
/// never hit, and must not grow it without bound.
const MAX_CACHED_TEXTS: usize = 4096;

/// Hasher for `(address, length)` pairs: a multiply-rotate mix, far cheaper than SipHash; the
/// keys are not attacker-chosen.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_usize(usize::from(byte));
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(26) ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Where a caller passed a text: its address and length.
type TextAddress = (usize, usize);

/// A copied text with its tag (the key hash it was checked against; 0 for file names).
type TaggedText = (Arc<str>, u64);

/// Texts already copied, by the address and length the caller passed them at.
#[derive(Default)]
struct TextCache {
    texts: HashMap<TextAddress, TaggedText, BuildHasherDefault<AddressHasher>>,
}

impl TextCache {
    fn get(&self, text: &str, tag: u64) -> Option<Arc<str>> {
        let (cached, cached_tag) = self.texts.get(&(text.as_ptr() as usize, text.len()))?;
        (*cached_tag == tag && **cached == *text).then(|| cached.clone())
    }

    fn insert(&mut self, text: &str, tag: u64) -> Arc<str> {
        if self.texts.len() >= MAX_CACHED_TEXTS {
            self.texts.clear();
        }
        let copy: Arc<str> = Arc::from(text);
        self.texts
            .insert((text.as_ptr() as usize, text.len()), (copy.clone(), tag));
        copy
    }
}

thread_local! {
    static KEYS: RefCell<TextCache> = RefCell::new(TextCache::default());
    static FILES: RefCell<TextCache> = RefCell::new(TextCache::default());
}

/// The stored text of a key being written with `hash`: shared with an earlier write from the
/// same address when there was one, else checked by `check` (validity and hash) and copied.
pub fn key_for_write<E>(
    key: &str,
    hash: u64,
    check: impl FnOnce(&str, u64) -> Result<(), E>,
) -> Result<Text, E> {
    if let Ok(Some(shared)) = KEYS.try_with(|cache| cache.borrow().get(key, hash)) {
        return Ok(Text::Shared(shared));
    }
    check(key, hash)?;
    let copy = KEYS
        .try_with(|cache| cache.borrow_mut().insert(key, hash))
        .unwrap_or_else(|_| Arc::from(key));
    Ok(Text::Shared(copy))
}

/// The source of a write made at `file:line`; [`Source::Unknown`] without a file.
pub fn code_source(file: Option<&str>, line: u32) -> Source {
    let Some(file) = file else {
        return Source::Unknown;
    };
    let shared = FILES
        .try_with(|cache| {
            let cached = cache.borrow().get(file, 0);
            cached.unwrap_or_else(|| cache.borrow_mut().insert(file, 0))
        })
        .unwrap_or_else(|_| Arc::from(file));
    Source::Code {
        file: Text::Shared(shared),
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(key: &Text) -> &str {
        key.as_str()
    }

    #[test]
    fn a_second_write_from_the_same_address_skips_the_check_and_the_copy() {
        let key = String::from("intern.first");
        let checks = std::cell::Cell::new(0);
        let write = |hash| {
            key_for_write(&key, hash, |_, _| -> Result<(), ()> {
                checks.set(checks.get() + 1);
                Ok(())
            })
        };
        let first = write(7).unwrap();
        let second = write(7).unwrap();
        assert_eq!(checks.get(), 1);
        match (&first, &second) {
            (Text::Shared(a), Text::Shared(b)) => assert!(Arc::ptr_eq(a, b)),
            _ => panic!("expected shared texts"),
        }
        // Another hash for the same text is checked again.
        write(8).unwrap();
        assert_eq!(checks.get(), 2);
    }

    #[test]
    fn other_text_at_a_known_address_is_checked_and_copied_afresh() {
        let mut buffer = *b"intern.aa";
        let text = std::str::from_utf8(&buffer).unwrap();
        let first = key_for_write(text, 1, |_, _| -> Result<(), ()> { Ok(()) }).unwrap();
        assert_eq!(text_of(&first), "intern.aa");
        buffer.copy_from_slice(b"intern.bb");
        let text = std::str::from_utf8(&buffer).unwrap();
        let rejected = key_for_write(text, 1, |_, _| Err("checked"));
        assert_eq!(rejected, Err("checked"));
        let second = key_for_write(text, 1, |_, _| -> Result<(), ()> { Ok(()) }).unwrap();
        assert_eq!(text_of(&second), "intern.bb");
    }

    #[test]
    fn file_names_become_code_sources() {
        assert_eq!(code_source(None, 3), Source::Unknown);
        let source = code_source(Some("main.cpp"), 12);
        assert_eq!(source.to_string(), "code at main.cpp:12");
    }
}
