//! `Condition`: asyncio's `asyncio.Condition`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::lock::{Acquire, Lock, LockGuard};
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{WaitQueue, Waiter};

/// A condition variable for tasks: `asyncio.Condition`.
///
/// A task holding the condition's lock calls [`wait`](Condition::wait),
/// which releases the lock, waits for [`notify`](Condition::notify), and
/// takes the lock again before returning. Waiters are woken in FIFO order.
/// Unlike asyncio, `notify` does not require holding the lock (Rust has no
/// way to ask who holds it).
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// corio::run(async {
///     let cond = Rc::new(corio::Condition::new());
///     let ready = Rc::new(Cell::new(false));
///     let consumer = {
///         let (cond, ready) = (cond.clone(), ready.clone());
///         corio::create_task(async move {
///             let guard = cond.lock().await;
///             let _guard = cond.wait_for(guard, || ready.get()).await;
///             "saw it"
///         })
///     };
///     corio::yield_now().await;
///     let _guard = cond.lock().await;
///     ready.set(true);
///     cond.notify_all();
///     drop(_guard);
///     assert_eq!(consumer.await.unwrap(), "saw it");
/// });
/// ```
pub struct Condition {
    lock: Lock,
    waiters: WaitQueue,
}

impl Condition {
    /// A condition with a lock of its own.
    pub fn new() -> Condition {
        Condition::with_lock(Lock::new())
    }

    /// A condition around `lock`.
    pub fn with_lock(lock: Lock) -> Condition {
        Condition { lock, waiters: WaitQueue::new() }
    }

    /// Waits for the condition's lock and takes it.
    ///
    /// # Cancel safety
    ///
    /// As [`Lock::lock`].
    pub fn lock(&self) -> Acquire<'_> {
        self.lock.lock()
    }

    /// True while some task holds the condition's lock.
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Releases the lock, waits to be notified, and takes the lock again.
    ///
    /// # Panics
    ///
    /// Panics if `guard` holds another lock than this condition's.
    ///
    /// # Cancel safety
    ///
    /// Dropped while waiting to be notified, the task leaves the queue, and a
    /// notification it had already been given passes to the next waiter.
    /// Dropped while taking the lock back (after it was notified), it leaves
    /// that queue as [`Lock::lock`] does and passes its notification on, so
    /// no wake-up is lost. Either way the lock is **not** held afterwards:
    /// asyncio re-acquires it on cancellation, which a dropped future cannot.
    pub async fn wait<'a>(&'a self, guard: LockGuard<'a>) -> LockGuard<'a> {
        assert!(std::ptr::eq(guard.lock(), &self.lock), "Condition::wait given a guard of another lock");
        Notified { cond: self, waiter: Waiter::new(&self.waiters, WaitingOn::Condition), guard: Some(guard) }
            .await;
        // Notified: if this future is dropped while it takes the lock back,
        // the notification passes to another waiter, which would otherwise
        // never hear of it (CPython 3.13's `test_cancelled_wakeup_relock`).
        let pass_on = PassOn(Some(self));
        let guard = self.lock.lock().await;
        pass_on.disarm();
        guard
    }

    /// Waits until `predicate` is true, checking it first and after each
    /// notification, with the lock held: asyncio's `wait_for`.
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Condition::wait).
    pub async fn wait_for<'a>(
        &'a self,
        mut guard: LockGuard<'a>,
        mut predicate: impl FnMut() -> bool,
    ) -> LockGuard<'a> {
        while !predicate() {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes up to `n` waiting tasks.
    pub fn notify(&self, n: usize) {
        self.waiters.notify(n);
    }

    /// Wakes every waiting task.
    pub fn notify_all(&self) {
        self.waiters.notify_all();
    }
}

impl Default for Condition {
    fn default() -> Condition {
        Condition::new()
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("locked", &self.locked())
            .field("waiters", &self.waiters.waiting())
            .finish()
    }
}

/// A notification held while the lock is taken back, passed on if dropped.
struct PassOn<'a>(Option<&'a Condition>);

impl PassOn<'_> {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for PassOn<'_> {
    fn drop(&mut self) {
        if let Some(cond) = self.0 {
            cond.notify(1);
        }
    }
}

/// Registers with the condition, then releases the lock, then waits.
struct Notified<'a> {
    cond: &'a Condition,
    waiter: Waiter<'a, ()>,
    guard: Option<LockGuard<'a>>,
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let poll = self.waiter.poll(cx);
        // Registered first, released second: a notify in between reaches us.
        self.guard = None;
        poll
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if self.waiter.cancel().is_some() {
            self.cond.waiters.notify(1);
        }
    }
}
