//! Wakers kept by structures of the loop's own thread.
//!
//! A wait queue, or a task's awaiter slot, keeps the waker of whoever waits
//! there. These structures are `!Send`, so only code on the loop's thread can
//! reach them. A task whose every waker sits in one of them can therefore be
//! woken by the loop's thread alone: the deadlock check
//! (`Core::nothing_can_wake`) relies on that. So each kept waker of a task, or
//! of the main future, of the loop running here is counted while kept.

use std::cell::Cell;
use std::marker::PhantomData;
use std::rc::Rc;
use std::task::Waker;

use super::cell::RawTask;
use crate::runtime::context;

/// A waker kept on the loop's thread, counted on what it wakes while kept.
/// `!Send`: the count it keeps is a `Cell` of the loop's thread
/// (`RawTask::unpark_waker` relies on it).
pub(crate) struct ParkedWaker {
    waker: Waker,
    counted: Counted,
    _not_send: PhantomData<*const ()>,
}

enum Counted {
    /// Not a waker of the loop running here (another executor's, a
    /// combinator's): such a waker could be anywhere, and counts as one.
    No,
    /// A task waker, counted in the task's header.
    Task,
    /// The main future's waker, counted here (its counter is the loop's).
    Main(Rc<Cell<usize>>),
}

impl ParkedWaker {
    pub(crate) fn new(waker: Waker) -> ParkedWaker {
        let counted = if RawTask::park_waker(&waker) {
            Counted::Task
        } else {
            match context::with_current_borrowed(|core| core.main_parked(&waker)).flatten() {
                Some(counter) => {
                    counter.set(counter.get() + 1);
                    Counted::Main(counter)
                }
                None => Counted::No,
            }
        };
        ParkedWaker { waker, counted, _not_send: PhantomData }
    }

    pub(crate) fn will_wake(&self, other: &Waker) -> bool {
        self.waker.will_wake(other)
    }

    /// Wakes by value: the waker's own reference goes with the wake-up
    /// (for a task, into the run queue), with no clone.
    pub(crate) fn wake(mut self) {
        self.release();
        // A no-op waker costs nothing to make; the drop then finds the
        // count released.
        std::mem::replace(&mut self.waker, Waker::noop().clone()).wake();
    }

    /// No longer kept: undoes the count, once.
    fn release(&mut self) {
        match std::mem::replace(&mut self.counted, Counted::No) {
            Counted::No => {}
            Counted::Task => RawTask::unpark_waker(&self.waker),
            Counted::Main(counter) => {
                debug_assert!(counter.get() > 0, "a main waker unparked twice");
                counter.set(counter.get() - 1);
            }
        }
    }
}

impl Drop for ParkedWaker {
    fn drop(&mut self) {
        self.release();
    }
}
