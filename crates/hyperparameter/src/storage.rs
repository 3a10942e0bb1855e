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
//! Each thread has one [`Cursor`]: the frame path from its root to the innermost frame, a
//! flat `overlay` map holding the winning entry of every key those frames set, the frozen
//! `base` snapshot underneath, and an undo log of the entries each frame shadowed. A read is
//! one lookup in `overlay` and, on a miss, one in `base`. Entering a frame applies its `k`
//! overrides (recording what they shadow); leaving replays that part of the undo log. Both
//! cost O(k), whatever the number of visible keys. Moving the cursor to another frame (a
//! task resuming on this thread) unwinds to the common ancestor and applies the rest.
//!
//! A frame that does not inherit (a root frame, or a scope made with
//! [`crate::ParamScope::empty`]) swaps the overlay and base aside instead of shadowing key by
//! key, so it too costs O(its own overrides).

use std::cell::RefCell;
use std::collections::hash_map::Entry as Slot;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::{Entry, Error, Result};

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

/// Identity of a logical scope: copy-on-write copies of a frame share it, so exiting a scope
/// recognises its frame even after writes replaced it.
pub type ScopeId = u64;

/// Scope ids are handed to cursors in blocks, so entering a scope touches no shared counter.
const SCOPE_ID_BLOCK: u64 = 1 << 16;

static NEXT_SCOPE_ID_BLOCK: AtomicU64 = AtomicU64::new(1);

/// A thread's supply of unique scope ids.
#[derive(Default)]
struct ScopeIds {
    next: u64,
    end: u64,
}

impl ScopeIds {
    #[inline]
    fn take(&mut self) -> ScopeId {
        if self.next == self.end {
            self.next = NEXT_SCOPE_ID_BLOCK.fetch_add(SCOPE_ID_BLOCK, Ordering::Relaxed);
            self.end = self.next + SCOPE_ID_BLOCK;
        }
        self.next += 1;
        self.next - 1
    }
}

/// The global snapshot that new threads start from; replaced by [`frozen`].
static FROZEN: RwLock<Option<Arc<EntryMap>>> = RwLock::new(None);

fn frozen_snapshot() -> Arc<EntryMap> {
    let guard = FROZEN
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    guard.clone().unwrap_or_default()
}

/// One scope's overrides, linked to the frame it was entered on. See the module docs.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    parent: Option<Arc<Frame>>,
    /// `Some(base)` for frames that hide everything outside them and read through to `base`.
    isolated_base: Option<Arc<EntryMap>>,
    overrides: EntryMap,
    scope: ScopeId,
    depth: usize,
}

impl Frame {
    /// The scope this frame belongs to.
    pub fn scope_id(&self) -> ScopeId {
        self.scope
    }

    /// The overrides this frame itself sets (not those of the frames it was entered on).
    pub fn overrides(&self) -> &EntryMap {
        &self.overrides
    }

    /// The frame this one was entered on.
    pub fn parent(&self) -> Option<&Arc<Frame>> {
        self.parent.as_ref()
    }

    /// Looks `hash` up in the view of this frame by walking to the root (slow path, used
    /// to read a scope that is not the innermost).
    pub fn lookup(&self, hash: u64) -> Option<&Entry> {
        let mut frame = self;
        loop {
            if let Some(entry) = frame.overrides.get(&hash) {
                return Some(entry);
            }
            if let Some(base) = &frame.isolated_base {
                return base.get(&hash);
            }
            frame = frame.parent.as_deref()?;
        }
    }

    /// Every entry visible from this frame, innermost winning.
    pub fn flatten(&self) -> EntryMap {
        let mut chain = vec![self];
        let mut frame = self;
        while frame.isolated_base.is_none() {
            match frame.parent.as_deref() {
                Some(parent) => {
                    chain.push(parent);
                    frame = parent;
                }
                None => break,
            }
        }
        let mut view = frame.isolated_base.as_deref().cloned().unwrap_or_default();
        for frame in chain.into_iter().rev() {
            view.extend(frame.overrides.iter().map(|(h, e)| (*h, e.clone())));
        }
        view
    }
}

/// A frame applied to the cursor, with what is needed to take it off again.
struct Applied {
    frame: Arc<Frame>,
    /// Length of the undo log before this frame was applied.
    undo_mark: usize,
    /// For isolated frames: the base and overlay set aside while it is applied.
    set_aside: Option<(Arc<EntryMap>, EntryMap)>,
}

/// Key-text equality on the read path: literal keys written and read through the same
/// `&'static str` compare by address; others word by word, inlined (a call into `memcmp`
/// cost as much as the hash lookup itself, measured with callgrind).
#[inline(always)]
fn same_text(stored: &[u8], wanted: &[u8]) -> bool {
    let len = stored.len();
    if len != wanted.len() {
        return false;
    }
    if stored.as_ptr() == wanted.as_ptr() {
        return true;
    }
    if len < 8 {
        return stored == wanted;
    }
    let word = |bytes: &[u8], at: usize| -> u64 {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(&bytes[at..at + 8]);
        u64::from_ne_bytes(chunk)
    };
    let mut at = 0;
    while at + 8 < len {
        if word(stored, at) != word(wanted, at) {
            return false;
        }
        at += 8;
    }
    // The last word may overlap the previous one; that is fine for equality.
    word(stored, len - 8) == word(wanted, len - 8)
}

/// One thread's materialized view. See the module docs.
pub struct Cursor {
    base: Arc<EntryMap>,
    overlay: EntryMap,
    undo: Vec<(u64, Option<Entry>)>,
    path: Vec<Applied>,
    /// Frames that left the path unshared, kept with their allocations for the next scope
    /// (a `with_params!` block then costs no allocation).
    spare_frames: Vec<Arc<Frame>>,
    scope_ids: ScopeIds,
}

/// How many left frames a cursor keeps for reuse.
const SPARE_FRAMES: usize = 16;

impl Cursor {
    fn new() -> Cursor {
        let mut scope_ids = ScopeIds::default();
        let root = Frame {
            parent: None,
            isolated_base: Some(frozen_snapshot()),
            overrides: EntryMap::default(),
            scope: scope_ids.take(),
            depth: 0,
        };
        let mut cursor = Cursor {
            base: Arc::default(),
            overlay: EntryMap::default(),
            undo: Vec::new(),
            path: Vec::new(),
            spare_frames: Vec::new(),
            scope_ids,
        };
        cursor.apply(Arc::new(root));
        cursor
    }

    /// The entry for `hash` if it holds `key` (a different key with the same hash is not it).
    #[inline]
    pub fn get(&self, hash: u64, key: &str) -> Option<&Entry> {
        let entry = match self.overlay.get(&hash) {
            Some(entry) => entry,
            None => self.base.get(&hash)?,
        };
        same_text(entry.key.as_str().as_bytes(), key.as_bytes()).then_some(entry)
    }

    fn top(&self) -> &Applied {
        // The root frame is applied when the cursor is made and is never taken off by
        // `exit`, so the path is never empty.
        self.path
            .last()
            .expect("cursor path always holds the root frame")
    }

    fn apply(&mut self, frame: Arc<Frame>) {
        let undo_mark = self.undo.len();
        let set_aside = if let Some(base) = &frame.isolated_base {
            let old_base = std::mem::replace(&mut self.base, base.clone());
            let old_overlay = std::mem::replace(&mut self.overlay, frame.overrides.clone());
            Some((old_base, old_overlay))
        } else {
            for (hash, entry) in &frame.overrides {
                let shadowed = self.overlay.insert(*hash, entry.clone());
                self.undo.push((*hash, shadowed));
            }
            None
        };
        self.path.push(Applied {
            frame,
            undo_mark,
            set_aside,
        });
    }

    fn unapply(&mut self) -> Arc<Frame> {
        let applied = self
            .path
            .pop()
            .expect("unapply is only called above the root");
        while self.undo.len() > applied.undo_mark {
            let (hash, shadowed) = self.undo.pop().expect("checked length");
            match shadowed {
                Some(entry) => self.overlay.insert(hash, entry),
                None => self.overlay.remove(&hash),
            };
        }
        if let Some((base, overlay)) = applied.set_aside {
            self.base = base;
            self.overlay = overlay;
        }
        applied.frame
    }

    /// The innermost frame; holding it freezes it (later writes copy it).
    pub fn current(&self) -> Arc<Frame> {
        self.top().frame.clone()
    }

    /// A new scope's frame on top of the current one, not yet applied.
    pub fn new_child(&mut self, overrides: EntryMap, inherit: bool) -> Arc<Frame> {
        self.child_frame(inherit, |slot| {
            // An empty map would drop the reused frame's allocation for nothing.
            if !overrides.is_empty() {
                *slot = overrides;
            }
        })
    }

    /// [`Cursor::new_child`] with a copy of `overrides`, reusing a left frame's allocation.
    pub fn new_child_copied(&mut self, overrides: &EntryMap, inherit: bool) -> Arc<Frame> {
        self.child_frame(inherit, |slot| slot.clone_from(overrides))
    }

    fn child_frame(&mut self, inherit: bool, fill: impl FnOnce(&mut EntryMap)) -> Arc<Frame> {
        let parent = self.current();
        let depth = parent.depth + 1;
        let mut frame = self
            .spare_frames
            .pop()
            .filter(|frame| Arc::strong_count(frame) == 1 && Arc::weak_count(frame) == 0)
            .unwrap_or_default();
        let fields = Arc::make_mut(&mut frame);
        fill(&mut fields.overrides);
        fields.isolated_base = (!inherit).then(Arc::default);
        fields.depth = depth;
        fields.parent = Some(parent);
        fields.scope = self.scope_ids.take();
        frame
    }

    /// Keeps a frame that left the path for reuse, if nothing else holds it.
    fn recycle(&mut self, mut frame: Arc<Frame>) {
        if self.spare_frames.len() < SPARE_FRAMES {
            if let Some(spare) = Arc::get_mut(&mut frame) {
                spare.overrides.clear();
                spare.parent = None;
                spare.isolated_base = None;
                self.spare_frames.push(frame);
            }
        }
    }

    /// Enters a new scope holding a copy of `overrides`, returning its id.
    pub fn enter_copied(&mut self, overrides: &EntryMap, inherit: bool) -> ScopeId {
        let frame = self.new_child_copied(overrides, inherit);
        let scope = frame.scope;
        self.apply(frame);
        scope
    }

    /// Enters a new scope on top of the current view with `overrides`, returning its id.
    pub fn enter(&mut self, overrides: EntryMap, inherit: bool) -> ScopeId {
        let frame = self.new_child(overrides, inherit);
        let scope = frame.scope;
        self.apply(frame);
        scope
    }

    /// Leaves scope `scope`, which must be the innermost one.
    pub fn exit(&mut self, scope: ScopeId) -> Result<()> {
        let top = &self.top().frame;
        if top.scope != scope {
            return Err(Error::Scope(format!(
                "scope #{scope} exited while scope #{} is the innermost active one; \
                 scopes must exit in reverse order of entry",
                top.scope
            )));
        }
        if top.parent.is_none() {
            return Err(Error::Scope(
                "the thread's root layer cannot be exited".into(),
            ));
        }
        let frame = self.unapply();
        self.recycle(frame);
        Ok(())
    }

    /// Writes `entry` under `hash` into the innermost frame.
    pub fn put(&mut self, hash: u64, entry: Entry) -> Result<()> {
        let Cursor {
            base,
            overlay,
            undo,
            path,
            ..
        } = self;
        // One probe of the overlay serves both the collision check and the write.
        let slot = overlay.entry(hash);
        let existing = match &slot {
            Slot::Occupied(occupied) => Some(occupied.get()),
            Slot::Vacant(_) => base.get(&hash),
        };
        if let Some(existing) = existing {
            if !same_text(
                existing.key.as_str().as_bytes(),
                entry.key.as_str().as_bytes(),
            ) {
                return Err(Error::HashCollision {
                    key: entry.key.to_string(),
                    existing: existing.key.to_string(),
                });
            }
        }
        let applied = path.last_mut().expect("root frame is always applied");
        let frame = Arc::make_mut(&mut applied.frame);
        let first_write_here = frame.overrides.insert(hash, entry.clone()).is_none();
        let shadowed = match slot {
            Slot::Occupied(mut occupied) => Some(occupied.insert(entry)),
            Slot::Vacant(vacant) => {
                vacant.insert(entry);
                None
            }
        };
        // Isolated frames restore by setting the whole overlay back; other frames record
        // what they shadow the first time they write a key (so a loop of writes stays O(1)
        // in memory).
        if applied.set_aside.is_none() && first_write_here {
            undo.push((hash, shadowed));
        }
        Ok(())
    }

    /// Removes every override of the innermost frame, keeping the scope active.
    pub fn clear_current(&mut self) {
        let old = self.unapply();
        let cleared = Frame {
            parent: old.parent.clone(),
            isolated_base: old.isolated_base.clone(),
            overrides: EntryMap::default(),
            scope: old.scope,
            depth: old.depth,
        };
        self.apply(Arc::new(cleared));
    }

    /// Moves the cursor so that `target` is the innermost frame: unwinds to the deepest frame
    /// both paths share, then applies the rest of `target`'s path.
    pub fn move_to(&mut self, target: &Arc<Frame>) {
        if Arc::ptr_eq(&self.top().frame, target) {
            return;
        }
        let mut to_apply = Vec::new();
        let mut keep = 0;
        let mut next = Some(target);
        while let Some(frame) = next {
            if let Some(applied) = self.path.get(frame.depth) {
                if Arc::ptr_eq(&applied.frame, frame) {
                    keep = frame.depth + 1;
                    break;
                }
            }
            to_apply.push(frame.clone());
            next = frame.parent.as_ref();
        }
        while self.path.len() > keep {
            let frame = self.unapply();
            self.recycle(frame);
        }
        if keep == 0 {
            // Nothing shared (a frame from another thread's tree): start from nothing.
            self.base = Arc::default();
            self.overlay = EntryMap::default();
            self.undo.clear();
        }
        for frame in to_apply.into_iter().rev() {
            self.apply(frame);
        }
    }

    /// Every entry visible now, innermost winning.
    pub fn visible(&self) -> EntryMap {
        let mut view = (*self.base).clone();
        view.extend(self.overlay.iter().map(|(h, e)| (*h, e.clone())));
        view
    }
}

thread_local! {
    // Const-initialized so an access is a plain TLS load; the cursor itself is made on the
    // thread's first access, from the frozen snapshot of that moment.
    static CURSOR: RefCell<Option<Cursor>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's cursor.
///
/// # Panics
/// If `f` re-enters the store (a read inside a write), which the crate never does.
#[inline]
pub fn with_cursor<R>(f: impl FnOnce(&mut Cursor) -> R) -> R {
    CURSOR.with(|cell| f(cell.borrow_mut().get_or_insert_with(Cursor::new)))
}

/// Runs `f` on the entry for `hash`/`key` in this thread's current view.
#[inline]
pub fn with_entry<R>(hash: u64, key: &str, f: impl FnOnce(Option<&Entry>) -> R) -> R {
    CURSOR.with(|cell| {
        if let Some(cursor) = &*cell.borrow() {
            return f(cursor.get(hash, key));
        }
        f(cell
            .borrow_mut()
            .get_or_insert_with(Cursor::new)
            .get(hash, key))
    })
}

/// Makes this thread's current view the snapshot that threads started from now on begin
/// with (SPEC §3). Existing threads keep what they have.
///
/// Threads start lazily: a thread's first access to the store takes the snapshot of that
/// moment.
pub fn frozen() {
    let view = with_cursor(|cursor| cursor.visible());
    let mut guard = FROZEN
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *guard = Some(Arc::new(view));
}
