//! The waker of the future that `run_until_complete` polls in place.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Wake;

use crate::runtime::context;
use crate::runtime::core::Runnable;
use crate::runtime::shared::{inject_into, Injected};

/// Queues `Runnable::Main(generation)`, like a task's waker queues its task.
/// The generation tells a stale wake-up from an earlier `run` call apart.
pub(crate) struct MainWaker {
    loop_id: u64,
    generation: u64,
    scheduled: AtomicBool,
}

impl MainWaker {
    pub(crate) fn new(loop_id: u64, generation: u64) -> MainWaker {
        MainWaker { loop_id, generation, scheduled: AtomicBool::new(false) }
    }

    pub(crate) fn mark_scheduled(&self) {
        self.scheduled.store(true, Ordering::Relaxed);
    }

    /// Clears the flag before a poll; false if the queue entry is a duplicate.
    pub(crate) fn take_scheduled(&self) -> bool {
        self.scheduled.swap(false, Ordering::AcqRel)
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
        let local = context::with_current(|core| match core {
            Some(core) if core.id() == self.loop_id => {
                core.push_ready(Runnable::Main(self.generation));
                true
            }
            _ => false,
        });
        if !local {
            let _ = inject_into(self.loop_id, Injected::Main(self.generation));
        }
    }
}
