//! The waker of the future that `run_until_complete` polls in place.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Wake;

use super::context;
use super::core::Runnable;
use super::shared::{Injected, Shared};

/// Queues `Runnable::Main(generation)`, like a task's waker queues its task.
/// The generation tells a stale wake-up from an earlier `run` call apart.
pub(crate) struct MainWaker {
    shared: Arc<Shared>,
    generation: u64,
    scheduled: AtomicBool,
}

impl MainWaker {
    pub(crate) fn new(shared: Arc<Shared>, generation: u64) -> MainWaker {
        MainWaker { shared, generation, scheduled: AtomicBool::new(false) }
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
            Some(core) if core.owns(&self.shared) => {
                core.push_ready(Runnable::Main(self.generation));
                true
            }
            _ => false,
        });
        if !local {
            let _ = self.shared.inject(Injected::Main(self.generation));
        }
    }
}
