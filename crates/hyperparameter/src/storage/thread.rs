//! Each thread's cursor, and the frozen global snapshot that new threads start from.

use std::cell::RefCell;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Once, OnceLock, RwLock};

use super::{Cursor, EntryMap};
use crate::{Entry, Key, Text};

/// The global snapshot that new threads start from; replaced by [`frozen`].
static FROZEN: RwLock<Option<Arc<EntryMap>>> = RwLock::new(None);

/// Whether [`FROZEN`] was given a first value: from the environment (see
/// [`crate::inherit`]), or by [`frozen`] or [`install_frozen`] before the store first needed it.
static FROZEN_STARTED: Once = Once::new();

/// Reads the inherited snapshot into [`FROZEN`] the first time the store needs it, unless a
/// snapshot was frozen or installed before.
fn start_frozen() {
    FROZEN_STARTED.call_once(|| {
        if let Some(inherited) = crate::inherit::from_environment() {
            let mut guard = FROZEN
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *guard = Some(Arc::new(inherited));
        }
    });
}

/// The snapshot a thread starting now begins from.
fn frozen_snapshot() -> Arc<EntryMap> {
    start_frozen();
    let guard = FROZEN
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    guard.clone().unwrap_or_default()
}

/// A cursor for a thread starting now, from the frozen snapshot of this moment.
fn fresh_cursor() -> Cursor {
    Cursor::new(frozen_snapshot())
}

/// Where a thread keeps its cursor. `ManuallyDrop` keeps drop glue off the thread-local: a
/// thread-local that needs dropping checks its state (destructor registered, or already run)
/// on every access, a branch on every read (measured with callgrind). [`CursorOwner`] drops
/// the cursor when the thread exits.
type CursorCell = RefCell<ManuallyDrop<Option<Cursor>>>;

thread_local! {
    // Const-initialized so an access is a plain TLS load; the cursor itself is made on the
    // thread's first access, from the frozen snapshot of that moment.
    static CURSOR: CursorCell = const { RefCell::new(ManuallyDrop::new(None)) };
    static CURSOR_OWNER: CursorOwner = const { CursorOwner };
}

/// Drops this thread's cursor when the thread exits. The access that makes the cursor
/// touches it, which registers its destructor.
struct CursorOwner;

impl Drop for CursorOwner {
    fn drop(&mut self) {
        let cursor =
            CURSOR.with(|cell| cell.try_borrow_mut().ok().and_then(|mut held| held.take()));
        drop(cursor);
    }
}

/// The cursor `held`, made on the thread's first access. A cursor made while the thread exits,
/// after [`CursorOwner`] ran (a destructor of another thread-local reading the store), is not
/// dropped.
#[inline(always)]
fn made(held: &mut Option<Cursor>) -> &mut Cursor {
    match held {
        Some(cursor) => cursor,
        None => make(held),
    }
}

#[cold]
#[inline(never)]
fn make(held: &mut Option<Cursor>) -> &mut Cursor {
    let _registered = CURSOR_OWNER.try_with(|_| ());
    held.insert(fresh_cursor())
}

/// Runs `f` with this thread's cursor.
///
/// # Panics
/// If `f` re-enters the store (a read inside a write), which the crate never does.
#[inline]
pub fn with_cursor<R>(f: impl FnOnce(&mut Cursor) -> R) -> R {
    CURSOR.with(|cell| f(made(&mut cell.borrow_mut())))
}

/// Runs `f` on the entry for `hash`/`key` in this thread's current view (the key as bytes,
/// see [`Cursor::get`]). Always inlined, as [`with_key_entry`].
#[inline(always)]
pub fn with_entry<R>(hash: u64, key: &[u8], f: impl FnOnce(Option<&Entry>) -> R) -> R {
    CURSOR.with(|cell| {
        if let Ok(guard) = cell.try_borrow() {
            if let Some(cursor) = guard.as_ref() {
                return f(cursor.get(hash, key));
            }
        }
        with_entry_cold(cell, hash, key, f)
    })
}

/// [`with_entry`] for a [`Key`]: a literal key's text is `&'static str`, which lets the
/// cursor compare key texts by address (see [`Cursor::get_literal`]). Always inlined: the
/// read is a handful of instructions, and a call would cost as much again.
#[inline(always)]
pub fn with_key_entry<R>(key: &Key, f: impl FnOnce(Option<&Entry>) -> R) -> R {
    let Text::Static(text) = *key.text() else {
        return with_entry(key.hash(), key.as_str().as_bytes(), f);
    };
    CURSOR.with(|cell| {
        if let Ok(mut guard) = cell.try_borrow_mut() {
            if let Some(cursor) = guard.as_mut() {
                return f(cursor.get_literal(key.hash(), text));
            }
        }
        with_entry_cold(cell, key.hash(), text.as_bytes(), f)
    })
}

/// The rare paths of a read: a literal-key read while another read holds the cursor (it
/// reads without adopting), this thread's first access (which makes its cursor), or a read
/// from inside a write (which panics with `RefCell`'s message). Out of line, so that the
/// read path keeps nothing alive across a call.
#[cold]
#[inline(never)]
fn with_entry_cold<R>(
    cell: &CursorCell,
    hash: u64,
    key: &[u8],
    f: impl FnOnce(Option<&Entry>) -> R,
) -> R {
    if let Ok(guard) = cell.try_borrow() {
        if let Some(cursor) = guard.as_ref() {
            return f(cursor.get(hash, key));
        }
    }
    let mut cursor = cell.borrow_mut();
    f(made(&mut cursor).get(hash, key))
}

/// Makes this thread's current view the snapshot that threads started from now on begin
/// with. Existing threads keep what they have.
///
/// Threads start lazily: a thread's first access to the store takes the snapshot of that
/// moment.
pub fn frozen() {
    let view = Arc::new(with_cursor(|cursor| cursor.visible()));
    FROZEN_STARTED.call_once(|| {});
    let mut guard = FROZEN
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(view.clone());
    drop(guard);
    if let Some(listener) = FROZEN_LISTENER.get() {
        listener(&view);
    }
}

/// What [`frozen`] tells the front end embedding the core (the Python bindings hand the
/// snapshot down to child processes through it).
static FROZEN_LISTENER: OnceLock<fn(&EntryMap)> = OnceLock::new();

/// Registers `listener`, which every later [`frozen`] calls on the freezing thread with the
/// view it froze, once the snapshot is replaced. Only the first registration counts; returns
/// whether this one did.
pub fn on_frozen(listener: fn(&EntryMap)) -> bool {
    FROZEN_LISTENER.set(listener).is_ok()
}

/// Replaces the global snapshot with `entries`, for a process that starts from a snapshot
/// its parent handed down (the Python package calls it at import). Unlike [`frozen`] it
/// does not look at this thread's view; threads whose first access comes later start from
/// `entries`.
pub fn install_frozen(entries: EntryMap) {
    FROZEN_STARTED.call_once(|| {});
    let mut guard = FROZEN
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(Arc::new(entries));
}

/// Starts this thread afresh from the global snapshot, as a new thread would: the scopes it
/// had active are left behind, never to be exited. For a forked child process, whose only
/// thread is a copy of the thread that forked and which never returns into that thread's
/// code (`multiprocessing` children do not).
pub fn restart_thread() {
    CURSOR.with(|cell| {
        let mut held = cell.borrow_mut();
        **held = None;
        made(&mut held);
    });
}
