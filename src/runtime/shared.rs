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
//!
//! Tasks do not hold an `Arc<Shared>`: that would cost two atomic operations
//! per task for a path most tasks never take. A task keeps its loop's id, and
//! a wake from elsewhere finds the loop in [`LOOPS`], a process-wide map
//! from id to `Shared` that holds the open loops.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::ThreadId;

use parking_lot::{Mutex, RwLock};

use super::task::cell::Notified;

/// Work handed to the loop from another thread (or from its own thread while
/// it is not running).
pub(crate) enum Injected {
    /// A task, woken.
    Task(Notified),
    /// The main future of this generation, woken.
    Main(u64),
    Callback(Box<dyn FnOnce() + Send + 'static>),
    Stop,
}

pub(crate) struct Shared {
    id: u32,
    thread: ThreadId,
    queue: Mutex<InjectionQueue>,
    pending: AtomicBool,
    waker: mio::Waker,
    /// `to_thread` jobs submitted and not settled yet: a virtual clock must
    /// not jump while one may still deliver a result.
    jobs_in_flight: AtomicUsize,
}

struct InjectionQueue {
    items: Vec<Injected>,
    closed: bool,
}

/// The open loops of the process, by id.
static LOOPS: RwLock<BTreeMap<u32, Arc<Shared>>> = RwLock::new(BTreeMap::new());

/// Hands `item` to the open loop `loop_id`; gives it back if that loop is
/// closed or gone.
pub(crate) fn inject_into(loop_id: u32, item: Injected) -> Result<(), Injected> {
    let loops = LOOPS.read();
    match loops.get(&loop_id) {
        Some(shared) => shared.inject(item),
        None => Err(item),
    }
}

impl Shared {
    /// A new loop's shared side, listed in [`LOOPS`] until it closes.
    pub(crate) fn new(waker: mio::Waker) -> Arc<Shared> {
        let mut loops = LOOPS.write();
        let shared = Arc::new(Shared {
            id: fresh_id(&loops),
            thread: std::thread::current().id(),
            queue: Mutex::new(InjectionQueue { items: Vec::new(), closed: false }),
            pending: AtomicBool::new(false),
            waker,
            jobs_in_flight: AtomicUsize::new(0),
        });
        loops.insert(shared.id, shared.clone());
        shared
    }

    /// A number no other open loop in this process has (and never 0).
    pub(crate) fn id(&self) -> u32 {
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

    /// True if anything was injected since the last `take_injected`: one
    /// atomic load, for every turn.
    #[inline]
    pub(crate) fn has_injected(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// What was injected since the last call.
    pub(crate) fn take_injected(&self) -> Vec<Injected> {
        self.pending.store(false, Ordering::Release);
        std::mem::take(&mut self.queue.lock().items)
    }

    /// Refuses all later work and leaves [`LOOPS`]; returns what was still
    /// queued.
    pub(crate) fn close(&self) -> Vec<Injected> {
        LOOPS.write().remove(&self.id);
        let mut queue = self.queue.lock();
        queue.closed = true;
        std::mem::take(&mut queue.items)
    }

    pub(crate) fn jobs_in_flight(&self) -> usize {
        self.jobs_in_flight.load(Ordering::Acquire)
    }

    /// Counts a job in flight until the returned guard is dropped, which
    /// must happen after the job's result is handed over.
    pub(crate) fn job_in_flight(self: &Arc<Self>) -> JobInFlight {
        self.jobs_in_flight.fetch_add(1, Ordering::AcqRel);
        JobInFlight(self.clone())
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.queue.lock().closed
    }
}

/// An id no open loop has: the next of a counter, skipping 0 and any id
/// still in use once the counter has wrapped (after 4 billion loops), so
/// that a wake can never reach the wrong loop.
fn fresh_id(open: &BTreeMap<u32, Arc<Shared>>) -> u32 {
    static NEXT_ID: AtomicU32 = AtomicU32::new(1);
    loop {
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        if id != 0 && !open.contains_key(&id) {
            return id;
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("id", &self.id).finish_non_exhaustive()
    }
}

/// A `to_thread` job in flight; see [`Shared::job_in_flight`].
pub(crate) struct JobInFlight(Arc<Shared>);

impl Drop for JobInFlight {
    /// The last job to end wakes the loop: a virtual clock held still while
    /// jobs ran may jump now, and would otherwise wait for ever (the job's
    /// result may have woken the loop before this count went down).
    fn drop(&mut self) {
        if self.0.jobs_in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _ = self.0.waker.wake();
        }
    }
}
