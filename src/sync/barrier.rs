//! `Barrier`: asyncio's `asyncio.Barrier`.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::BrokenBarrierError;
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{WaitQueue, Waiter};

/// Makes `parties` tasks wait for each other: `asyncio.Barrier`.
///
/// Each [`wait`](Barrier::wait) returns the task's arrival index, `0` for the
/// first and `parties - 1` for the one that releases the others; the barrier
/// is then empty and can be used again. [`abort`](Barrier::abort) breaks it,
/// and [`reset`](Barrier::reset) empties it, failing the tasks that waited,
/// with [`BrokenBarrierError`].
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
    count: Cell<usize>,
    broken: Cell<bool>,
    waiters: WaitQueue<Result<(), BrokenBarrierError>>,
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
        Barrier { parties, count: Cell::new(0), broken: Cell::new(false), waiters: WaitQueue::new() }
    }

    /// Waits until `parties` tasks are waiting, then releases them all.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is broken, or is aborted or
    /// reset while the task waits.
    ///
    /// # Cancel safety
    ///
    /// A task dropped while waiting leaves the barrier, which then waits for
    /// one more party, as in asyncio.
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait { barrier: self, waiter: Waiter::new(&self.waiters, WaitingOn::Barrier), index: 0 }
    }

    /// Empties the barrier; tasks waiting on it fail with
    /// [`BrokenBarrierError`]. A broken barrier works again.
    pub fn reset(&self) {
        self.fail_waiters();
        self.broken.set(false);
    }

    /// Breaks the barrier: waiting and later tasks fail with
    /// [`BrokenBarrierError`] until [`reset`](Barrier::reset).
    pub fn abort(&self) {
        self.broken.set(true);
        self.fail_waiters();
    }

    /// How many tasks are waiting.
    pub fn n_waiting(&self) -> usize {
        self.count.get()
    }

    /// How many tasks the barrier waits for.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// True if the barrier is broken.
    pub fn broken(&self) -> bool {
        self.broken.get()
    }

    fn fail_waiters(&self) {
        self.count.set(0);
        while self.waiters.notify_one(Err(BrokenBarrierError(()))).is_ok() {}
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("n_waiting", &self.n_waiting())
            .field("broken", &self.broken())
            .finish()
    }
}

/// The future of [`Barrier::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    waiter: Waiter<'a, Result<(), BrokenBarrierError>>,
    index: usize,
}

impl Future for BarrierWait<'_> {
    type Output = Result<usize, BrokenBarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let barrier = self.barrier;
        if !self.waiter.is_registered() {
            if barrier.broken() {
                return Poll::Ready(Err(BrokenBarrierError(())));
            }
            let index = barrier.count.get();
            if index + 1 == barrier.parties {
                barrier.count.set(0);
                while barrier.waiters.notify_one(Ok(())).is_ok() {}
                return Poll::Ready(Ok(index));
            }
            barrier.count.set(index + 1);
            self.index = index;
        }
        let index = self.index;
        self.waiter.poll(cx).map(|result| result.map(|()| index))
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        // Still waiting: the barrier waits for one party more. Already
        // released or failed: nothing to undo.
        if self.waiter.is_registered() && self.waiter.cancel().is_none() {
            self.barrier.count.set(self.barrier.count.get() - 1);
        }
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait").field("waiter", &self.waiter).finish()
    }
}
