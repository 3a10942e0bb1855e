//! [`Cursor`]: one thread's materialized view, its levels, entry stack, overlay and undo log.
//! See [the store](super) for how they fit together.

mod abandoned;

use std::sync::Arc;

use super::frame::ScopeIds;
use super::key_text::{adopt_literal, same_text};
use super::{EntryMap, Frame, ScopeId};
use crate::overlay::{Found, Overlay};
use crate::{Entry, Error, Result};

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

/// One thread's materialized view. See [the store](super).
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
    /// A cursor holding only the root frame, which reads through to `snapshot`.
    pub(super) fn new(snapshot: Arc<EntryMap>) -> Cursor {
        let mut scope_ids = ScopeIds::default();
        let root = Frame {
            parent: None,
            isolated_base: Some(snapshot),
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
                Some(position) => self.overlay.restore(hash, position),
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
