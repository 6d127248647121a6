//! The loop's cross-thread side: what other threads may touch.
//!
//! Wake-ups, callbacks and stop requests from other threads go into one
//! mutex-guarded injection queue. The first push after the loop last looked
//! sets `pending` and writes the reactor's `mio::Waker` (an eventfd), so a
//! loop parked in `epoll_wait` wakes up; later pushes find `pending` set and
//! skip the syscall. The loop checks `pending` with one atomic load per turn.
//!
//! Once the loop closes, the queue refuses new work and hands it back, so a
//! waker fired after the loop is gone does nothing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::ThreadId;

use parking_lot::Mutex;

use crate::task::cell::Schedulable;

/// Work handed to the loop from another thread (or from its own thread while
/// it is not running).
pub(crate) enum Injected {
    Task(Arc<dyn Schedulable>),
    Main(u64),
    Callback(Box<dyn FnOnce() + Send + 'static>),
    Stop,
}

pub(crate) struct Shared {
    id: u64,
    thread: ThreadId,
    queue: Mutex<InjectionQueue>,
    pending: AtomicBool,
    waker: mio::Waker,
}

struct InjectionQueue {
    items: Vec<Injected>,
    closed: bool,
}

impl Shared {
    pub(crate) fn new(waker: mio::Waker) -> Shared {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Shared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            thread: std::thread::current().id(),
            queue: Mutex::new(InjectionQueue { items: Vec::new(), closed: false }),
            pending: AtomicBool::new(false),
            waker,
        }
    }

    /// A number no other loop in this process has.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The thread the loop lives on.
    pub(crate) fn thread(&self) -> ThreadId {
        self.thread
    }

    /// Hands `item` to the loop and wakes it; gives the item back if the loop
    /// is closed.
    pub(crate) fn inject(&self, item: Injected) -> Result<(), Injected> {
        {
            let mut queue = self.queue.lock();
            if queue.closed {
                return Err(item);
            }
            queue.items.push(item);
        }
        if !self.pending.swap(true, Ordering::AcqRel) {
            // If the write fails the eventfd is already readable (its counter
            // is saturated), so the loop wakes anyway.
            let _ = self.waker.wake();
        }
        Ok(())
    }

    /// What was injected since the last call (cheap when nothing was).
    pub(crate) fn take_injected(&self) -> Vec<Injected> {
        if !self.pending.load(Ordering::Acquire) {
            return Vec::new();
        }
        self.pending.store(false, Ordering::Release);
        std::mem::take(&mut self.queue.lock().items)
    }

    /// Refuses all later work; returns what was still queued.
    pub(crate) fn close(&self) -> Vec<Injected> {
        let mut queue = self.queue.lock();
        queue.closed = true;
        std::mem::take(&mut queue.items)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.queue.lock().closed
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("id", &self.id).finish_non_exhaustive()
    }
}
