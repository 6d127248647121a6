//! The task cell: one heap allocation holding a task's header and its
//! future, later its output; the loop's references to it; its waker.
//!
//! # Life cycle
//!
//! A task is created `Idle` and scheduled at once. Each time the loop takes
//! it up it is polled (`Running`) and goes back to `Idle` on `Pending`. It
//! ends `Finished` when its future returns, `Panicked` when it panics, or
//! `Cancelled` when the loop takes it up after a cancel request (then the
//! future is dropped without being polled again) or the loop closes. On
//! every end the future is dropped in place; the output is kept for the
//! public `Task` handle, or dropped if the handle is gone. The loop then
//! unlinks the task from its registry, wakes the awaiter and schedules the
//! done callbacks (`runtime/core.rs`).
//!
//! # References
//!
//! Two counts keep the allocation alive:
//!
//! - **local** (`Header::local`, a `Cell`): one per [`RawTask`] — the
//!   registry's link, `Task` handles, ready-queue entries, the running
//!   task's record. `RawTask` is `!Send`, so only the loop's thread counts.
//! - **shared** (in [`State`], atomic): one for the loop's side as a whole
//!   while the local count is above zero, one per `Waker`, one per
//!   [`Notified`] (an entry of the loop's injection queue).
//!
//! The allocation is freed when the shared count reaches zero, which is
//! only possible once the local count has.
//!
//! # Safety
//!
//! A `Waker` must be `Send + Sync`, and the waker points at the cell, whose
//! future need not be `Send`. The rule that makes this sound: **only the
//! owning loop's thread touches anything but the state word and the
//! immutable `loop_id`**. It holds because:
//!
//! - the loop (`!Send`) is the only thing that polls or drops the future,
//!   through [`RawTask`], which is `!Send`; wakers and [`Notified`] entries,
//!   which are `Send`, only read `loop_id` and use the atomic state word;
//! - a `Notified` becomes a `RawTask` again only on a thread where the
//!   task's loop is current ([`Notified::into_local`] checks
//!   [`LOOP_HERE`](here), set by the loop as it enters);
//! - the cell may be *freed* on another thread, when a waker there holds
//!   the last reference; by then the local count is zero, and a task's last
//!   local reference goes only after it ended (the registry holds one until
//!   then) and after its output was taken or dropped (the `Task` handle
//!   holds one until then), and after its done callbacks were handed to
//!   the loop. So what is left to drop is `Send`: a name, a `Waker`.
//!
//! The `unsafe` code: the `Send`/`Sync` claims of [`Notified`]; turning a
//! header pointer back into its typed cell (`raw.rs`); pinning the future,
//! which lives in the allocation and is dropped in place, never moved; the
//! waker's vtable (`waker.rs`); the intrusive list of the registry
//! (`list.rs`), whose links are raw pointers kept valid by the references
//! the list holds.

#![allow(unsafe_code)]

mod list;
mod raw;
mod waker;

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;
use std::ptr::NonNull;
use std::task::Waker;

use super::info::{TaskId, TaskState, WaitingOn};
use super::state::State;
use crate::error::TaskError;

pub(crate) use self::list::TaskList;
pub(crate) use self::raw::{spawn, Schedule};

/// Where a task is in its life; the `Cell` in [`Header`] holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    /// Not being polled: waiting for a wake-up, or queued. Next: `Running`,
    /// `Cancelled`.
    Idle,
    /// Inside a poll, or its future is being dropped. Next: `Idle`,
    /// `Finished`, `Panicked`, `Cancelled`.
    Running,
    /// Its future returned. Final.
    Finished,
    /// Its future panicked. Final.
    Panicked,
    /// Cancelled before its future returned. Final.
    Cancelled,
}

/// What the stage of a cell holds: the future, the output, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StageKind {
    /// From creation until the task ends.
    Future,
    /// From the end until the handle takes the output or is dropped.
    Output,
    /// Before the output is stored, and after it is gone.
    Empty,
}

/// Cancellation was asked for: the task ends when the loop next takes it up.
const CANCEL_REQUESTED: u8 = 1;
/// The user's `Task` handle lives; cleared when it drops (the task is
/// detached).
const HANDLE_ALIVE: u8 = 2;
/// The task is in its loop's registry list.
const LINKED: u8 = 4;

/// The part of a task that does not depend on its future's type. It starts
/// the allocation (the cell is `#[repr(C)]`), so a pointer to it is a
/// pointer to the cell.
pub(crate) struct Header {
    /// `SCHEDULED` and the shared count: the only field other threads write.
    state: State,
    /// The operations that know the future's type.
    vtable: &'static raw::Vtable,
    /// The owning loop, for wakes from elsewhere (see `runtime::shared`).
    loop_id: u32,
    /// The task that awaits the `Task` handle, when it is a task of this
    /// loop (the common case: no waker clone, no atomic); another awaiter's
    /// waker is in the extras.
    joiner: Cell<Option<RawTask>>,
    /// The registry's links (`list.rs`).
    prev: Cell<Option<NonNull<Header>>>,
    next: Cell<Option<NonNull<Header>>>,
    pub(crate) id: TaskId,
    /// The id of the task that created this one; 0 for none (ids start at 1).
    parent: u64,
    pub(crate) location: &'static Location<'static>,
    /// A name, done callbacks, an awaiter that is not a task of this loop:
    /// what most tasks have not, behind one pointer.
    extras: Cell<Option<Box<Extras>>>,
    /// Local references (see the module docs).
    local: Cell<u32>,
    /// What the cell's stage holds.
    stage: Cell<StageKind>,
    lifecycle: Cell<Lifecycle>,
    /// [`CANCEL_REQUESTED`], [`HANDLE_ALIVE`], [`LINKED`].
    flags: Cell<u8>,
    /// What the task waits on since its last poll, if a corio primitive.
    waiting_on: Cell<Option<WaitingOn>>,
    /// How many of its wakers structures of this loop's thread hold (see
    /// `runtime::task::parked`): with no other shared reference, nothing
    /// but this thread can wake the task.
    parked: Cell<u32>,
}

/// A done callback, with whatever handle to the task it needs captured.
pub(crate) type DoneCallback = Box<dyn FnOnce() + 'static>;

#[derive(Default)]
struct Extras {
    name: Option<Box<str>>,
    callbacks: Vec<DoneCallback>,
    join_waker: Option<Waker>,
}

impl Header {
    fn flag(&self, flag: u8) -> bool {
        self.flags.get() & flag != 0
    }

    fn set_flag(&self, flag: u8, on: bool) {
        let flags = self.flags.get();
        self.flags.set(if on { flags | flag } else { flags & !flag });
    }

    /// Runs `f` on the extras, made if there were none.
    fn with_extras<R>(&self, f: impl FnOnce(&mut Extras) -> R) -> R {
        let mut extras = self.extras.take().unwrap_or_default();
        let result = f(&mut extras);
        self.extras.set(Some(extras));
        result
    }

    pub(crate) fn name(&self) -> String {
        let extras = self.extras.take();
        let name = match extras.as_ref().and_then(|extras| extras.name.as_deref()) {
            Some(name) => name.to_owned(),
            None => format!("Task-{}", self.id),
        };
        self.extras.set(extras);
        name
    }

    pub(crate) fn set_name(&self, name: String) {
        self.with_extras(|extras| extras.name = Some(name.into_boxed_str()));
    }

    pub(crate) fn waiting_on(&self) -> Option<WaitingOn> {
        self.waiting_on.get()
    }

    pub(crate) fn set_waiting_on(&self, what: Option<WaitingOn>) {
        self.waiting_on.set(what);
    }

    pub(crate) fn lifecycle(&self) -> Lifecycle {
        self.lifecycle.get()
    }

    pub(crate) fn is_done(&self) -> bool {
        matches!(self.lifecycle.get(), Lifecycle::Finished | Lifecycle::Panicked | Lifecycle::Cancelled)
    }

    pub(crate) fn state(&self) -> TaskState {
        match self.lifecycle.get() {
            Lifecycle::Idle if self.state.is_scheduled() => TaskState::Scheduled,
            Lifecycle::Idle => TaskState::Pending,
            Lifecycle::Running => TaskState::Running,
            Lifecycle::Finished | Lifecycle::Panicked => TaskState::Finished,
            Lifecycle::Cancelled => TaskState::Cancelled,
        }
    }

    pub(crate) fn loop_id(&self) -> u32 {
        self.loop_id
    }

    pub(crate) fn parent(&self) -> Option<TaskId> {
        (self.parent != 0).then_some(TaskId(self.parent))
    }
}

/// A counted reference to a task, from the loop's side: the registry, a
/// `Task` handle, a ready-queue entry. `!Send`: it never leaves the loop's
/// thread, so its count needs no atomics.
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
    _not_send: PhantomData<*const ()>,
}

impl RawTask {
    /// Takes a local reference to `ptr`. The caller guarantees that the task
    /// is alive and that this is its loop's thread.
    ///
    /// # Safety
    ///
    /// `ptr` points at a live task of a loop whose thread this is.
    unsafe fn from_ptr(ptr: NonNull<Header>) -> RawTask {
        // SAFETY: the caller guarantees the task is alive.
        let header = unsafe { ptr.as_ref() };
        let local = header.local.get();
        if local == 0 {
            // The loop's side takes its shared reference again (a finished
            // task woken on its loop's thread by a waker that outlived it).
            header.state.ref_shared();
        }
        header.local.set(local.checked_add(1).expect("task reference count overflow"));
        RawTask { ptr, _not_send: PhantomData }
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` holds a reference, so the task is alive.
        unsafe { self.ptr.as_ref() }
    }

    /// The task of `waker`, if it is a task waker of the loop running here;
    /// else the waker back.
    pub(crate) fn from_waker(waker: Waker) -> Result<RawTask, Waker> {
        waker::into_task(waker)
    }

    /// Counts `waker`, which a structure of this thread keeps, as parked on
    /// its task, if it is a task waker of the loop running here; true if it
    /// did. The keeper calls [`unpark_waker`](RawTask::unpark_waker) when
    /// it lets the waker go, and must be `!Send`.
    pub(crate) fn park_waker(waker: &Waker) -> bool {
        waker::park(waker)
    }

    /// Undoes [`park_waker`](RawTask::park_waker) for a waker it counted.
    pub(crate) fn unpark_waker(waker: &Waker) {
        waker::unpark(waker);
    }

    /// True if the awaiter of the task's handle is the waker whose data is
    /// `data` (a waker that is not a task's of this loop).
    pub(crate) fn awaited_by(&self, data: *const ()) -> bool {
        let header = self.header();
        let extras = header.extras.take();
        let awaited = extras
            .as_ref()
            .and_then(|extras| extras.join_waker.as_ref())
            .is_some_and(|waker| std::ptr::eq(waker.data(), data));
        header.extras.set(extras);
        awaited
    }

    /// True if the task has ended.
    pub(crate) fn is_done(&self) -> bool {
        self.header().is_done()
    }

    /// True if only this thread can wake the task: it waits (not queued, not
    /// running, not ended) and every waker of it is parked in a structure
    /// of this thread, or it has none.
    pub(crate) fn is_stuck(&self) -> bool {
        let header = self.header();
        header.lifecycle.get() == Lifecycle::Idle
            && !header.state.is_scheduled()
            && header.state.shared_refs() == header.parked.get() as usize
    }

    /// The address of the task, which its wakers also carry (for the sleep
    /// deadlines of the dumps).
    pub(crate) fn addr(&self) -> *const () {
        self.ptr.as_ptr().cast()
    }

    /// Clears `SCHEDULED` as the loop takes the task up; false if it was
    /// clear.
    pub(crate) fn take_scheduled(&self) -> bool {
        self.header().state.take_scheduled()
    }

    /// Runs one step, if the task is idle: drops its future if a cancel was
    /// asked for, else polls it (with the task's own waker). On an end, the
    /// output is kept for the handle or dropped, and what nobody will ever
    /// see (a panic of a detached task, a panicking destructor) goes to
    /// `report`. The caller marks the task current around the call.
    pub(crate) fn step(&self, report: &dyn Report) -> Step {
        let header = self.header();
        if header.lifecycle.get() != Lifecycle::Idle {
            return Step::Skipped;
        }
        // SAFETY: `ptr` points at a live task (we hold a reference) whose
        // vtable matches its type, and this is the loop's thread.
        unsafe { (header.vtable.step)(self.ptr, report) }
    }

    /// Ends an unfinished task as cancelled without polling it (the loop is
    /// closing); false if it was not idle.
    pub(crate) fn abort(&self, report: &dyn Report) -> bool {
        let header = self.header();
        if header.lifecycle.get() != Lifecycle::Idle {
            return false;
        }
        header.set_flag(CANCEL_REQUESTED, true);
        // SAFETY: as in `step`.
        let step = unsafe { (header.vtable.step)(self.ptr, report) };
        debug_assert!(matches!(step, Step::Ended));
        true
    }

    /// Asks for the task to be cancelled (asyncio's `Task.cancel()`): it
    /// ends when the loop next takes it up, without being polled again.
    /// False if it already ended.
    pub(crate) fn cancel(&self) -> bool {
        let header = self.header();
        if header.is_done() {
            return false;
        }
        if !header.flag(CANCEL_REQUESTED) {
            header.set_flag(CANCEL_REQUESTED, true);
            self.wake();
        }
        true
    }

    /// Queues the task as a wake-up through its waker would.
    pub(crate) fn wake(&self) {
        waker::wake_task(self.ptr);
    }

    /// Wakes whoever awaits the task's handle.
    pub(crate) fn wake_awaiter(&self) {
        let (joiner, waker) = self.take_awaiter();
        if let Some(joiner) = joiner {
            joiner.wake();
        }
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Forgets the awaiter: the handle it awaited is gone.
    pub(crate) fn clear_awaiter(&self) {
        drop(self.take_awaiter());
    }

    /// The awaiter: a task of this loop, or another waker.
    fn take_awaiter(&self) -> (Option<RawTask>, Option<Waker>) {
        let header = self.header();
        let joiner = header.joiner.take();
        let waker = header.extras.take().and_then(|mut extras| {
            let waker = extras.join_waker.take();
            header.extras.set(Some(extras));
            waker
        });
        (joiner, waker)
    }

    /// Takes the done callbacks, to schedule them.
    pub(crate) fn take_callbacks(&self) -> Vec<DoneCallback> {
        let header = self.header();
        let extras = header.extras.take();
        match extras {
            Some(mut extras) => {
                let callbacks = std::mem::take(&mut extras.callbacks);
                header.extras.set(Some(extras));
                callbacks
            }
            None => Vec::new(),
        }
    }

    /// Keeps `callback` for when the task ends.
    pub(crate) fn add_done_callback(&self, callback: DoneCallback) {
        self.header().with_extras(|extras| extras.callbacks.push(callback));
    }

    /// Registers `waker` as the awaiter's.
    pub(crate) fn set_awaiter(&self, waker: &Waker) {
        let header = self.header();
        if let Some(joiner) = waker::task_of(waker) {
            let old = header.joiner.replace(Some(joiner));
            drop(old);
            return;
        }
        let old = header.joiner.take();
        drop(old);
        header.with_extras(|extras| match &extras.join_waker {
            Some(old) if old.will_wake(waker) => {}
            _ => extras.join_waker = Some(waker.clone()),
        });
    }

    /// The `Task` handle is gone: the task is detached. If it had already
    /// ended, its output is dropped now; an error in it, which nobody will
    /// retrieve, is handed back to be reported.
    pub(crate) fn handle_dropped(&self, report: &dyn Report) {
        let header = self.header();
        header.set_flag(HANDLE_ALIVE, false);
        if header.is_done() {
            // SAFETY: as in `step`.
            unsafe { (header.vtable.drop_output)(self.ptr, report) };
        }
    }
}

/// A loop-side reference that knows the task's output type: what the public
/// `Task<T>` handle holds. Only [`spawn`] makes one, with the future's
/// output type, so taking the output is safe.
pub(crate) struct TaskRef<T> {
    raw: RawTask,
    _output: PhantomData<fn() -> T>,
}

impl<T> TaskRef<T> {
    pub(crate) fn raw(&self) -> &RawTask {
        &self.raw
    }

    /// Moves the output out, if the task ended and it was not taken.
    pub(crate) fn take_output(&self) -> Option<Result<T, TaskError>> {
        let header = self.raw.header();
        if !header.is_done() {
            return None;
        }
        let mut out: Option<Result<T, TaskError>> = None;
        // SAFETY: a `TaskRef<T>` is made only by `spawn` for a future whose
        // output is `T`, which is what the vtable's `take_output` writes
        // through the pointer; on the loop's thread (`RawTask` is `!Send`).
        unsafe {
            (header.vtable.take_output)(self.raw.ptr, (&mut out as *mut Option<Result<T, TaskError>>).cast())
        };
        out
    }
}

impl<T> Clone for TaskRef<T> {
    fn clone(&self) -> TaskRef<T> {
        TaskRef { raw: self.raw.clone(), _output: PhantomData }
    }
}

impl Clone for RawTask {
    fn clone(&self) -> RawTask {
        // SAFETY: we hold a reference, so the task is alive, and a `RawTask`
        // lives on its loop's thread.
        unsafe { RawTask::from_ptr(self.ptr) }
    }
}

impl Drop for RawTask {
    fn drop(&mut self) {
        let header = self.header();
        let local = header.local.get() - 1;
        header.local.set(local);
        if local == 0 && header.state.unref_loop() {
            // SAFETY: the last reference of any kind is gone.
            unsafe { raw::dealloc(self.ptr) };
        }
    }
}

impl fmt::Debug for RawTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawTask").field("id", &self.header().id).finish_non_exhaustive()
    }
}

/// A shared reference to a task, as the loop's injection queue holds it:
/// `Send`, made by a wake from another thread (or from the loop's thread
/// while its loop is not running).
pub(crate) struct Notified {
    ptr: NonNull<Header>,
}

// SAFETY: a `Notified` only reads the immutable `loop_id` and uses the
// atomic state word until it becomes a `RawTask`, which `into_local` allows
// only on the loop's thread; dropping it may free the cell, which is then
// `Send` inside (see the module's `# Safety`).
unsafe impl Send for Notified {}

impl Notified {
    /// The loop this task belongs to.
    pub(crate) fn loop_id(&self) -> u32 {
        // SAFETY: a `Notified` holds a shared reference; `loop_id` is
        // immutable, so reading it from any thread is fine.
        unsafe { self.ptr.as_ref() }.loop_id
    }

    /// The task, as a loop-side reference, if this thread runs its loop;
    /// else `self` back.
    pub(crate) fn into_local(self) -> Result<RawTask, Notified> {
        if here::get() != self.loop_id() {
            return Err(self);
        }
        let ptr = self.ptr;
        std::mem::forget(self);
        // SAFETY: the task is alive (the `Notified` we consumed held a
        // reference) and its loop runs on this thread.
        let task = unsafe { RawTask::from_ptr(ptr) };
        // The `Notified`'s shared reference goes: the loop's side has one.
        // SAFETY: as above.
        let header = unsafe { ptr.as_ref() };
        let last = header.state.unref_shared();
        debug_assert!(!last, "the loop's side holds a shared reference");
        Ok(task)
    }
}

impl fmt::Debug for Notified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").field("loop", &self.loop_id()).finish_non_exhaustive()
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        // SAFETY: we hold a shared reference, so the task is alive.
        let header = unsafe { self.ptr.as_ref() };
        if header.state.unref_shared() {
            // SAFETY: the last reference of any kind is gone.
            unsafe { raw::dealloc(self.ptr) };
        }
    }
}

/// What a step did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// The task was not idle (already running or ended): nothing happened.
    Skipped,
    /// The future waits for a wake-up.
    Pending,
    /// The task ended; its future is dropped.
    Ended,
}

/// Where a step reports what nobody else will see.
pub(crate) trait Report {
    /// A panic outside any awaiter's reach: in the future's destructor, or
    /// in the destructor of an output nobody took.
    fn panic(&self, message: &str, task: &Header, payload: &(dyn Any + Send));
    /// The error of a task whose handle is gone (reported if a panic).
    fn unretrieved(&self, task: &Header, error: &TaskError);
}

/// The loop that runs on this thread, as the cell sees it: the id that
/// lets a [`Notified`] become a [`RawTask`].
pub(crate) mod here {
    use std::cell::Cell;

    thread_local! {
        static LOOP_HERE: Cell<u32> = const { Cell::new(0) };
    }

    /// The id of the loop running on this thread; 0 for none.
    pub(crate) fn get() -> u32 {
        LOOP_HERE.try_with(Cell::get).unwrap_or(0)
    }

    /// Records that the loop `id` runs here (0: none); returns the previous
    /// value, to put back.
    pub(crate) fn set(id: u32) -> u32 {
        LOOP_HERE.try_with(|here| here.replace(id)).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests;
