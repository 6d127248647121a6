//! The thread-local "running loop", as asyncio's `_get_running_loop`.
//!
//! A loop installs its core here for as long as it runs; free functions such
//! as `create_task` and `sleep`, and wakers on the loop's thread, find it
//! here.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use super::core::Core;
use super::task::cell::here;
use super::task::info::WaitingOn;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };

    /// Every open loop made on this thread, running or not, by id: a
    /// `LoopHandle` used on its own loop's thread reaches the loop here.
    static OPEN_HERE: RefCell<Vec<(u32, Weak<Core>)>> = const { RefCell::new(Vec::new()) };
}

/// Records `core` as open on this thread, until [`closed_here`].
pub(crate) fn opened_here(core: &Rc<Core>) {
    OPEN_HERE.with(|open| open.borrow_mut().push((core.id(), Rc::downgrade(core))));
}

/// Forgets the loop `id` of this thread, which closed.
pub(crate) fn closed_here(id: u32) {
    let _ = OPEN_HERE.try_with(|open| open.borrow_mut().retain(|&(open_id, _)| open_id != id));
}

/// The open loop `id`, if it was made on this thread.
pub(crate) fn open_here(id: u32) -> Option<Rc<Core>> {
    OPEN_HERE
        .try_with(|open| {
            open.borrow().iter().find(|&&(open_id, _)| open_id == id).and_then(|(_, core)| core.upgrade())
        })
        .ok()
        .flatten()
}

/// Calls `f` with the running loop's core, or `None` if no loop runs on this
/// thread (or the thread is exiting). No borrow of the thread-local is held
/// while `f` runs.
#[inline]
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Rc<Core>>) -> R) -> R {
    f(current().as_ref())
}

/// Calls `f` with the running loop's core while holding a shared borrow of
/// the thread-local, saving the `Rc` clone of [`with_current`]; `f` must not
/// run user code. Returns `None` if no loop runs here (`f` is not called).
#[inline]
pub(crate) fn with_current_borrowed<R>(f: impl FnOnce(&Core) -> R) -> Option<R> {
    CURRENT.try_with(|current| current.borrow().as_deref().map(f)).ok().flatten()
}

/// The running loop's core.
#[inline]
pub(crate) fn current() -> Option<Rc<Core>> {
    CURRENT.try_with(|current| current.borrow().clone()).ok().flatten()
}

/// The running loop's core.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop, as asyncio
/// raises `RuntimeError`.
#[track_caller]
pub(crate) fn expect_current() -> Rc<Core> {
    match current() {
        Some(core) => core,
        None => panic!("no running event loop"),
    }
}

/// Makes `core` the running loop until the guard drops.
///
/// # Panics
///
/// Panics if a loop already runs on this thread.
#[track_caller]
pub(crate) fn enter(core: &Rc<Core>) -> EnterGuard {
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        if current.is_some() {
            panic!("cannot be called from a running event loop");
        }
        *current = Some(core.clone());
    });
    EnterGuard { loop_here: here::set(core.id()), outer: None }
}

/// Makes `core` current for cleanup work (cancelling and dropping its
/// tasks), even inside another running loop: a loop dropped in a task of
/// another is cleaned up with itself current, so what its destructors do
/// reaches it, and the other loop is current again when the guard drops.
pub(crate) fn enter_for_cleanup(core: &Rc<Core>) -> EnterGuard {
    // On a thread that is exiting there is no thread-local: nothing to enter.
    let outer = CURRENT.try_with(|current| current.replace(Some(core.clone()))).ok().flatten();
    EnterGuard { loop_here: here::set(core.id()), outer }
}

/// Uninstalls the running loop when dropped, putting back the loop it was
/// entered inside of, if any.
#[derive(Debug)]
pub(crate) struct EnterGuard {
    /// What the task cell's record of the loop running here was before.
    loop_here: u32,
    /// The loop that was current before (only for cleanup inside it).
    outer: Option<Rc<Core>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        here::set(self.loop_here);
        // The core is taken out before it drops, so its destructor never
        // runs while the thread-local is borrowed.
        let outer = self.outer.take();
        let core = CURRENT.try_with(|current| current.replace(outer));
        drop(core);
    }
}

/// Notes, for the task being polled, what it is about to wait on; the
/// loop records it on the task if the poll returns `Pending`.
pub(crate) fn note_waiting(what: WaitingOn) {
    with_current_borrowed(|core| core.note_waiting(what));
}
