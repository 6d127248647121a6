//! `Semaphore` and `BoundedSemaphore`: asyncio's.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::error::ValueError;
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{WaitQueue, Waiter};

/// A counter of permits that tasks acquire and release: `asyncio.Semaphore`.
///
/// FIFO-fair: waiters acquire in the order they asked, and a new acquire does
/// not jump ahead of them. [`acquire`](Semaphore::acquire) returns a
/// [`SemaphorePermit`] that releases its permit when dropped;
/// [`release`](Semaphore::release) adds a permit by hand (pair it with
/// [`SemaphorePermit::forget`]).
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let sem = corio::Semaphore::new(2);
///     let a = sem.acquire().await;
///     let _b = sem.acquire().await;
///     assert!(sem.locked());
///     assert!(sem.try_acquire().is_none());
///     drop(a);
///     assert_eq!(sem.available_permits(), 1);
/// });
/// ```
pub struct Semaphore {
    value: Cell<usize>,
    waiters: WaitQueue,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore { value: Cell::new(permits), waiters: WaitQueue::new() }
    }

    /// Waits for a permit and takes it.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes leaves the queue; a permit
    /// that had already been set aside for it passes to the next waiter.
    pub fn acquire(&self) -> SemaphoreAcquire<'_> {
        self.acquire_as(WaitingOn::Semaphore)
    }

    /// As [`acquire`](Semaphore::acquire), for a primitive built on the
    /// semaphore that its waiters are said to wait on (a `Lock`).
    pub(crate) fn acquire_as(&self, what: WaitingOn) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire { sem: self, waiter: Waiter::new(&self.waiters, what) }
    }

    /// Takes a permit if one is free and no task waits for one.
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        if self.locked() {
            return None;
        }
        self.value.set(self.value.get() - 1);
        Some(SemaphorePermit { sem: self })
    }

    /// As [`acquire`](Semaphore::acquire), for a semaphore shared with `Rc`:
    /// the permit owns a reference to the semaphore, so it can move into a
    /// `'static` task or callback.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Semaphore::acquire).
    pub async fn acquire_owned(self: Rc<Self>) -> OwnedSemaphorePermit {
        self.acquire().await.forget();
        OwnedSemaphorePermit { sem: self }
    }

    /// Adds a permit and wakes a waiter if one can now proceed.
    pub fn release(&self) {
        self.value.set(self.value.get() + 1);
        self.wake_next();
    }

    /// True if an acquire would have to wait: no permit is free, or tasks
    /// are already waiting.
    pub fn locked(&self) -> bool {
        self.value.get() == 0 || !self.waiters.is_empty()
    }

    /// Permits neither held nor set aside for a woken waiter.
    pub fn available_permits(&self) -> usize {
        self.value.get()
    }

    /// True if every permit is held by a task that has resumed (none free,
    /// none set aside for a woken waiter): for [`Lock::locked`].
    ///
    /// [`Lock::locked`]: crate::Lock::locked
    pub(crate) fn is_held(&self) -> bool {
        self.value.get() == 0 && self.waiters.notified() == 0
    }

    /// asyncio's `_wake_up_next`: if a permit is free and a task waits, sets
    /// the permit aside for the first waiter and wakes it.
    fn wake_next(&self) {
        if self.value.get() > 0 && self.waiters.waiting() > 0 {
            self.value.set(self.value.get() - 1);
            let _ = self.waiters.notify_one(());
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.value.get())
            .field("waiters", &self.waiters.waiting())
            .finish()
    }
}

/// The future of [`Semaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct SemaphoreAcquire<'a> {
    sem: &'a Semaphore,
    waiter: Waiter<'a, ()>,
}

impl<'a> Future for SemaphoreAcquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let sem = self.sem;
        if !self.waiter.is_registered() {
            if let Some(permit) = sem.try_acquire() {
                return Poll::Ready(permit);
            }
        }
        if self.waiter.poll(cx).is_pending() {
            return Poll::Pending;
        }
        // The permit was set aside when this waiter was woken. More may have
        // come free since: pass the wake-up on, as asyncio does.
        sem.wake_next();
        Poll::Ready(SemaphorePermit { sem })
    }
}

impl Drop for SemaphoreAcquire<'_> {
    fn drop(&mut self) {
        if self.waiter.cancel().is_some() {
            // Woken but gone: its permit goes to the next waiter.
            self.sem.release();
        }
    }
}

impl fmt::Debug for SemaphoreAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreAcquire").field("waiter", &self.waiter).finish()
    }
}

/// One permit of a [`Semaphore`]; dropping it releases the permit.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
}

impl SemaphorePermit<'_> {
    /// Keeps the permit taken without releasing it; give it back later with
    /// [`Semaphore::release`].
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.release();
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit").finish_non_exhaustive()
    }
}

/// One permit of a [`Semaphore`] shared with `Rc`; dropping it releases the
/// permit. Made by [`Semaphore::acquire_owned`].
#[must_use = "the permit is released as soon as it is dropped"]
pub struct OwnedSemaphorePermit {
    sem: Rc<Semaphore>,
}

impl OwnedSemaphorePermit {
    /// Keeps the permit taken without releasing it.
    pub fn forget(self) {
        std::mem::forget(self);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.release();
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit").finish_non_exhaustive()
    }
}

/// A [`Semaphore`] that refuses to be released above its initial value:
/// `asyncio.BoundedSemaphore`.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let sem = corio::BoundedSemaphore::new(1);
///     sem.acquire().await.forget();
///     assert!(sem.release().is_ok());
///     assert!(sem.release().is_err());
/// });
/// ```
pub struct BoundedSemaphore {
    sem: Semaphore,
    bound: usize,
}

impl BoundedSemaphore {
    /// A semaphore with `permits` permits, and never more.
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore { sem: Semaphore::new(permits), bound: permits }
    }

    /// As [`Semaphore::acquire`].
    ///
    /// # Cancel safety
    ///
    /// As [`Semaphore::acquire`].
    pub fn acquire(&self) -> SemaphoreAcquire<'_> {
        self.sem.acquire()
    }

    /// As [`Semaphore::try_acquire`].
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.sem.try_acquire()
    }

    /// Adds a permit back.
    ///
    /// # Errors
    ///
    /// [`ValueError`] if that would exceed the initial number of permits.
    pub fn release(&self) -> Result<(), ValueError> {
        if self.sem.value.get() >= self.bound {
            return Err(ValueError::new("BoundedSemaphore released too many times"));
        }
        self.sem.release();
        Ok(())
    }

    /// As [`Semaphore::locked`].
    pub fn locked(&self) -> bool {
        self.sem.locked()
    }

    /// As [`Semaphore::available_permits`].
    pub fn available_permits(&self) -> usize {
        self.sem.available_permits()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore").field("sem", &self.sem).field("bound", &self.bound).finish()
    }
}
