//! `Lock`: asyncio's `asyncio.Lock`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::semaphore::{Semaphore, SemaphoreAcquire, SemaphorePermit};
use crate::runtime::task::info::WaitingOn;

/// A mutual-exclusion lock for tasks: `asyncio.Lock`.
///
/// FIFO-fair: tasks acquire in the order they asked, and a new
/// [`lock`](Lock::lock) or [`try_lock`](Lock::try_lock) does not jump ahead
/// of tasks already waiting. Releasing (dropping the [`LockGuard`]) wakes the
/// first waiter, which takes the lock when it runs. `Lock` protects no data
/// of its own, as asyncio's; share it with `Rc`. It is a [`Semaphore`] with
/// one permit.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// corio::run(async {
///     let lock = Rc::new(corio::Lock::new());
///     let guard = lock.lock().await;
///     assert!(lock.locked());
///     let waiter = {
///         let lock = lock.clone();
///         corio::create_task(async move { drop(lock.lock().await) })
///     };
///     corio::yield_now().await;
///     assert!(lock.try_lock().is_none());
///     drop(guard);
///     waiter.await.unwrap();
///     assert!(!lock.locked());
/// });
/// ```
pub struct Lock {
    sem: Semaphore,
}

impl Lock {
    /// An unlocked lock.
    pub fn new() -> Lock {
        Lock { sem: Semaphore::new(1) }
    }

    /// Waits for the lock and takes it (`async with lock:`).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes leaves the queue of waiters;
    /// if the lock had already been released to it, the wake-up passes to
    /// the next waiter. Nothing is held and nothing is lost.
    pub fn lock(&self) -> Acquire<'_> {
        Acquire { lock: self, acquire: self.sem.acquire_as(WaitingOn::Lock) }
    }

    /// Takes the lock if it is free and no task waits for it.
    pub fn try_lock(&self) -> Option<LockGuard<'_>> {
        self.sem.try_acquire().map(|permit| LockGuard { lock: self, _permit: permit })
    }

    /// As [`lock`](Lock::lock), for a lock shared with `Rc`: the guard owns
    /// a reference to the lock, so it can move into a `'static` task or
    /// callback.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// corio::run(async {
    ///     let lock = Rc::new(corio::Lock::new());
    ///     let guard = lock.clone().lock_owned().await;
    ///     corio::call_soon(move || drop(guard));
    ///     drop(lock.lock().await);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As [`lock`](Lock::lock).
    pub async fn lock_owned(self: Rc<Self>) -> OwnedLockGuard {
        self.sem.acquire_as(WaitingOn::Lock).await.forget();
        OwnedLockGuard { lock: self }
    }

    /// True while some task holds the lock. As in asyncio, a lock released
    /// to a waiter that has not run yet is not locked (yet nobody else can
    /// take it first).
    pub fn locked(&self) -> bool {
        self.sem.is_held()
    }
}

impl Default for Lock {
    fn default() -> Lock {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock").field("locked", &self.locked()).finish()
    }
}

/// The future of [`Lock::lock`].
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Acquire<'a> {
    lock: &'a Lock,
    acquire: SemaphoreAcquire<'a>,
}

impl<'a> Future for Acquire<'a> {
    type Output = LockGuard<'a>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard<'a>> {
        let lock = self.lock;
        Pin::new(&mut self.acquire).poll(cx).map(|permit| LockGuard { lock, _permit: permit })
    }
}

/// Holds a [`Lock`]; dropping it releases the lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    _permit: SemaphorePermit<'a>,
}

impl<'a> LockGuard<'a> {
    /// The lock this guard holds.
    pub(crate) fn lock(&self) -> &'a Lock {
        self.lock
    }
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard").finish_non_exhaustive()
    }
}

/// Holds a [`Lock`] shared with `Rc`; dropping it releases the lock. Made
/// by [`Lock::lock_owned`].
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedLockGuard {
    lock: Rc<Lock>,
}

impl Drop for OwnedLockGuard {
    fn drop(&mut self) {
        self.lock.sem.release();
    }
}

impl fmt::Debug for OwnedLockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedLockGuard").finish_non_exhaustive()
    }
}
