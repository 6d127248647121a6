//! `Barrier`: asyncio's `asyncio.Barrier`.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::error::BrokenBarrierError;
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{WaitQueue, Waiter};

/// Makes `parties` tasks wait for each other: `asyncio.Barrier`.
///
/// Each [`wait`](Barrier::wait) returns the task's arrival index, `0` for the
/// first and `parties - 1` for the one that releases the others. A barrier
/// that has released its tasks *drains* until the last of them has resumed:
/// tasks that arrive meanwhile wait for the drain to end, then fill it
/// again. [`abort`](Barrier::abort) breaks it, and [`reset`](Barrier::reset)
/// empties it, failing with [`BrokenBarrierError`] the tasks that waited —
/// including those released and not yet resumed — as asyncio's does.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// corio::run(async {
///     let barrier = Rc::new(corio::Barrier::new(2));
///     let other = {
///         let barrier = barrier.clone();
///         corio::create_task(async move { barrier.wait().await })
///     };
///     corio::yield_now().await;
///     assert_eq!(barrier.n_waiting(), 1);
///     assert_eq!(barrier.wait().await, Ok(1));
///     assert_eq!(other.await.unwrap(), Ok(0));
/// });
/// ```
pub struct Barrier {
    parties: usize,
    state: Cell<State>,
    /// Tasks inside: arrived, and not yet resumed after their release.
    count: Cell<usize>,
    /// Every waiting task, whether arriving or inside; all are woken at each
    /// change of state and check again, as asyncio's tasks wait on one
    /// `Condition` with `notify_all`.
    waiters: WaitQueue,
}

/// asyncio's `_BarrierState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Tasks arrive and wait for the last party.
    Filling,
    /// Released: the tasks inside resume; arrivals wait for the last one.
    Draining,
    /// Reset while tasks were inside: they fail; arrivals wait for the last.
    Resetting,
    /// Aborted: every task inside and arriving fails, until a reset.
    Broken,
}

impl State {
    /// Arrivals wait while the tasks of the last round leave.
    fn holds_arrivals(self) -> bool {
        matches!(self, State::Draining | State::Resetting)
    }
}

impl Barrier {
    /// A barrier for `parties` tasks.
    ///
    /// # Panics
    ///
    /// Panics if `parties` is zero (asyncio raises `ValueError`).
    #[track_caller]
    pub fn new(parties: usize) -> Barrier {
        assert!(parties > 0, "a Barrier needs at least one party");
        Barrier { parties, state: Cell::new(State::Filling), count: Cell::new(0), waiters: WaitQueue::new() }
    }

    /// Waits until `parties` tasks are waiting, then releases them all.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is broken, or is aborted or
    /// reset before the task resumes.
    ///
    /// # Cancel safety
    ///
    /// A task dropped while waiting leaves the barrier, which then waits for
    /// one more party, as in asyncio; dropped after its release, it no
    /// longer holds up the drain.
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            waiter: Waiter::new(&self.waiters, WaitingOn::Barrier),
            step: Step::Arriving,
        }
    }

    /// Empties the barrier; the tasks inside it fail with
    /// [`BrokenBarrierError`], and tasks arriving wait until they have left.
    /// A broken barrier works again.
    pub fn reset(&self) {
        self.state.set(if self.count.get() > 0 { State::Resetting } else { State::Filling });
        self.waiters.notify_all();
    }

    /// Breaks the barrier: tasks inside it and tasks arriving fail with
    /// [`BrokenBarrierError`] until [`reset`](Barrier::reset).
    pub fn abort(&self) {
        self.state.set(State::Broken);
        self.waiters.notify_all();
    }

    /// How many tasks wait for the barrier to fill (none while it drains).
    pub fn n_waiting(&self) -> usize {
        if self.state.get() == State::Filling {
            self.count.get()
        } else {
            0
        }
    }

    /// How many tasks the barrier waits for.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// True if the barrier is broken.
    pub fn broken(&self) -> bool {
        self.state.get() == State::Broken
    }

    /// A task inside leaves; the last one ends a drain or a reset, and lets
    /// the arrivals in.
    fn leave(&self) {
        let count = self.count.get() - 1;
        self.count.set(count);
        if count == 0 {
            if self.state.get().holds_arrivals() {
                self.state.set(State::Filling);
            }
            self.waiters.notify_all();
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("state", &self.state.get())
            .field("n_waiting", &self.n_waiting())
            .finish()
    }
}

/// The future of [`Barrier::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    waiter: Waiter<'a, ()>,
    step: Step,
}

/// Where a [`BarrierWait`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Waits to get in while the barrier drains or resets.
    Arriving,
    /// Inside with this index, waiting for the barrier to fill.
    Inside(usize),
    /// Returned; left the barrier.
    Done,
}

impl Future for BarrierWait<'_> {
    type Output = Result<usize, BrokenBarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let barrier = this.barrier;
        loop {
            match this.step {
                Step::Arriving => {
                    ready!(this.waiter.poll_until(cx, || !barrier.state.get().holds_arrivals()));
                    if barrier.broken() {
                        this.step = Step::Done;
                        return Poll::Ready(Err(BrokenBarrierError(())));
                    }
                    let index = barrier.count.get();
                    barrier.count.set(index + 1);
                    this.step = Step::Inside(index);
                    if index + 1 == barrier.parties {
                        barrier.state.set(State::Draining);
                        barrier.waiters.notify_all();
                    }
                }
                Step::Inside(index) => {
                    ready!(this.waiter.poll_until(cx, || barrier.state.get() != State::Filling));
                    this.step = Step::Done;
                    // Released, unless aborted or reset before this task
                    // resumed: then it fails, released or not.
                    let result = match barrier.state.get() {
                        State::Broken | State::Resetting => Err(BrokenBarrierError(())),
                        State::Filling | State::Draining => Ok(index),
                    };
                    barrier.leave();
                    return Poll::Ready(result);
                }
                Step::Done => panic!("a BarrierWait polled after it returned"),
            }
        }
    }
}

impl Drop for BarrierWait<'_> {
    /// Dropped inside, the task leaves: the barrier waits for one party more,
    /// or the drain for one task fewer.
    fn drop(&mut self) {
        if let Step::Inside(_) = self.step {
            self.barrier.leave();
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait").field("step", &self.step).field("waiter", &self.waiter).finish()
    }
}
