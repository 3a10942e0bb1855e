//! The store: a tree of immutable scope frames and, per thread, a cursor that keeps the view
//! of one frame materialized for fast reads.
//!
//! # Frames
//! A [`Frame`] is one scope's overrides plus a pointer to the frame it was entered on. Frames
//! form a tree: the path from any frame to its root is the stack of scopes active there.
//! A frame is mutated in place only while the thread's cursor holds its sole reference;
//! once anything else holds it (an async task that captured it, a Python context variable),
//! a write copies the frame (copy-on-write, keeping its parent and scope identity). So a
//! captured frame never changes, and a task that captured it keeps seeing exactly the view
//! it started with, whatever its parent does next.
//!
//! # The cursor
//! Each thread has one [`Cursor`]: the levels from its root scope to the innermost one, an
//! entry stack holding every entry those levels set (level after level, each key once per
//! level), an `overlay` hash table from key hash to the position of the winning entry, the
//! frozen `base` snapshot underneath, and an undo log of the positions each level shadowed.
//! A read is one probe of `overlay` (see [`crate::overlay`]) and, on a miss, one lookup in
//! `base`. Entering a scope pushes its `k` overrides and records what they shadow; leaving
//! replays that part of the undo log and truncates the entry stack. Both cost O(k), whatever
//! the number of visible keys. Moving the cursor to another frame (a task resuming on this
//! thread) unwinds to the common ancestor and applies the rest.
//!
//! A level gets its [`Frame`] only when something asks for one: a `with_params!` block or
//! a C++ `WITH_PARAMS` enters, writes and leaves without allocating a frame or touching a
//! reference count, and [`Cursor::current`] builds the frames of such levels from their
//! parts of the entry stack when a task or a front end captures the view. Levels entered
//! from a frame (Python scopes, tasks) hold it from the start, and writes go to both.
//!
//! A frame that does not inherit (a root frame, or a scope made with
//! [`crate::ParamScope::empty`]) swaps the overlay and base aside instead of shadowing key by
//! key, so it too costs O(its own overrides).

mod cursor;
mod entry_map;
mod frame;
mod key_text;
mod thread;

pub use cursor::Cursor;
pub use entry_map::{EntryMap, KeyHashHasher};
pub use frame::{Frame, ScopeId};
pub use thread::{
    frozen, install_frozen, on_frozen, restart_thread, with_cursor, with_entry, with_key_entry,
};
