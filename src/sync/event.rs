//! `Event`: asyncio's `asyncio.Event`.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{WaitQueue, Waiter};

/// A flag tasks can wait for: `asyncio.Event`.
///
/// [`set`](Event::set) wakes every waiting task; a waiter that was woken
/// completes even if the event is cleared again before it runs.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// corio::run(async {
///     let event = Rc::new(corio::Event::new());
///     let waiter = {
///         let event = event.clone();
///         corio::create_task(async move { event.wait().await; "woken" })
///     };
///     corio::yield_now().await;
///     event.set();
///     assert_eq!(waiter.await.unwrap(), "woken");
///     assert!(event.is_set());
/// });
/// ```
#[derive(Default)]
pub struct Event {
    set: Cell<bool>,
    waiters: WaitQueue,
}

impl Event {
    /// A new event, not set.
    pub fn new() -> Event {
        Event::default()
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        self.set.set(true);
        self.waiters.notify_all();
    }

    /// Clears the flag.
    pub fn clear(&self) {
        self.set.set(false);
    }

    /// True if the flag is set.
    pub fn is_set(&self) -> bool {
        self.set.get()
    }

    /// Waits until the flag is set; at once if it is.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the queue of waiters; nothing else
    /// changes.
    pub fn wait(&self) -> EventWait<'_> {
        EventWait { event: self, waiter: Waiter::new(&self.waiters, WaitingOn::Event) }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .field("waiters", &self.waiters.waiting())
            .finish()
    }
}

/// The future of [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait<'a> {
    event: &'a Event,
    waiter: Waiter<'a, ()>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.waiter.is_registered() && self.event.is_set() {
            return Poll::Ready(());
        }
        self.waiter.poll(cx)
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        self.waiter.cancel();
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait").field("waiter", &self.waiter).finish()
    }
}
