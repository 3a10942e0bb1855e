//! Scopes in async code: [`Scoped`] carries a view with a future across `.await` points and
//! worker threads.
//!
//! A future is polled in pieces, possibly on different threads, interleaved with other tasks.
//! [`Scoped`] keeps the frame its future sees; each poll moves the thread's cursor to that
//! frame, polls, remembers where the future left the cursor, and moves the cursor back. A
//! task therefore sees the scope active where it was created, and nothing it writes reaches
//! its parent or siblings (writes to a shared frame copy it, see [`crate::storage`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::storage::{with_cursor, EntryMap, Frame};
use crate::ParamScope;

/// A future that runs inside its own view of the parameters. See the module docs.
#[must_use = "futures do nothing unless polled"]
pub struct Scoped<F> {
    future: Pin<Box<F>>,
    frame: Arc<Frame>,
}

impl<F: Future> Scoped<F> {
    /// Runs `future` inside a new scope holding `scope`'s overrides, entered on the view
    /// active now.
    pub fn new(scope: &ParamScope, future: F) -> Scoped<F> {
        let frame =
            with_cursor(|cursor| cursor.new_child_copied(scope.entries(), scope.inherits()));
        Scoped {
            future: Box::pin(future),
            frame,
        }
    }

    /// Runs `future` inside a new empty scope (the async `with_params!` block).
    pub fn new_empty(future: F) -> Scoped<F> {
        let frame = with_cursor(|cursor| cursor.new_child(EntryMap::default(), true));
        Scoped {
            future: Box::pin(future),
            frame,
        }
    }
}

/// Gives `future` the view active now, as a task of its own: what it writes stays in it.
pub fn bind<F: Future>(future: F) -> Scoped<F> {
    Scoped {
        future: Box::pin(future),
        frame: with_cursor(|cursor| cursor.current()),
    }
}

/// Puts the cursor back where it was when a poll ends, also if the poll panics.
struct RestoreOnDrop<'a> {
    outer: Option<Arc<Frame>>,
    task_frame: &'a mut Arc<Frame>,
}

impl Drop for RestoreOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(outer) = self.outer.take() {
            with_cursor(|cursor| {
                *self.task_frame = cursor.current();
                cursor.move_to(&outer);
            });
        }
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let outer = with_cursor(|cursor| {
            let outer = cursor.current();
            cursor.move_to(&this.frame);
            outer
        });
        let _restore = RestoreOnDrop {
            outer: Some(outer),
            task_frame: &mut this.frame,
        };
        this.future.as_mut().poll(cx)
    }
}

/// Spawns `future` on the tokio runtime with the view active now (see [`bind`]).
#[cfg(feature = "tokio")]
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(bind(future))
}
