//! `Handle` and `TimerHandle`: callbacks scheduled with `call_soon`,
//! `call_later` and `call_at`.

use std::cell::Cell;
use std::fmt;
use std::rc::{Rc, Weak};
use std::time::Instant;

use super::core::Core;
use crate::time::timers::TimerKey;

/// A scheduled callback, shared by its handle and the run queue or timer.
pub(crate) struct CallbackCell {
    callback: Cell<Option<Box<dyn FnOnce()>>>,
    cancelled: Cell<bool>,
}

impl CallbackCell {
    pub(crate) fn new(callback: Box<dyn FnOnce()>) -> Rc<CallbackCell> {
        Rc::new(CallbackCell { callback: Cell::new(Some(callback)), cancelled: Cell::new(false) })
    }

    /// The callback, unless it was cancelled or already taken.
    pub(crate) fn take(&self) -> Option<Box<dyn FnOnce()>> {
        self.callback.take()
    }
}

/// A callback scheduled with [`call_soon`](crate::call_soon), as asyncio's
/// `Handle`.
///
/// Dropping the handle does not cancel the callback.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let handle = corio::call_soon(|| unreachable!("cancelled before it ran"));
///     handle.cancel();
///     assert!(handle.cancelled());
///     corio::yield_now().await;
/// });
/// ```
pub struct Handle {
    cell: Rc<CallbackCell>,
}

impl Handle {
    pub(crate) fn new(cell: Rc<CallbackCell>) -> Handle {
        Handle { cell }
    }

    /// Cancels the callback if it has not run yet, and drops it at once. Does
    /// nothing if it already ran.
    pub fn cancel(&self) {
        self.cell.cancelled.set(true);
        drop(self.cell.take());
    }

    /// True if [`cancel`](Handle::cancel) was called.
    pub fn cancelled(&self) -> bool {
        self.cell.cancelled.get()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle").field("cancelled", &self.cancelled()).finish()
    }
}

/// A callback scheduled with [`call_later`](crate::call_later) or
/// [`call_at`](crate::call_at), as asyncio's `TimerHandle`.
///
/// Cancelling it removes the timer at once (O(log n)) and frees it. Dropping
/// the handle does not cancel the callback.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let timer = corio::call_later(Duration::from_secs(3600), || unreachable!());
///     assert!(timer.when() > corio::time());
///     timer.cancel();
/// });
/// ```
pub struct TimerHandle {
    handle: Handle,
    when: Instant,
    key: TimerKey,
    core: Weak<Core>,
}

impl TimerHandle {
    pub(crate) fn new(cell: Rc<CallbackCell>, when: Instant, key: TimerKey, core: Weak<Core>) -> TimerHandle {
        TimerHandle { handle: Handle::new(cell), when, key, core }
    }

    /// Cancels the callback and frees its timer. Does nothing if it already
    /// ran.
    pub fn cancel(&self) {
        self.handle.cancel();
        if let Some(core) = self.core.upgrade() {
            core.remove_timer(self.key);
        }
    }

    /// True if [`cancel`](TimerHandle::cancel) was called.
    pub fn cancelled(&self) -> bool {
        self.handle.cancelled()
    }

    /// When the callback is due, on the loop's clock.
    pub fn when(&self) -> Instant {
        self.when
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle").field("when", &self.when).field("cancelled", &self.cancelled()).finish()
    }
}
