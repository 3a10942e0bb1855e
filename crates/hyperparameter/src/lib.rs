//! Scoped hyperparameters: dotted keys, nested scopes that roll back on exit, per-thread and
//! per-task isolation, and keys hashed at compile time.
//!
//! # The model
//! A **key** is a dotted path (`train.optimizer.lr`), stored under `xxh64(utf8(key), 42)`;
//! literal keys in [`with_params!`] and [`get_param!`] are hashed at compile time. Every entry
//! keeps its key text, so two keys with the same hash are told apart (a write that would mix
//! them is refused).
//!
//! A **scope** ([`ParamScope`]) is a set of overrides layered on whatever is active when it
//! is entered. A read looks in the innermost active scope, then outward, then in the frozen
//! global snapshot ([`frozen`]), then takes the caller's default. A write goes to the innermost
//! scope; leaving a scope (normally, by `return`, or by panic) restores exactly the previous
//! view. A program started from a Python process that froze a snapshot begins from it: the
//! snapshot travels in an environment variable ([`inherit`]).
//!
//! # Why reads are a lookup and scopes cost O(overrides)
//! Each thread keeps its current view materialized (see [`storage`]): one hash table from key
//! hash to the winning entry, so a read is a single probe with the precomputed key hash and
//! no walk over the scope stack. Entering a scope pushes its `k` overrides and records what
//! they shadow; leaving replays the record. Neither step looks at the other visible keys, so
//! a scope costs the same with ten or a hundred thousand keys around it.
//!
//! Scopes form a tree of immutable frames underneath. An async task ([`Scoped`], [`bind`])
//! holds the frame it was created in; when it is polled the thread's view moves to that frame
//! and back, so tasks are isolated from each other and from their parent.
//!
//! ```
//! use hyperparameter::*;
//!
//! fn train() -> f64 {
//!     with_params! {
//!         get lr = train.lr or 0.001;
//!         lr
//!     }
//! }
//!
//! assert_eq!(train(), 0.001);
//! with_params! {
//!     set train.lr = 0.01;
//!     assert_eq!(train(), 0.01);
//! }
//! assert_eq!(train(), 0.001);
//! ```

#[cfg(feature = "clap")]
pub mod cli;
pub mod compose;
pub mod config;
pub mod convert;
pub mod de;
mod error;
pub mod inherit;
mod key;
pub mod layers;
mod overlay;
pub mod read;
mod registry;
pub mod report;
mod scope;
mod shape;
pub mod storage;
mod suggest;
mod task;
mod text;
mod value;

#[doc(hidden)]
pub mod private;

pub use config::{Config, RawConfig};
pub use convert::{convert, FromParam, ParamDefault, Target};
pub use de::from_params;
pub use error::{Error, ErrorFields, ErrorKind, Result};
pub use key::{key_hash, key_problem, parse_define, validate_key, xxh64, Key, KEY_HASH_SEED};
pub use read::{clear, entries, frozen, get, get_entry, get_or, get_or_at, get_or_str, keys, put};
pub use registry::{registered_params, ParamInfo};
pub use report::{clear_report, report, ReportEntry};
pub use scope::{ParamScope, ScopeGuard};
pub use shape::declare_params;
pub use suggest::close_key;
#[cfg(feature = "tokio")]
pub use task::spawn;
pub use task::{bind, Scoped};
pub use text::Text;
pub use value::{format_float, Entry, Foreign, Source, Value};

pub use hyperparameter_macros::{get_param, with_params};

#[cfg(feature = "clap")]
pub use clap::{self, Parser};

/// The examples of `docs/rust.md`, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/rust.md")]
pub struct RustGuideExamples;

/// The Rust example of `docs/provenance.md`, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/provenance.md")]
pub struct ProvenanceExamples;

/// The Rust example of the README, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeExamples;
