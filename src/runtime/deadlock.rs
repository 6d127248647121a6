//! Deadlock detection: the loop is about to wait for ever, and can prove
//! that nothing will ever wake it (Go's "all goroutines are asleep").
//!
//! # The proof rule
//!
//! A loop waits for ever only with no ready work, nothing injected and no
//! timer. Then only another thread can make anything run here: the kernel
//! (a socket, pipe, pidfd or the signal self-pipe becoming ready) through
//! the waker the reactor keeps for it, a thread-pool job through the waker
//! of its result or its in-flight guard, any other thread through a waker
//! or a `LoopHandle`. `LoopHandle`s (and in-flight guards) are the
//! `Arc<Shared>`s beyond the loop's own two (its core's and the open-loop
//! map's). Every waker of a task or of the main future is a counted
//! reference (the task's state word; the main waker's `Arc`), and corio's
//! primitives of this thread (wait queues, a task's awaiter slot) count
//! the ones they keep (`task/parked.rs`). Those structures are `!Send`, so
//! only this thread can reach them, and this thread is about to block. So
//! if no `Arc<Shared>` is out, and every task that has not ended waits
//! with all its wakers kept that way, and the main future too, nothing
//! can ever run here again. (The reactor's wakers are not kept that way:
//! a task waiting on I/O is never called stuck.)
//!
//! A waker kept anywhere else (another executor's structure, a channel of
//! the `futures` crate, a combinator's own waker) counts as one that
//! another thread might fire: the loop cannot tell, so it waits. A waker
//! that another thread drops without waking after the loop parked goes
//! unnoticed, and the loop waits too. It never fires while a wake-up is
//! possible; it may stay silent about a real deadlock.
//!
//! # Cost
//!
//! Nothing on the hot path: the check runs only when the loop would block
//! with no timer at all, and is a few comparisons unless nothing else is
//! left, when it looks once at every task.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::task::Waker;

use super::core::Core;
use super::task::info;
use crate::reactor::Park;

/// The `Arc<MainWaker>`s `run_until_complete` keeps itself: its own, the
/// `Waker` it polls with, and the registry's.
const MAIN_WAKER_OWN_REFS: usize = 3;

/// `Arc<Shared>`s the loop keeps itself: its core's and the open-loop map's.
const SHARED_OWN_REFS: usize = 2;

impl Core {
    /// The counter of kept clones of the main waker, if `waker` is one. (The
    /// data pointer alone tells: only `run_until_complete` makes wakers of
    /// this `Arc`. Comparing vtables could miss, as `Waker::will_wake` may.)
    /// Without deadlock detection nothing reads the count: `None`, with no
    /// lookup on each wait.
    pub(crate) fn main_parked(&self, waker: &Waker) -> Option<Rc<Cell<usize>>> {
        if !self.detect_deadlocks {
            return None;
        }
        let tasks = self.tasks.borrow();
        let (main, parked) = tasks.main_waker()?;
        std::ptr::eq(waker.data(), Arc::as_ptr(main).cast()).then(|| parked.clone())
    }

    /// The loop has nothing to do and no timer: blocks until an event,
    /// unless it can prove none will come, which ends the run.
    pub(super) fn park_forever(&self) -> Park {
        // While unwinding (a deadlock reported, the loop's cleanup running)
        // a second panic would abort the process.
        if self.detect_deadlocks && !std::thread::panicking() && self.nothing_can_wake() {
            let tree = info::tree(&self.all_tasks(), self.now());
            panic!("deadlock: every task is waiting and nothing can wake them\n{tree}");
        }
        Park::Forever
    }

    /// The proof rule of the module's docs.
    fn nothing_can_wake(&self) -> bool {
        // The counts first, then the flags: a thread that queues work and
        // then drops its `LoopHandle` or main waker makes the work visible
        // before its `Release` decrement, which a count seen at its baseline
        // has read; the fence makes the flags read after it see that work.
        let registry = self.tasks.borrow();
        let handles_out = Arc::strong_count(&self.shared) != SHARED_OWN_REFS;
        let main_refs = registry.main_waker().map(|(main, _)| Arc::strong_count(main));
        fence(Ordering::Acquire);
        if handles_out
            || !self.ready.borrow().is_empty()
            || !self.timers.borrow().is_empty()
            || self.shared.has_injected()
        {
            return false;
        }
        let tasks = registry.live();
        if !tasks.iter().all(|task| task.is_done() || task.is_stuck()) {
            return false;
        }
        match (registry.main_waker(), main_refs) {
            (Some((main, parked)), Some(refs)) => {
                // Tasks whose handle the main future awaits keep its waker too.
                let data = Arc::as_ptr(main).cast();
                let awaited = tasks.iter().filter(|task| task.awaited_by(data)).count();
                !main.is_scheduled() && refs == MAIN_WAKER_OWN_REFS + parked.get() + awaited
            }
            _ => true,
        }
    }
}
