//! Where woken work goes: onto the loop's ready queue when the wake happens
//! on the loop's own thread while it runs, into its injection queue
//! otherwise (see `runtime::shared`). A task gets here through its waker
//! (`cell/waker.rs`), which sets the task's `SCHEDULED` bit first, so a task
//! is queued once however many wakes race; the main future of
//! `run_until_complete` through [`MainWaker`], with a flag of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Wake;

use super::cell::{here, Notified, RawTask, Schedule};
use crate::runtime::context;
use crate::runtime::core::ReadyItem;
use crate::runtime::shared::{inject_into, Injected};

/// The wake path of the tasks of a loop.
#[derive(Debug)]
pub(crate) struct LoopSchedule;

impl Schedule for LoopSchedule {
    fn push_local(task: RawTask) {
        // `here` said the task's loop runs on this thread, so it is current.
        context::with_current_borrowed(move |core| core.push_ready(ReadyItem::Task(task)));
    }

    fn push_remote(task: Notified) {
        // A closed loop refuses the task; dropping the entry is the "does
        // nothing" a late wake must do.
        let _ = inject_into(task.loop_id(), Injected::Task(task));
    }
}

/// The waker of the future that `run_until_complete` polls in place: it
/// queues `ReadyItem::Main(generation)` as a task's waker queues the task.
/// The generation tells a stale wake-up from an earlier `run` call apart.
pub(crate) struct MainWaker {
    loop_id: u32,
    generation: u64,
    scheduled: AtomicBool,
}

impl MainWaker {
    /// A waker for the main future of `generation`, queued by its creator.
    pub(crate) fn new(loop_id: u32, generation: u64) -> MainWaker {
        MainWaker { loop_id, generation, scheduled: AtomicBool::new(true) }
    }

    /// Clears the flag as the loop takes the entry up; false if the entry is
    /// stale. One swap, so a wake from another thread that lands before it
    /// is seen by the poll, and one that lands after queues the future again.
    pub(crate) fn take_scheduled(&self) -> bool {
        self.scheduled.swap(false, Ordering::AcqRel)
    }

    /// True if a wake-up queued the main future and the loop has not taken
    /// it up yet.
    pub(crate) fn is_scheduled(&self) -> bool {
        self.scheduled.load(Ordering::Acquire)
    }
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.scheduled.swap(true, Ordering::AcqRel) {
            return;
        }
        if here::get() == self.loop_id {
            context::with_current_borrowed(|core| core.push_ready(ReadyItem::Main(self.generation)));
        } else {
            let _ = inject_into(self.loop_id, Injected::Main(self.generation));
        }
    }
}
