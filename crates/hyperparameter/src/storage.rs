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

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, RwLock};

use crate::overlay::{Found, Overlay};
use crate::{Entry, Error, Key, Result, Text};

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

/// Scopes whose owner left them while scopes entered inside them were still active (a
/// Python generator closed or collected while a later scope is active): each exits as soon
/// as it is the innermost scope of the view holding it. See [`Cursor::abandon`].
static ABANDONED: Mutex<Vec<ScopeId>> = Mutex::new(Vec::new());

/// How many scopes [`ABANDONED`] holds, so that an exit checks it without taking the lock.
static ABANDONED_COUNT: AtomicUsize = AtomicUsize::new(0);

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

fn frozen_snapshot() -> Arc<EntryMap> {
    start_frozen();
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
    /// Whether anything was written into (or cleared from) the frame after it was made.
    written: bool,
}

impl Frame {
    /// Whether the frame was written to (or cleared) since it was made or entered, so that
    /// a front end keeping a copy of the scope's overrides knows to refresh it.
    pub fn written(&self) -> bool {
        self.written
    }

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

/// A scope applied to the cursor, with what is needed to take it off again.
struct Level {
    /// The scope's frame, once it has one. A scope entered with [`Cursor::enter`] starts
    /// without one: its overrides live only in the cursor's entry stack, which is all a
    /// `with_params!` block needs, until something asks for the frame
    /// ([`Cursor::current`]) and it is built from them. Levels without a frame are always
    /// the innermost ones: a frame's parent must be a frame.
    frame: Option<Arc<Frame>>,
    scope: ScopeId,
    /// Length of the undo log before this level was applied.
    undo_mark: usize,
    /// Length of the entry stack before this level was applied: the level's own entries
    /// follow.
    entry_mark: u32,
    /// For isolated frames: the base and overlay set aside while it is applied.
    set_aside: Option<(Arc<EntryMap>, Overlay)>,
}

/// Key-text equality on the read path: literal keys written and read through the same
/// `&'static str` compare by address; others by a few overlapping word loads, inlined (a
/// call into `memcmp` cost as much as the hash lookup itself, measured with callgrind).
#[inline(always)]
fn same_text(stored: &[u8], wanted: &[u8]) -> bool {
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
/// takes the literal instead (see [`Cursor::get_literal`]); an entry already holding another
/// literal keeps it, so two literals of one key do not take turns. Returning the entry
/// rather than a flag leaves the caller nothing to keep alive across the call.
#[cold]
#[inline(never)]
fn adopt_literal<'a>(entry: &'a mut Entry, key: &'static str) -> Option<&'a Entry> {
    if entry.key.as_str() != key {
        return None;
    }
    if matches!(entry.key, Text::Shared(_)) {
        entry.key = Text::Static(key);
    }
    Some(entry)
}

/// Puts `entry` on the entry stack, returning its position.
#[inline]
fn push_entry(entries: &mut Vec<(u64, Entry)>, hash: u64, entry: Entry) -> u32 {
    let position = u32::try_from(entries.len()).expect("fewer than 2^32 entries");
    entries.push((hash, entry));
    position
}

/// Puts `overrides` on the entry stack and in the overlay, recording what they shadow in
/// `undo` when given.
fn add_entries(
    entries: &mut Vec<(u64, Entry)>,
    overlay: &mut Overlay,
    mut undo: Option<&mut Vec<(u64, Option<u32>)>>,
    overrides: impl IntoIterator<Item = (u64, Entry)>,
) {
    for (hash, entry) in overrides {
        let position = push_entry(entries, hash, entry);
        let shadowed = overlay.insert(hash, position);
        if let Some(undo) = undo.as_deref_mut() {
            undo.push((hash, shadowed));
        }
    }
}

/// One thread's materialized view. See the module docs.
pub struct Cursor {
    base: Arc<EntryMap>,
    /// Key hash to the position in `entries` of the entry that wins.
    overlay: Overlay,
    /// The entries the applied levels set, level after level, with their key hashes. A
    /// level holds each key once: writing it again replaces the entry in place.
    entries: Vec<(u64, Entry)>,
    /// What each level's entries shadowed in `overlay`, in order: the previous position,
    /// or `None` when the key was not in it.
    undo: Vec<(u64, Option<u32>)>,
    path: Vec<Level>,
    /// Frames that left the path unshared, kept with their allocations for the next scope
    /// that needs a frame.
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
            written: false,
        };
        let mut cursor = Cursor {
            base: Arc::default(),
            overlay: Overlay::default(),
            entries: Vec::new(),
            undo: Vec::new(),
            path: Vec::new(),
            spare_frames: Vec::new(),
            scope_ids,
        };
        cursor.apply(Arc::new(root));
        cursor
    }

    /// The entry for `hash` if it holds `key` (a different key with the same hash is not it).
    /// The key is taken as bytes, so that callers holding unchecked text (the C ABI) need
    /// not validate it as UTF-8 first: only a stored key, which is valid, can be equal.
    #[inline(always)]
    pub fn get(&self, hash: u64, key: &[u8]) -> Option<&Entry> {
        let entry = match self.overlay.get(hash) {
            Some(position) => &self.entries[position as usize].1,
            None => self.base.get(&hash)?,
        };
        same_text(entry.key.as_str().as_bytes(), key).then_some(entry)
    }

    /// [`Cursor::get`] for a key whose text is a literal. When the entry's key text is
    /// equal but stored elsewhere (written from a config file, say), the entry adopts the
    /// literal, so that the next read with it compares addresses instead of bytes.
    #[inline(always)]
    pub fn get_literal(&mut self, hash: u64, key: &'static str) -> Option<&Entry> {
        let Some(position) = self.overlay.get(hash) else {
            let entry = self.base.get(&hash)?;
            return same_text(entry.key.as_str().as_bytes(), key.as_bytes()).then_some(entry);
        };
        let entry = &mut self.entries[position as usize].1;
        let stored = entry.key.as_str();
        if stored.as_ptr() == key.as_ptr() && stored.len() == key.len() {
            return Some(entry);
        }
        adopt_literal(entry, key)
    }

    fn top(&self) -> &Level {
        // The root frame is applied when the cursor is made and is never taken off by
        // `exit`, so the path is never empty.
        self.path
            .last()
            .expect("cursor path always holds the root frame")
    }

    /// Pushes a level for `scope` holding `overrides`. An isolated level (one given the
    /// base it reads through to) starts from an empty overlay; any other shadows what is
    /// visible key by key.
    fn push_level(
        &mut self,
        frame: Option<Arc<Frame>>,
        scope: ScopeId,
        isolated_base: Option<Arc<EntryMap>>,
        overrides: impl IntoIterator<Item = (u64, Entry)>,
    ) {
        let undo_mark = self.undo.len();
        let entry_mark = u32::try_from(self.entries.len()).expect("fewer than 2^32 entries");
        let set_aside = isolated_base.map(|base| {
            let old_base = std::mem::replace(&mut self.base, base);
            let old_overlay = std::mem::take(&mut self.overlay);
            (old_base, old_overlay)
        });
        let undo = set_aside.is_none().then_some(&mut self.undo);
        add_entries(&mut self.entries, &mut self.overlay, undo, overrides);
        self.path.push(Level {
            frame,
            scope,
            undo_mark,
            entry_mark,
            set_aside,
        });
    }

    /// Applies a frame on top of the path.
    fn apply(&mut self, frame: Arc<Frame>) {
        let scope = frame.scope;
        let isolated_base = frame.isolated_base.clone();
        self.push_level(Some(frame), scope, isolated_base, []);
        let Cursor {
            entries,
            overlay,
            undo,
            path,
            ..
        } = self;
        let level = path.last().expect("just pushed");
        let frame = level.frame.as_ref().expect("just pushed");
        let undo = level.set_aside.is_none().then_some(undo);
        let copies = frame
            .overrides
            .iter()
            .map(|(hash, entry)| (*hash, entry.clone()));
        add_entries(entries, overlay, undo, copies);
    }

    /// Takes the innermost level off, returning its frame if it had one.
    fn unapply(&mut self) -> Option<Arc<Frame>> {
        let level = self
            .path
            .pop()
            .expect("unapply is only called above the root");
        while self.undo.len() > level.undo_mark {
            let (hash, shadowed) = self.undo.pop().expect("checked length");
            match shadowed {
                Some(position) => {
                    self.overlay.insert(hash, position);
                }
                None => self.overlay.remove(hash),
            }
        }
        self.entries.truncate(level.entry_mark as usize);
        if let Some((base, overlay)) = level.set_aside {
            self.base = base;
            self.overlay = overlay;
        }
        level.frame
    }

    /// The innermost scope's id.
    pub fn innermost_scope(&self) -> ScopeId {
        self.top().scope
    }

    /// The innermost frame; holding it freezes it (later writes copy it). Builds the frames
    /// of levels entered without one.
    pub fn current(&mut self) -> Arc<Frame> {
        if let Some(frame) = &self.top().frame {
            return frame.clone();
        }
        self.build_frames()
    }

    /// Gives every frameless level its frame, from its part of the entry stack, and returns
    /// the innermost one.
    #[cold]
    fn build_frames(&mut self) -> Arc<Frame> {
        let first = self
            .path
            .iter()
            .rposition(|level| level.frame.is_some())
            .expect("the root level always has a frame")
            + 1;
        let mut parent = self.path[first - 1].frame.clone();
        for index in first..self.path.len() {
            let start = self.path[index].entry_mark as usize;
            let end = self
                .path
                .get(index + 1)
                .map_or(self.entries.len(), |level| level.entry_mark as usize);
            let mut frame = self.spare_frame();
            let fields = Arc::make_mut(&mut frame);
            fields
                .overrides
                .extend(self.entries[start..end].iter().cloned());
            fields.isolated_base = None;
            fields.depth = index;
            fields.written = false;
            fields.parent = parent;
            fields.scope = self.path[index].scope;
            self.path[index].frame = Some(frame.clone());
            parent = Some(frame);
        }
        parent.expect("at least one level was built")
    }

    /// A frame left by an earlier scope, with its allocations, or a new one.
    fn spare_frame(&mut self) -> Arc<Frame> {
        self.spare_frames
            .pop()
            .filter(|frame| Arc::strong_count(frame) == 1 && Arc::weak_count(frame) == 0)
            .unwrap_or_default()
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
        let mut frame = self.spare_frame();
        let fields = Arc::make_mut(&mut frame);
        fill(&mut fields.overrides);
        fields.isolated_base = (!inherit).then(Arc::default);
        fields.depth = depth;
        fields.written = false;
        fields.parent = Some(parent);
        fields.scope = self.scope_ids.take();
        frame
    }

    /// Keeps a frame that left the path for reuse by a later scope, if nothing else holds
    /// it (a front end that held on to a frame hands it back here once it let go of it).
    pub fn recycle(&mut self, mut frame: Arc<Frame>) {
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
        if inherit {
            let scope = self.scope_ids.take();
            let copies = overrides.iter().map(|(hash, entry)| (*hash, entry.clone()));
            self.push_level(None, scope, None, copies);
            return scope;
        }
        let frame = self.new_child_copied(overrides, inherit);
        let scope = frame.scope;
        self.apply(frame);
        scope
    }

    /// Enters a new scope on top of the current view with `overrides`, returning its id.
    pub fn enter(&mut self, overrides: EntryMap, inherit: bool) -> ScopeId {
        if inherit {
            return self.enter_entries(overrides);
        }
        let frame = self.new_child(overrides, inherit);
        let scope = frame.scope;
        self.apply(frame);
        scope
    }

    /// Enters a new scope on top of the current view holding `entries`, in order (a later
    /// entry for a key wins over an earlier one), returning its id. The caller has checked
    /// that equal hashes among them belong to equal keys.
    pub fn enter_entries(&mut self, entries: impl IntoIterator<Item = (u64, Entry)>) -> ScopeId {
        let scope = self.scope_ids.take();
        self.push_level(None, scope, None, entries);
        scope
    }

    /// Enters a new scope holding a copy of `overrides` and returns its frame (for front
    /// ends that keep the frame of every scope they enter).
    pub fn enter_frame(&mut self, overrides: &EntryMap, inherit: bool) -> Arc<Frame> {
        let frame = self.new_child_copied(overrides, inherit);
        self.apply(frame.clone());
        frame
    }

    /// Leaves scope `scope`, which must be the innermost one. A refused exit changes
    /// nothing. Abandoned scopes (see [`Cursor::abandon`]) that become the innermost one
    /// exit with it.
    pub fn exit(&mut self, scope: ScopeId) -> Result<()> {
        self.exit_abandoned(Some(scope));
        self.exit_innermost(scope)?;
        self.exit_abandoned(None);
        Ok(())
    }

    fn exit_innermost(&mut self, scope: ScopeId) -> Result<()> {
        let top = self.top();
        if top.scope != scope {
            return Err(Error::Scope(format!(
                "scope #{scope} exited while scope #{} is the innermost active one; \
                 scopes must exit in reverse order of entry",
                top.scope
            )));
        }
        if self.path.len() == 1 {
            return Err(Error::Scope(
                "the thread's root layer cannot be exited".into(),
            ));
        }
        if let Some(frame) = self.unapply() {
            self.recycle(frame);
        }
        Ok(())
    }

    /// Leaves scope `scope` now if it is the innermost one; otherwise marks it to exit as
    /// soon as the scopes entered inside it have exited. This is for owners that cannot
    /// retry an exit: a Python generator holding a scope that is closed or collected while
    /// a later scope is active. The scope may be active in another view (an asyncio task's):
    /// it exits there in the same way.
    ///
    /// # Errors
    /// [`Error::Scope`] for the thread's root layer, which never exits.
    pub fn abandon(&mut self, scope: ScopeId) -> Result<()> {
        if self.path.len() > 1 && self.top().scope == scope {
            return self.exit(scope);
        }
        if self.path[0].scope == scope {
            return Err(Error::Scope(
                "the thread's root layer cannot be exited".into(),
            ));
        }
        let mut abandoned = ABANDONED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !abandoned.contains(&scope) {
            abandoned.push(scope);
            ABANDONED_COUNT.store(abandoned.len(), Ordering::Release);
        }
        Ok(())
    }

    /// Exits the innermost scopes while they are abandoned, stopping at `leaving` (a scope
    /// about to exit normally, which then is no longer abandoned).
    #[inline]
    fn exit_abandoned(&mut self, leaving: Option<ScopeId>) {
        if ABANDONED_COUNT.load(Ordering::Acquire) != 0 {
            self.exit_abandoned_cold(leaving);
        }
    }

    #[cold]
    fn exit_abandoned_cold(&mut self, leaving: Option<ScopeId>) {
        let mut abandoned = ABANDONED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while self.path.len() > 1 {
            let top = self.top().scope;
            let Some(index) = abandoned.iter().position(|scope| *scope == top) else {
                break;
            };
            abandoned.swap_remove(index);
            if Some(top) == leaving {
                break;
            }
            if let Some(frame) = self.unapply() {
                self.recycle(frame);
            }
        }
        ABANDONED_COUNT.store(abandoned.len(), Ordering::Release);
    }

    /// Writes `entry` under `hash` into the innermost frame.
    pub fn put(&mut self, hash: u64, entry: Entry) -> Result<()> {
        // One probe of the overlay serves both the collision check and the write.
        let found = self.overlay.find(hash);
        let existing = match found {
            Found::Occupied { position, .. } => Some(&self.entries[position as usize].1),
            Found::Vacant { .. } => self.base.get(&hash),
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
        let top = self.path.last_mut().expect("root frame is always applied");
        if let Some(frame) = &mut top.frame {
            let fields = Arc::make_mut(frame);
            fields.overrides.insert(hash, entry.clone());
            fields.written = true;
        }
        // Isolated levels restore by setting the whole overlay back; the others record
        // what a key shadowed on their first write to it.
        let record = top.set_aside.is_none();
        let mark = top.entry_mark;
        match found {
            Found::Occupied { position, .. } if position >= mark => {
                self.entries[position as usize].1 = entry;
            }
            Found::Occupied { slot, position } => {
                let new = push_entry(&mut self.entries, hash, entry);
                self.overlay.set(slot, new);
                if record {
                    self.undo.push((hash, Some(position)));
                }
            }
            Found::Vacant { slot } => {
                let new = push_entry(&mut self.entries, hash, entry);
                self.overlay.fill(slot, hash, new);
                if record {
                    self.undo.push((hash, None));
                }
            }
        }
        Ok(())
    }

    /// Removes every override of the innermost frame, keeping the scope active.
    pub fn clear_current(&mut self) {
        let scope = self.top().scope;
        match self.unapply() {
            Some(old) => {
                let cleared = Frame {
                    parent: old.parent.clone(),
                    isolated_base: old.isolated_base.clone(),
                    overrides: EntryMap::default(),
                    scope: old.scope,
                    depth: old.depth,
                    written: true,
                };
                self.apply(Arc::new(cleared));
            }
            None => self.push_level(None, scope, None, []),
        }
    }

    /// Moves the cursor so that `target` is the innermost frame: unwinds to the deepest frame
    /// both paths share, then applies the rest of `target`'s path.
    pub fn move_to(&mut self, target: &Arc<Frame>) {
        let holds = |level: &Level, frame: &Arc<Frame>| {
            level
                .frame
                .as_ref()
                .is_some_and(|held| Arc::ptr_eq(held, frame))
        };
        if holds(self.top(), target) {
            return;
        }
        let mut to_apply = Vec::new();
        let mut keep = 0;
        let mut next = Some(target);
        while let Some(frame) = next {
            if let Some(level) = self.path.get(frame.depth) {
                if holds(level, frame) {
                    keep = frame.depth + 1;
                    break;
                }
            }
            to_apply.push(frame.clone());
            next = frame.parent.as_ref();
        }
        while self.path.len() > keep {
            if let Some(frame) = self.unapply() {
                self.recycle(frame);
            }
        }
        if keep == 0 {
            // Nothing shared (a frame from another thread's tree): start from nothing.
            self.base = Arc::default();
            self.overlay.clear();
            self.entries.clear();
            self.undo.clear();
        }
        for frame in to_apply.into_iter().rev() {
            self.apply(frame);
        }
    }

    /// Every entry visible now, innermost winning.
    pub fn visible(&self) -> EntryMap {
        let mut view = (*self.base).clone();
        view.extend(
            self.overlay
                .positions()
                .map(|position| self.entries[position as usize].clone()),
        );
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
    cell: &RefCell<Option<Cursor>>,
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
    f(cursor.get_or_insert_with(Cursor::new).get(hash, key))
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
    CURSOR.with(|cell| *cell.borrow_mut() = Some(Cursor::new()));
}
