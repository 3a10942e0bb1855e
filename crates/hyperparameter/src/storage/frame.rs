//! [`Frame`]: one scope's overrides in the tree of frames, and the scope ids that name them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::EntryMap;
use crate::Entry;

/// Identity of a logical scope: copy-on-write copies of a frame share it, so exiting a scope
/// recognises its frame even after writes replaced it.
pub type ScopeId = u64;

/// Scope ids are handed to cursors in blocks, so entering a scope touches no shared counter.
const SCOPE_ID_BLOCK: u64 = 1 << 16;

static NEXT_SCOPE_ID_BLOCK: AtomicU64 = AtomicU64::new(1);

/// A thread's supply of unique scope ids.
#[derive(Default)]
pub(super) struct ScopeIds {
    next: u64,
    end: u64,
}

impl ScopeIds {
    #[inline]
    pub(super) fn take(&mut self) -> ScopeId {
        if self.next == self.end {
            self.next = NEXT_SCOPE_ID_BLOCK.fetch_add(SCOPE_ID_BLOCK, Ordering::Relaxed);
            self.end = self.next + SCOPE_ID_BLOCK;
        }
        self.next += 1;
        self.next - 1
    }
}

/// One scope's overrides, linked to the frame it was entered on. See [the store](super).
#[derive(Clone, Debug, Default)]
pub struct Frame {
    pub(super) parent: Option<Arc<Frame>>,
    /// `Some(base)` for frames that hide everything outside them and read through to `base`.
    pub(super) isolated_base: Option<Arc<EntryMap>>,
    pub(super) overrides: EntryMap,
    pub(super) scope: ScopeId,
    pub(super) depth: usize,
    /// Whether anything was written into (or cleared from) the frame after it was made.
    pub(super) written: bool,
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
