//! One FIFO queue of waiters, under every synchronization primitive.
//!
//! asyncio keeps a `_waiters` deque in each lock, event, condition, semaphore
//! and queue; corio keeps one of these. A waiter registers its waker and gets
//! a key; the primitive notifies waiters in arrival order, optionally handing
//! each a value (a queue item, say); the waiter collects it on its next poll.
//!
//! # Implementation
//!
//! Waiters live in a [`Slab`] and are chained in arrival order through
//! `prev`/`next` keys, so a waiter that is dropped while queued leaves in
//! O(1), and no allocation happens per wait once the slab has grown. A
//! notified waiter leaves the chain at once but keeps its slot, holding the
//! value it was handed, until it collects it or is dropped; in the latter
//! case [`WaitQueue::cancel`] hands the value back, so the primitive can pass
//! the wake-up on to the next waiter: no wake-up is ever lost.
//!
//! The queue is single-threaded (`RefCell` inside), and wakers are woken
//! only after the borrow is released, since waking may run code that uses
//! the queue again.
//!
//! It lives in the runtime rather than among the leaves because a
//! registration ([`Waiter`]) says what its task waits on, for the task
//! dumps.

use std::cell::RefCell;
use std::fmt;
use std::task::{ready, Context, Poll, Waker};

use slab::Slab;

use super::context;
use super::task::info::WaitingOn;
use super::task::parked::ParkedWaker;

/// Names one registered waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaiterKey(usize);

struct Slot<T> {
    waker: Option<ParkedWaker>,
    state: SlotState<T>,
}

enum SlotState<T> {
    /// In the chain, between these neighbours.
    Waiting { prev: Option<usize>, next: Option<usize> },
    /// Chosen, with the value it was handed; out of the chain.
    Notified(T),
}

struct Inner<T> {
    slots: Slab<Slot<T>>,
    head: Option<usize>,
    tail: Option<usize>,
    waiting: usize,
}

/// A FIFO queue of waiters, each notified at most once with a `T`.
pub(crate) struct WaitQueue<T = ()> {
    inner: RefCell<Inner<T>>,
}

impl<T> WaitQueue<T> {
    pub(crate) fn new() -> WaitQueue<T> {
        WaitQueue { inner: RefCell::new(Inner { slots: Slab::new(), head: None, tail: None, waiting: 0 }) }
    }

    /// Waiters not yet notified.
    pub(crate) fn waiting(&self) -> usize {
        self.inner.borrow().waiting
    }

    /// Waiters notified that have not collected their value yet.
    pub(crate) fn notified(&self) -> usize {
        let inner = self.inner.borrow();
        inner.slots.len() - inner.waiting
    }

    /// True if no waiter is queued or notified.
    pub(crate) fn is_empty(&self) -> bool {
        self.inner.borrow().slots.is_empty()
    }

    /// Queues a waiter at the back.
    pub(crate) fn register(&self, waker: &Waker) -> WaiterKey {
        // Made before the borrow: cloning a foreign waker runs its code.
        let waker = ParkedWaker::new(waker.clone());
        let mut inner = self.inner.borrow_mut();
        let prev = inner.tail;
        let key =
            inner.slots.insert(Slot { waker: Some(waker), state: SlotState::Waiting { prev, next: None } });
        match prev {
            Some(prev) => inner.set_next(prev, Some(key)),
            None => inner.head = Some(key),
        }
        inner.tail = Some(key);
        inner.waiting += 1;
        WaiterKey(key)
    }

    /// `Ready` with the waiter's value once it was notified (the slot is then
    /// freed and the key must not be used again); else keeps `cx`'s waker.
    pub(crate) fn poll(&self, key: WaiterKey, cx: &mut Context<'_>) -> Poll<T> {
        let mut inner = self.inner.borrow_mut();
        let slot = &mut inner.slots[key.0];
        if let SlotState::Waiting { .. } = slot.state {
            if slot.waker.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
                return Poll::Pending;
            }
            drop(inner);
            // Cloned, and the old one dropped, outside the borrow: either
            // may run a foreign waker's code.
            let waker = ParkedWaker::new(cx.waker().clone());
            let old = self.inner.borrow_mut().slots.get_mut(key.0).and_then(|slot| slot.waker.replace(waker));
            drop(old);
            return Poll::Pending;
        }
        let slot = inner.take(key.0);
        drop(inner);
        // The waker was taken by the notification; nothing runs on drop.
        match slot.state {
            SlotState::Notified(value) => Poll::Ready(value),
            SlotState::Waiting { .. } => unreachable!(),
        }
    }

    /// Removes a waiter that gives up. Returns the value it had been handed,
    /// if it was notified but never collected it.
    pub(crate) fn cancel(&self, key: WaiterKey) -> Option<T> {
        let mut inner = self.inner.borrow_mut();
        let slot = inner.take(key.0);
        if let SlotState::Waiting { prev, next } = slot.state {
            inner.unlink(prev, next);
        }
        drop(inner);
        // Dropped outside the borrow: a waker's destructor may use the queue.
        drop(slot.waker);
        match slot.state {
            SlotState::Waiting { .. } => None,
            SlotState::Notified(value) => Some(value),
        }
    }

    /// Notifies the waiter that came first, handing it `value`; gives the
    /// value back if nobody waits.
    pub(crate) fn notify_one(&self, value: T) -> Result<(), T> {
        let waker = {
            let mut inner = self.inner.borrow_mut();
            let Some(key) = inner.head else { return Err(value) };
            let slot = &mut inner.slots[key];
            let SlotState::Waiting { prev, next } =
                std::mem::replace(&mut slot.state, SlotState::Notified(value))
            else {
                unreachable!("the chain holds only waiting slots");
            };
            let waker = slot.waker.take();
            inner.unlink(prev, next);
            waker
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }
}

impl WaitQueue<()> {
    /// Notifies up to `n` waiters, first come first served; returns how many.
    pub(crate) fn notify(&self, n: usize) -> usize {
        let mut count = 0;
        while count < n && self.notify_one(()).is_ok() {
            count += 1;
        }
        count
    }

    /// Notifies every waiter; returns how many.
    pub(crate) fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }
}

/// An empty queue whose slab grew past this many slots lets it go: a burst of
/// waiters that all left does not keep its peak allocated.
const SHRINK_ABOVE: usize = 64;

impl<T> Inner<T> {
    /// Frees a slot and returns what it held; the slab is let go of when it
    /// is empty after a burst.
    fn take(&mut self, key: usize) -> Slot<T> {
        let slot = self.slots.remove(key);
        if self.slots.is_empty() && self.slots.capacity() > SHRINK_ABOVE {
            self.slots = Slab::new();
        }
        slot
    }

    fn set_next(&mut self, key: usize, next: Option<usize>) {
        if let SlotState::Waiting { next: slot_next, .. } = &mut self.slots[key].state {
            *slot_next = next;
        }
    }

    fn set_prev(&mut self, key: usize, prev: Option<usize>) {
        if let SlotState::Waiting { prev: slot_prev, .. } = &mut self.slots[key].state {
            *slot_prev = prev;
        }
    }

    /// Takes a waiter with these neighbours out of the chain.
    fn unlink(&mut self, prev: Option<usize>, next: Option<usize>) {
        match prev {
            Some(prev) => self.set_next(prev, next),
            None => self.head = next,
        }
        match next {
            Some(next) => self.set_prev(next, prev),
            None => self.tail = prev,
        }
        self.waiting -= 1;
    }
}

impl<T> Default for WaitQueue<T> {
    fn default() -> WaitQueue<T> {
        WaitQueue::new()
    }
}

impl<T> fmt::Debug for WaitQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitQueue")
            .field("waiting", &self.waiting())
            .field("notified", &self.notified())
            .finish()
    }
}

/// A task's place in a [`WaitQueue`], and what it waits on there: the
/// futures of the primitives are built on it. `poll` registers at the back
/// of the queue the first time, then collects the value once notified; while
/// the task waits, the tag is what the task dumps show.
pub(crate) struct Waiter<'a, T> {
    queue: &'a WaitQueue<T>,
    key: Option<WaiterKey>,
    what: WaitingOn,
}

impl<'a, T> Waiter<'a, T> {
    /// A waiter on `queue`, not registered yet, that waits on `what`.
    pub(crate) fn new(queue: &'a WaitQueue<T>, what: WaitingOn) -> Waiter<'a, T> {
        Waiter { queue, key: None, what }
    }

    /// A waiter for a registration that was kept outside a `Waiter` between
    /// polls (by a `Stream`, which cannot borrow its own queue); give it
    /// back with [`into_key`](Waiter::into_key).
    pub(crate) fn resume(queue: &'a WaitQueue<T>, key: Option<WaiterKey>, what: WaitingOn) -> Waiter<'a, T> {
        Waiter { queue, key, what }
    }

    /// The registration, kept for a later [`resume`](Waiter::resume).
    pub(crate) fn into_key(mut self) -> Option<WaiterKey> {
        // Taken, so that dropping `self` does not cancel it.
        self.key.take()
    }

    /// True once registered (and not yet notified and collected).
    pub(crate) fn is_registered(&self) -> bool {
        self.key.is_some()
    }

    /// Registers at the back of the queue if not registered yet, else polls
    /// the registration.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<T> {
        let poll = match self.key {
            None => {
                self.key = Some(self.queue.register(cx.waker()));
                Poll::Pending
            }
            Some(key) => {
                let poll = self.queue.poll(key, cx);
                if poll.is_ready() {
                    self.key = None;
                }
                poll
            }
        };
        if poll.is_pending() {
            context::note_waiting(self.what);
        }
        poll
    }

    /// Leaves the queue; returns a value handed over but not collected.
    pub(crate) fn cancel(&mut self) -> Option<T> {
        self.key.take().and_then(|key| self.queue.cancel(key))
    }
}

impl Waiter<'_, ()> {
    /// Polls until `done()` holds, checking it first and after each
    /// notification; while it does not, the waiter is registered, at the
    /// back of the queue after a notification (as asyncio's
    /// `Condition.wait_for` waits again).
    pub(crate) fn poll_until(&mut self, cx: &mut Context<'_>, done: impl Fn() -> bool) -> Poll<()> {
        loop {
            if done() {
                self.cancel();
                return Poll::Ready(());
            }
            // Registers, or collects a notification and checks again.
            ready!(self.poll(cx));
        }
    }
}

/// A waiter dropped while registered leaves the queue; a value it had been
/// handed and not collected is dropped. (The primitives whose values must
/// pass on — a permit, a queue item, a notification — take it out first, in
/// their own `Drop`.)
impl<T> Drop for Waiter<'_, T> {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl<T> fmt::Debug for Waiter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter").field("registered", &self.is_registered()).field("on", &self.what).finish()
    }
}

/// Waits on `queue` until `done()` holds, checking it first and after each
/// notification.
pub(crate) async fn wait_until(queue: &WaitQueue, what: WaitingOn, done: impl Fn() -> bool) {
    let mut waiter = Waiter::new(queue, what);
    std::future::poll_fn(|cx| waiter.poll_until(cx, &done)).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn waker() -> (Arc<CountingWaker>, Waker) {
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    #[test]
    fn notifies_in_arrival_order_with_values() {
        let queue = WaitQueue::new();
        let (counts, w) = waker();
        let keys: Vec<_> = (0..3).map(|_| queue.register(&w)).collect();
        assert_eq!(queue.waiting(), 3);
        queue.notify_one("a").unwrap();
        queue.notify_one("b").unwrap();
        assert_eq!(counts.0.load(Ordering::SeqCst), 2);
        assert_eq!((queue.waiting(), queue.notified()), (1, 2));
        let mut cx = Context::from_waker(&w);
        assert_eq!(queue.poll(keys[1], &mut cx), Poll::Ready("b"));
        assert_eq!(queue.poll(keys[0], &mut cx), Poll::Ready("a"));
        assert_eq!(queue.poll(keys[2], &mut cx), Poll::Pending);
        assert_eq!(queue.notify_one("c"), Ok(()));
        assert_eq!(queue.notify_one("d"), Err("d"), "nobody left to notify");
    }

    #[test]
    fn a_cancelled_waiter_leaves_the_middle_of_the_queue() {
        let queue = WaitQueue::<()>::new();
        let (_, w) = waker();
        let a = queue.register(&w);
        let b = queue.register(&w);
        let c = queue.register(&w);
        assert_eq!(queue.cancel(b), None);
        assert_eq!(queue.notify(2), 2);
        let mut cx = Context::from_waker(&w);
        assert!(queue.poll(a, &mut cx).is_ready());
        assert!(queue.poll(c, &mut cx).is_ready());
        assert!(queue.is_empty());
    }

    #[test]
    fn a_notified_waiter_that_gives_up_hands_its_value_back() {
        let queue = WaitQueue::new();
        let (_, w) = waker();
        let a = queue.register(&w);
        let b = queue.register(&w);
        queue.notify_one(7).unwrap();
        assert_eq!(queue.cancel(a), Some(7));
        // Passing it on reaches the next waiter.
        queue.notify_one(7).unwrap();
        assert_eq!(queue.poll(b, &mut Context::from_waker(&w)), Poll::Ready(7));
    }

    #[test]
    fn slots_are_reused_without_growing() {
        let queue = WaitQueue::<()>::new();
        let (_, w) = waker();
        let key = queue.register(&w);
        queue.cancel(key);
        let capacity = queue.inner.borrow().slots.capacity();
        for _ in 0..1_000 {
            let key = queue.register(&w);
            queue.cancel(key);
        }
        assert_eq!(queue.inner.borrow().slots.capacity(), capacity);
    }
}
