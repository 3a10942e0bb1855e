//! [`EntryMap`]: entries indexed by key hash, with the hasher that takes the hash as it is.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::Entry;

/// Hasher for maps keyed by key hashes: the key already is a well-mixed xxh64, so it is used
/// as is.
#[derive(Default, Clone, Copy)]
pub struct KeyHashHasher(u64);

impl Hasher for KeyHashHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed with this hasher; fold anything else in for safety.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
}

/// Entries indexed by key hash.
pub type EntryMap = HashMap<u64, Entry, BuildHasherDefault<KeyHashHasher>>;
