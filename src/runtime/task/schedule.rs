//! The one wake path: queueing a task, or the main future of
//! `run_until_complete`, on its loop.
//!
//! Both carry a `scheduled` flag and their loop's id. A wake on the loop's
//! own thread, while the loop runs, sets the flag and pushes onto the local
//! ready queue; from anywhere else it sets the flag with an atomic swap and
//! goes through the loop's injection queue (see `runtime::shared`). A target
//! already queued is not queued again; a wake after the loop closed does
//! nothing. The loop clears the flag when it takes the entry up
//! ([`take_scheduled`]), and skips an entry whose flag is already clear: the
//! second of two entries left by a local wake racing a cross-thread one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Wake;

use super::cell::Schedulable;
use crate::runtime::context;
use crate::runtime::core::ReadyItem;
use crate::runtime::shared::{inject_into, Injected};

/// What a wake queues on its loop.
pub(crate) enum Woken {
    /// Poll (or cancel) a task.
    Task(Arc<dyn Schedulable>),
    /// Poll the future given to `run_until_complete`, of this generation.
    Main(u64),
}

impl From<Woken> for ReadyItem {
    fn from(woken: Woken) -> ReadyItem {
        match woken {
            Woken::Task(task) => ReadyItem::Task(task),
            Woken::Main(generation) => ReadyItem::Main(generation),
        }
    }
}

/// What a wake can queue on its loop: a task, or the main future.
pub(crate) trait Wakeable {
    /// The loop it belongs to.
    fn loop_id(&self) -> u64;
    /// Set while it sits in a ready queue.
    fn scheduled(&self) -> &AtomicBool;
    /// The entry that queues it.
    fn into_woken(self) -> Woken;
}

impl Wakeable for Arc<dyn Schedulable> {
    fn loop_id(&self) -> u64 {
        self.header().loop_id()
    }
    fn scheduled(&self) -> &AtomicBool {
        self.header().scheduled()
    }
    fn into_woken(self) -> Woken {
        Woken::Task(self)
    }
}

/// Queues `target` on its loop unless it is queued already: locally if that
/// loop runs on this thread, else through the loop's injection queue.
pub(crate) fn schedule(target: impl Wakeable) {
    let (loop_id, mut target) = (target.loop_id(), Some(target));
    // The local path only pushes onto the ready queue: no user code runs.
    let local = context::with_current_borrowed(|core| {
        if core.id() != loop_id {
            return false;
        }
        let target = target.take().expect("taken once");
        let scheduled = target.scheduled();
        if !scheduled.load(Ordering::Relaxed) {
            scheduled.store(true, Ordering::Relaxed);
            core.push_ready(target.into_woken().into());
        }
        true
    });
    if local == Some(true) {
        return;
    }
    let target = target.take().expect("not taken by the local path");
    if !target.scheduled().swap(true, Ordering::AcqRel) {
        // A closed loop refuses the item; dropping it here is safe (see the
        // cell's `# Safety`) and is the "does nothing" a late wake must do.
        let _ = inject_into(loop_id, Injected::Woken(target.into_woken()));
    }
}

/// Clears `scheduled` as the loop takes an entry up; false if it was clear
/// already, which makes the entry a duplicate to skip.
///
/// One swap, not a load and a store: a cross-thread wake that lands between
/// those two would find the flag set, skip queueing, and then be erased by
/// the store while the poll still reads the old state — a lost wake-up. The
/// swap orders the two read-modify-writes on the flag, so either the wake
/// sees the flag cleared and queues the target, or the poll that follows
/// sees everything the waker published before its wake (`tests/loop_wake_race.rs`).
pub(crate) fn take_scheduled(scheduled: &AtomicBool) -> bool {
    scheduled.swap(false, Ordering::AcqRel)
}

/// The waker of the future that `run_until_complete` polls in place: it
/// queues `Woken::Main(generation)` as a task's waker queues its task. The
/// generation tells a stale wake-up from an earlier `run` call apart.
pub(crate) struct MainWaker {
    loop_id: u64,
    generation: u64,
    scheduled: AtomicBool,
}

impl MainWaker {
    /// A waker for the main future of `generation`, queued by its creator.
    pub(crate) fn new(loop_id: u64, generation: u64) -> MainWaker {
        MainWaker { loop_id, generation, scheduled: AtomicBool::new(true) }
    }

    /// Clears the flag before a poll; false if the queue entry is a duplicate.
    pub(crate) fn take_scheduled(&self) -> bool {
        take_scheduled(&self.scheduled)
    }
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        schedule(&**self);
    }
}

impl Wakeable for &MainWaker {
    fn loop_id(&self) -> u64 {
        self.loop_id
    }
    fn scheduled(&self) -> &AtomicBool {
        &self.scheduled
    }
    fn into_woken(self) -> Woken {
        Woken::Main(self.generation)
    }
}
