//! Scopes left out of order: [`Cursor::abandon`] marks them, and each exits as soon as it is
//! the innermost scope of the view holding it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::Cursor;
use crate::storage::ScopeId;
use crate::{Error, Result};

/// Scopes whose owner left them while scopes entered inside them were still active (a
/// Python generator closed or collected while a later scope is active): each exits as soon
/// as it is the innermost scope of the view holding it. See [`Cursor::abandon`].
static ABANDONED: Mutex<Vec<ScopeId>> = Mutex::new(Vec::new());

/// How many scopes [`ABANDONED`] holds, so that an exit checks it without taking the lock.
static ABANDONED_COUNT: AtomicUsize = AtomicUsize::new(0);

impl Cursor {
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
    pub(super) fn exit_abandoned(&mut self, leaving: Option<ScopeId>) {
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
}
