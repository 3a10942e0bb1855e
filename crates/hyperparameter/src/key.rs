//! Keys as stored: validated text plus its precomputed hash.
//!
//! Storage is indexed by the hash, and every entry also keeps the key text, so two different
//! keys with the same hash are detected instead of being confused
//! (see [`crate::Error::HashCollision`]).

pub use hyperparameter_key::{key_hash, key_problem, split_define, xxh64, KEY_HASH_SEED};

use hyperparameter_key::DefineProblem;

use crate::{Error, Text};

/// A validated key with its precomputed hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    hash: u64,
    text: Text,
}

impl Key {
    /// Validates and hashes a key built at run time.
    pub fn new(key: &str) -> Result<Key, Error> {
        validate_key(key)?;
        Ok(Key {
            hash: key_hash(key),
            text: Text::from(key),
        })
    }

    /// A key whose text was validated and hashed at compile time (used by the macros).
    ///
    /// The caller promises `hash == key_hash(text)` and that `text` is valid; the macros only
    /// emit this after checking both.
    pub const fn from_static(text: &'static str, hash: u64) -> Key {
        Key {
            hash,
            text: Text::Static(text),
        }
    }

    /// The key's hash.
    #[inline]
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The key's text.
    #[inline]
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// The key's text as stored in entries.
    #[inline]
    pub fn text(&self) -> &Text {
        &self.text
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Validates `key` by the key rules, as [`Error::InvalidKey`] when it breaks a rule.
pub fn validate_key(key: &str) -> Result<(), Error> {
    match key_problem(key) {
        None => Ok(()),
        Some(reason) => Err(Error::InvalidKey {
            key: key.to_string(),
            reason,
        }),
    }
}

/// Parses one `key=value` item, as given to `-D/--define` on a command line or as a string
/// argument of a Python `hp.scope(...)`: split at the first `=`, the key trimmed of
/// surrounding whitespace and validated, the value kept as written (text; typed reads convert
/// it). An item without `=` or with an invalid key is [`Error::InvalidDefine`].
///
/// Every front end parses items with this function (the rule itself is
/// [`hyperparameter_key::split_define`]).
///
/// ```
/// let (key, value) = hyperparameter::parse_define(" train.lr =0.01").unwrap();
/// assert_eq!((key.as_str(), value), ("train.lr", "0.01"));
/// assert!(hyperparameter::parse_define("train.lr").is_err());
/// ```
pub fn parse_define(item: &str) -> Result<(Key, &str), Error> {
    match split_define(item) {
        Ok((key, value)) => Ok((
            Key {
                hash: key_hash(key),
                text: Text::from(key),
            },
            value,
        )),
        Err(DefineProblem::NoEquals) => Err(Error::InvalidDefine {
            item: item.to_string(),
            key: None,
            reason: DefineProblem::NoEquals.to_string(),
        }),
        Err(DefineProblem::InvalidKey { key, reason }) => Err(Error::InvalidDefine {
            item: item.to_string(),
            key: Some(key),
            reason,
        }),
    }
}
