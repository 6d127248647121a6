//! The task cell: one heap allocation holding a task's header and its future,
//! later its output.
//!
//! # Life cycle
//!
//! A task is created `Idle` and scheduled at once. Each time the loop reaches
//! it, it is polled (`Running`) and goes back to `Idle` on `Pending`. It ends
//! `Finished` when its future returns, `Panicked` when it panics, or
//! `Cancelled` when the loop reaches it after a cancel request — then the
//! future is dropped without being polled again. On every end the future is
//! dropped in place, the task leaves the loop's registry, its output is kept
//! for the public `Task` handle (or dropped if the handle is gone) and its
//! done callbacks are scheduled.
//!
//! # Waking
//!
//! The waker is the cell itself (`Arc<TaskCell<F>>` through [`Wake`]), and
//! waking it goes the one wake path of `schedule.rs`: a push onto the local
//! ready queue on the loop's own thread, the loop's injection queue from
//! anywhere else; the `scheduled` flag keeps a task from being queued twice.
//!
//! # Safety
//!
//! `TaskCell<F>` is declared `Send + Sync` although its future and output
//! need not be, because a `Waker` must be `Send + Sync` and the waker is the
//! cell. This is sound because of one rule: **only the owning loop's thread
//! touches anything but the `scheduled` flag and the `loop_id`**. The
//! rule holds because:
//!
//! - the loop (`!Send`) is the only thing that polls or drops the future, and
//!   it only reaches tasks through its own run queue, its registry, and its
//!   injection queue, which it drains on its own thread;
//! - a waker on another thread reads `scheduled` (atomic) and pushes the
//!   `Arc` into its loop's injection queue (behind a mutex), nothing more;
//! - the `Task` handle, the done callbacks and the registry, which reach the
//!   stage and the `Cell`s, are `!Send` and live on the loop's thread;
//! - a cell may be *freed* on another thread when a stray waker holds the
//!   last reference, so by then its stage must own no future and no output:
//!   the future is dropped on the loop's thread when the task ends or the
//!   loop closes, the output when the handle takes it or is dropped (the
//!   handle being `!Send`, that is the loop's thread too), and the done
//!   callbacks when they are scheduled or the loop closes. What remains is
//!   `Send`: ids, flags, a name, a `Waker`.
//!
//! Beside the two `unsafe impl`s there are two `unsafe` blocks: pinning the
//! future, which never moves once the cell is allocated (it is dropped in
//! place), and lending the cell as a `Waker` for one poll without touching
//! its reference count.

#![allow(unsafe_code)]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::info::{TaskId, TaskState, WaitingOn};
use super::schedule::{schedule, take_scheduled};
use crate::error::TaskError;
use crate::runtime::context;
use crate::runtime::core::{Core, Current};

/// Where a task is in its life; the `Cell` in [`Header`] holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    /// Not being polled: waiting for a wake-up, or queued. Next: `Running`,
    /// `Cancelled`.
    Idle,
    /// Inside a poll, or its future is being dropped. Next: `Idle`,
    /// `Finished`, `Cancelled`.
    Running,
    /// Its future returned. Final.
    Finished,
    /// Its future panicked. Final.
    Panicked,
    /// Cancelled before its future returned. Final.
    Cancelled,
}

/// The part of a task that does not depend on its future's type.
pub(crate) struct Header {
    /// Set while the task sits in a run queue; the only field other threads
    /// write.
    scheduled: AtomicBool,
    /// The owning loop, for wakes (see `runtime::shared`).
    loop_id: u64,
    pub(crate) id: TaskId,
    /// The id of the task that created this one; 0 for none (ids start at 1).
    parent: u64,
    pub(crate) location: &'static Location<'static>,
    lifecycle: Cell<Lifecycle>,
    /// What the task waits on since its last poll, if a corio primitive.
    waiting_on: Cell<Option<WaitingOn>>,
    /// [`CANCEL_REQUESTED`] and [`HANDLE_ALIVE`], in one byte so the header
    /// packs.
    flags: Cell<u8>,
    name: Cell<Option<Box<str>>>,
    join_waker: Cell<Option<Waker>>,
    /// Where the loop's registry keeps this task while it is alive (32 bits
    /// so that it packs with the flags); [`UNREGISTERED`] before and after.
    registry_key: Cell<u32>,
}

/// The registry key of a task that is in no registry: not registered yet, or
/// left behind by a loop that closed.
pub(crate) const UNREGISTERED: usize = u32::MAX as usize;

/// Cancellation was asked for: the task ends when the loop next reaches it.
const CANCEL_REQUESTED: u8 = 1;
/// The user's `Task` handle lives; cleared when it drops (the task is
/// detached).
const HANDLE_ALIVE: u8 = 2;

impl Header {
    fn flag(&self, flag: u8) -> bool {
        self.flags.get() & flag != 0
    }

    fn set_flag(&self, flag: u8, on: bool) {
        let flags = self.flags.get();
        self.flags.set(if on { flags | flag } else { flags & !flag });
    }

    pub(crate) fn name(&self) -> String {
        let name = self.name.take();
        let text = match &name {
            Some(name) => name.to_string(),
            None => format!("Task-{}", self.id),
        };
        self.name.set(name);
        text
    }

    pub(crate) fn set_name(&self, name: String) {
        self.name.set(Some(name.into_boxed_str()));
    }

    pub(crate) fn waiting_on(&self) -> Option<WaitingOn> {
        self.waiting_on.get()
    }

    pub(crate) fn lifecycle(&self) -> Lifecycle {
        self.lifecycle.get()
    }

    pub(crate) fn is_done(&self) -> bool {
        matches!(self.lifecycle.get(), Lifecycle::Finished | Lifecycle::Panicked | Lifecycle::Cancelled)
    }

    pub(crate) fn state(&self) -> TaskState {
        match self.lifecycle.get() {
            Lifecycle::Idle if self.scheduled.load(Ordering::Relaxed) => TaskState::Scheduled,
            Lifecycle::Idle => TaskState::Pending,
            Lifecycle::Running => TaskState::Running,
            Lifecycle::Finished | Lifecycle::Panicked => TaskState::Finished,
            Lifecycle::Cancelled => TaskState::Cancelled,
        }
    }

    pub(crate) fn loop_id(&self) -> u64 {
        self.loop_id
    }

    pub(crate) fn scheduled(&self) -> &AtomicBool {
        &self.scheduled
    }

    pub(crate) fn parent(&self) -> Option<TaskId> {
        (self.parent != 0).then_some(TaskId(self.parent))
    }

    pub(crate) fn set_registry_key(&self, key: usize) {
        assert!(key <= UNREGISTERED, "more than 4 billion live tasks");
        self.registry_key.set(key as u32);
    }

    pub(crate) fn registry_key(&self) -> usize {
        self.registry_key.get() as usize
    }
}

/// What the loop does with a task without knowing its future's type.
pub(crate) trait Schedulable: Send + Sync + 'static {
    fn header(&self) -> &Header;

    /// Polls the task once, or ends it as cancelled if that was asked.
    fn run(self: Arc<Self>, core: &Core);

    /// Ends an unfinished task as cancelled without polling it (the loop is
    /// closing).
    fn abort(self: Arc<Self>, core: &Core);
}

/// What the public `Task<T>` handle does with its task.
pub(crate) trait Join<T>: Schedulable {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>>;
    fn take_result(&self) -> Option<Result<T, TaskError>>;
    /// Keeps `callback` to be scheduled with `call_soon` when the task ends.
    fn add_done_callback(&self, callback: DoneCallback);
    fn handle_dropped(&self);
}

/// A done callback, with whatever handle to the task it needs captured.
pub(crate) type DoneCallback = Box<dyn FnOnce() + 'static>;

/// Done callbacks, boxed so that a task without any (the common case) pays
/// one pointer for them.
type DoneCallbacks = Cell<Option<Box<Vec<DoneCallback>>>>;

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, TaskError>),
    Consumed,
}

pub(crate) struct TaskCell<F: Future<Output: 'static>> {
    header: Header,
    stage: RefCell<Stage<F>>,
    callbacks: DoneCallbacks,
}

// SAFETY: see the module's `# Safety` section: everything but `scheduled` and
// `loop_id` is touched on the owning loop's thread only, and the cell owns no
// future, output or callback by the time another thread may free it.
unsafe impl<F: Future<Output: 'static>> Send for TaskCell<F> {}
// SAFETY: as for `Send`: other threads only read and write the atomic
// `scheduled` flag and read the immutable `loop_id`.
unsafe impl<F: Future<Output: 'static>> Sync for TaskCell<F> {}

impl<F: Future + 'static> TaskCell<F> {
    pub(crate) fn new(
        future: F,
        loop_id: u64,
        id: TaskId,
        parent: Option<TaskId>,
        name: Option<String>,
        location: &'static Location<'static>,
    ) -> Arc<TaskCell<F>> {
        Arc::new(TaskCell {
            header: Header {
                // A new task is queued at once by its creator.
                scheduled: AtomicBool::new(true),
                loop_id,
                id,
                parent: parent.map_or(0, |parent| parent.0),
                location,
                lifecycle: Cell::new(Lifecycle::Idle),
                waiting_on: Cell::new(None),
                flags: Cell::new(HANDLE_ALIVE),
                name: Cell::new(name.map(String::into_boxed_str)),
                join_waker: Cell::new(None),
                registry_key: Cell::new(UNREGISTERED as u32),
            },
            stage: RefCell::new(Stage::Running(future)),
            callbacks: Cell::new(None),
        })
    }

    fn poll_future(&self, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut stage = self.stage.borrow_mut();
        let Stage::Running(future) = &mut *stage else {
            unreachable!("a task is polled only while its future is alive");
        };
        // SAFETY: the future lives inside the `Arc` allocation, which never
        // moves, and it is only ever dropped in place (`finish`), never moved
        // out: the pinning guarantee holds.
        let future = unsafe { Pin::new_unchecked(future) };
        future.poll(cx)
    }

    /// Ends the task: drops the future, leaves the registry, hands the result
    /// to the handle (or drops it), and schedules the done callbacks.
    fn finish(self: &Arc<Self>, core: &Core, result: Result<F::Output, TaskError>) {
        let header = &self.header;
        // `Running` keeps the handle's methods off the stage while the
        // future's destructor (user code) runs.
        header.lifecycle.set(Lifecycle::Running);
        let dropped = catch_unwind(AssertUnwindSafe(|| *self.stage.borrow_mut() = Stage::Consumed));
        if let Err(payload) = dropped {
            core.exceptions().report_panic("Exception in task destructor", Some(header), &*payload);
        }
        header.lifecycle.set(match &result {
            Ok(_) => Lifecycle::Finished,
            Err(err) if err.is_cancelled() => Lifecycle::Cancelled,
            Err(_) => Lifecycle::Panicked,
        });
        core.unregister_task(header.registry_key());
        if header.flag(HANDLE_ALIVE) {
            *self.stage.borrow_mut() = Stage::Finished(result);
            if let Some(waker) = header.join_waker.take() {
                waker.wake();
            }
        } else {
            core.exceptions().report_unretrieved(header, &result);
            drop(result);
        }
        if let Some(callbacks) = self.callbacks.take() {
            for callback in *callbacks {
                core.call_soon(callback);
            }
        }
    }
}

impl<F: Future + 'static> Schedulable for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn run(self: Arc<Self>, core: &Core) {
        let header = &self.header;
        if !take_scheduled(&header.scheduled) {
            return; // a second queue entry left by a racing cross-thread wake
        }
        if header.lifecycle.get() != Lifecycle::Idle {
            return;
        }
        if header.flag(CANCEL_REQUESTED) {
            self.finish(core, Err(TaskError::cancelled(Some(header.name()))));
            return;
        }
        header.lifecycle.set(Lifecycle::Running);
        let previous = core.enter(Current::Task(header.registry_key()), header.id);
        let waker = waker_ref(&self);
        let poll = catch_unwind(AssertUnwindSafe(|| self.poll_future(&mut Context::from_waker(&waker))));
        core.leave(previous);
        match poll {
            Ok(Poll::Pending) => {
                header.lifecycle.set(Lifecycle::Idle);
                header.waiting_on.set(core.take_waiting());
            }
            // As in asyncio's `Task.__step`: a task cancelled during the step
            // in which it returned ends cancelled, and its value is dropped.
            Ok(Poll::Ready(value)) if header.flag(CANCEL_REQUESTED) => {
                self.finish(core, Err(TaskError::cancelled(Some(header.name()))));
                drop(value);
            }
            Ok(Poll::Ready(value)) => self.finish(core, Ok(value)),
            Err(payload) => self.finish(core, Err(TaskError::panic(payload, Some(header.name())))),
        }
    }

    fn abort(self: Arc<Self>, core: &Core) {
        if self.header.lifecycle.get() == Lifecycle::Idle {
            self.finish(core, Err(TaskError::cancelled(Some(self.header.name()))));
        }
    }
}

impl<F: Future + 'static> Join<F::Output> for TaskCell<F> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, TaskError>> {
        if self.header.is_done() {
            return match self.take_result() {
                Some(result) => Poll::Ready(result),
                None => panic!("`Task` polled after its result was taken"),
            };
        }
        let waker = match self.header.join_waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        self.header.join_waker.set(Some(waker));
        context::note_waiting(WaitingOn::Task);
        Poll::Pending
    }

    fn take_result(&self) -> Option<Result<F::Output, TaskError>> {
        if !self.header.is_done() {
            return None;
        }
        let stage = std::mem::replace(&mut *self.stage.borrow_mut(), Stage::Consumed);
        match stage {
            Stage::Finished(result) => Some(result),
            _ => None,
        }
    }

    fn add_done_callback(&self, callback: DoneCallback) {
        let mut callbacks = self.callbacks.take().unwrap_or_default();
        callbacks.push(callback);
        self.callbacks.set(Some(callbacks));
    }

    fn handle_dropped(&self) {
        self.header.set_flag(HANDLE_ALIVE, false);
        if self.header.is_done() {
            let stage = std::mem::replace(&mut *self.stage.borrow_mut(), Stage::Consumed);
            if let Stage::Finished(result) = stage {
                context::with_current(|core| match core {
                    Some(core) => core.exceptions().report_unretrieved(&self.header, &result),
                    None => crate::runtime::exception::report_unretrieved_without_loop(&self.header, &result),
                });
            }
        }
    }
}

impl<F: Future + 'static> Wake for TaskCell<F> {
    fn wake(self: Arc<Self>) {
        schedule(self as Arc<dyn Schedulable>);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // No peek at `scheduled` first to save the clone: from another
        // thread a relaxed load may see a stale "queued" and skip a wake the
        // task needs (see `take_scheduled`).
        schedule(self.clone() as Arc<dyn Schedulable>);
    }
}

/// Asks for `task` to be cancelled: it will end when the loop next reaches
/// it. Returns false if it already ended.
pub(crate) fn request_cancel(task: Arc<dyn Schedulable>) -> bool {
    let header = task.header();
    if header.is_done() {
        return false;
    }
    if !header.flag(CANCEL_REQUESTED) {
        header.set_flag(CANCEL_REQUESTED, true);
        schedule(task);
    }
    true
}

/// A `Waker` for one poll of `task` that borrows it instead of cloning the
/// `Arc`: two atomic operations saved on every poll.
fn waker_ref<F: Future + 'static>(task: &Arc<TaskCell<F>>) -> ManuallyDrop<Waker> {
    // SAFETY: the `Waker` takes over one strong count of `task` that it never
    // gives back, because it is wrapped in `ManuallyDrop` and never dropped;
    // so the count stays as it was. It lives only for the poll, while `task`
    // (which the caller holds) keeps the allocation alive. Clones made from it
    // by the future go through `Wake` and own their count properly.
    let task = unsafe { Arc::from_raw(Arc::as_ptr(task)) };
    ManuallyDrop::new(Waker::from(task))
}

#[cfg(test)]
mod tests {
    /// The header stays small: every task pays for each byte of it.
    #[test]
    fn the_header_packs_its_flags() {
        assert!(std::mem::size_of::<super::Header>() <= 72, "{}", std::mem::size_of::<super::Header>());
    }
}
