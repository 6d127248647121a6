//! The typed cell behind a [`Header`]: the future, later its output, and
//! the operations that know their types, reached through the header's
//! [`Vtable`].

use std::cell::{Cell, UnsafeCell};
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use super::{
    waker, Header, Lifecycle, Notified, RawTask, Report, StageKind, Step, TaskRef, CANCEL_REQUESTED,
    HANDLE_ALIVE,
};
use crate::error::TaskError;
use crate::runtime::task::info::TaskId;
use crate::runtime::task::state::State;

/// Where a woken task goes: the loop's side of the wake path, as a type so
/// the cell can be tested with a queue of its own.
pub(crate) trait Schedule: 'static {
    /// Queues a task woken on its loop's thread while the loop runs there.
    fn push_local(task: RawTask);
    /// Hands a task woken anywhere else to its loop; drops it if the loop
    /// is gone.
    fn push_remote(task: Notified);
}

/// The operations of one cell type.
pub(super) struct Vtable {
    /// One step: polls the future, or drops it if a cancel was asked for.
    pub(super) step: unsafe fn(NonNull<Header>, &dyn Report) -> Step,
    /// Writes the output, if not taken yet, to a `*mut Option<Result<T,
    /// TaskError>>`.
    pub(super) take_output: unsafe fn(NonNull<Header>, *mut ()),
    /// Drops the output nobody will take, reporting what it held.
    pub(super) drop_output: unsafe fn(NonNull<Header>, &dyn Report),
    /// Frees the allocation.
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    pub(super) push_local: fn(RawTask),
    pub(super) push_remote: fn(Notified),
}

/// The future, later the output: one place for both (they are never alive
/// together), with [`Header::stage`] telling which, if either, it holds.
union Stage<F: Future> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<Result<F::Output, TaskError>>,
}

#[repr(C)]
struct TaskCell<F: Future, S> {
    header: Header,
    stage: UnsafeCell<Stage<F>>,
    _schedule: PhantomData<S>,
}

impl<F: Future + 'static, S: Schedule> TaskCell<F, S> {
    const VTABLE: Vtable = Vtable {
        step: step::<F, S>,
        take_output: take_output::<F, S>,
        drop_output: drop_output::<F, S>,
        dealloc: dealloc_cell::<F, S>,
        push_local: S::push_local,
        push_remote: S::push_remote,
    };

    /// The cell behind `ptr`.
    ///
    /// # Safety
    ///
    /// `ptr` points at a live `TaskCell<F, S>` (its vtable says so).
    unsafe fn from_header<'a>(ptr: NonNull<Header>) -> &'a TaskCell<F, S> {
        // SAFETY: the header is the first field of a `#[repr(C)]` cell, so
        // the pointers are the same; the caller guarantees the type.
        unsafe { ptr.cast::<TaskCell<F, S>>().as_ref() }
    }

    /// The future, pinned where it lives.
    ///
    /// # Safety
    ///
    /// On the loop's thread, with the stage holding the future, and no other
    /// reference to the stage alive: the stage is touched only inside the
    /// vtable's functions, which never run inside one another (the handle's
    /// methods check the lifecycle first).
    #[allow(clippy::mut_from_ref)]
    unsafe fn future(&self) -> Pin<&mut F> {
        debug_assert_eq!(self.header.stage.get(), StageKind::Future);
        // SAFETY: see above; the future lives in the allocation, which never
        // moves, and is only dropped in place, so it stays pinned.
        unsafe { Pin::new_unchecked(&mut *(*self.stage.get()).future) }
    }

    /// Drops the future in place; the stage is empty after, even if its
    /// destructor panics.
    ///
    /// # Safety
    ///
    /// As for [`future`](Self::future).
    unsafe fn drop_future(&self) {
        debug_assert_eq!(self.header.stage.get(), StageKind::Future);
        self.header.stage.set(StageKind::Empty);
        // SAFETY: the stage held the future (now marked gone, so it is
        // dropped once); it is dropped where it lives.
        unsafe { ManuallyDrop::drop(&mut (*self.stage.get()).future) }
    }

    /// Puts the output in the empty stage.
    ///
    /// # Safety
    ///
    /// On the loop's thread, with the stage empty.
    unsafe fn put_output(&self, result: Result<F::Output, TaskError>) {
        debug_assert_eq!(self.header.stage.get(), StageKind::Empty);
        // SAFETY: the stage is empty: writing overwrites nothing alive.
        unsafe { (*self.stage.get()).output = ManuallyDrop::new(result) };
        self.header.stage.set(StageKind::Output);
    }

    /// Takes the output out, if the stage holds it.
    ///
    /// # Safety
    ///
    /// On the loop's thread.
    unsafe fn take_stage_output(&self) -> Option<Result<F::Output, TaskError>> {
        if self.header.stage.get() != StageKind::Output {
            return None;
        }
        self.header.stage.set(StageKind::Empty);
        // SAFETY: the stage held the output, now marked gone, so it is moved
        // out once.
        Some(unsafe { ManuallyDrop::take(&mut (*self.stage.get()).output) })
    }
}

/// Makes a task of `future` for the loop `loop_id`, queued (its creator
/// must put it on the ready queue): one allocation.
pub(crate) fn spawn<F: Future + 'static, S: Schedule>(
    future: F,
    loop_id: u32,
    id: TaskId,
    parent: Option<TaskId>,
    location: &'static Location<'static>,
) -> TaskRef<F::Output> {
    let cell = Box::new(TaskCell::<F, S> {
        header: Header {
            state: State::new_scheduled(),
            vtable: &TaskCell::<F, S>::VTABLE,
            loop_id,
            joiner: Cell::new(None),
            prev: Cell::new(None),
            next: Cell::new(None),
            id,
            parent: parent.map_or(0, |parent| parent.0),
            location,
            extras: Cell::new(None),
            local: Cell::new(1),
            stage: Cell::new(StageKind::Future),
            lifecycle: Cell::new(Lifecycle::Idle),
            flags: Cell::new(HANDLE_ALIVE),
            waiting_on: Cell::new(None),
            parked: Cell::new(0),
        },
        stage: UnsafeCell::new(Stage { future: ManuallyDrop::new(future) }),
        _schedule: PhantomData,
    });
    let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
    // The local count starts at one: this reference.
    TaskRef { raw: RawTask { ptr, _not_send: PhantomData }, _output: PhantomData }
}

/// Frees a task; no reference of any kind is left.
///
/// # Safety
///
/// `ptr` points at a task with no reference left.
pub(super) unsafe fn dealloc(ptr: NonNull<Header>) {
    // SAFETY: the task is alive until now; its vtable knows its type.
    unsafe { (ptr.as_ref().vtable.dealloc)(ptr) }
}

unsafe fn dealloc_cell<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the cell was made by `Box::new` in `spawn` with this type, and
    // nothing refers to it any more. The stage is a union of
    // `ManuallyDrop`s, so freeing the box drops neither future nor output:
    // by the module's rule it is empty by now, and were it not, leaking its
    // content (possibly on a thread it must not be dropped on) is the safe
    // failure.
    let cell = unsafe { Box::from_raw(ptr.cast::<TaskCell<F, S>>().as_ptr()) };
    if cell.header.stage.get() != StageKind::Empty {
        debug_assert!(std::thread::panicking(), "a task freed with its future or output alive");
        std::mem::forget(cell);
        return;
    }
    drop(cell);
}

unsafe fn step<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>, report: &dyn Report) -> Step {
    // SAFETY: the vtable of this type calls this only for this type.
    let cell = unsafe { TaskCell::<F, S>::from_header(ptr) };
    let header = &cell.header;
    if header.flag(CANCEL_REQUESTED) {
        finish(cell, report, Err(TaskError::cancelled(Some(header.name()))));
        return Step::Ended;
    }
    header.lifecycle.set(Lifecycle::Running);
    let waker = waker::borrowed(ptr);
    let poll = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: on the loop's thread; an idle task holds its future; the
        // poll cannot reach this cell's other vtable functions (the handle's
        // methods check `lifecycle`, which says `Running`).
        unsafe { cell.future() }.poll(&mut Context::from_waker(&waker))
    }));
    match poll {
        Ok(Poll::Pending) => {
            header.lifecycle.set(Lifecycle::Idle);
            return Step::Pending;
        }
        // As in asyncio's `Task.__step`: a task cancelled during the step in
        // which it returned ends cancelled, and its value is dropped.
        Ok(Poll::Ready(value)) if header.flag(CANCEL_REQUESTED) => {
            finish(cell, report, Err(TaskError::cancelled(Some(header.name()))));
            drop_reporting(value, header, report);
        }
        Ok(Poll::Ready(value)) => finish(cell, report, Ok(value)),
        Err(payload) => finish(cell, report, Err(TaskError::panic(payload, Some(header.name())))),
    }
    Step::Ended
}

/// Ends the task: drops the future in place, then keeps the result for the
/// handle, or drops it (reporting an error nobody will see).
fn finish<F: Future + 'static, S: Schedule>(
    cell: &TaskCell<F, S>,
    report: &dyn Report,
    result: Result<F::Output, TaskError>,
) {
    let header = &cell.header;
    // `Running` keeps the handle's methods off the stage while the future's
    // destructor (user code) runs.
    header.lifecycle.set(Lifecycle::Running);
    // SAFETY: on the loop's thread; the task was idle or running, so the
    // stage holds the future; no other stage reference is alive.
    let dropped = catch_unwind(AssertUnwindSafe(|| unsafe { cell.drop_future() }));
    if let Err(payload) = dropped {
        report.panic("Exception in task destructor", header, &*payload);
    }
    header.lifecycle.set(match &result {
        Ok(_) => Lifecycle::Finished,
        Err(err) if err.is_cancelled() => Lifecycle::Cancelled,
        Err(_) => Lifecycle::Panicked,
    });
    if header.flag(HANDLE_ALIVE) {
        // SAFETY: on the loop's thread; the stage is empty now.
        unsafe { cell.put_output(result) };
        return;
    }
    match result {
        Ok(value) => drop_reporting(value, header, report),
        Err(err) => report.unretrieved(header, &err),
    }
}

/// Drops a value nobody will take; a panic in its destructor is reported.
fn drop_reporting<T>(value: T, header: &Header, report: &dyn Report) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        report.panic("Exception in the destructor of a task's result", header, &*payload);
    }
}

unsafe fn take_output<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>, out: *mut ()) {
    // SAFETY: the vtable of this type calls this only for this type.
    let cell = unsafe { TaskCell::<F, S>::from_header(ptr) };
    // SAFETY: on the loop's thread (the handle is `!Send`), outside any
    // other vtable function.
    if let Some(result) = unsafe { cell.take_stage_output() } {
        // SAFETY: the caller passes a valid `*mut Option<Result<F::Output,
        // TaskError>>` (`TaskRef::take_output`, of the output's type).
        unsafe { *out.cast::<Option<Result<F::Output, TaskError>>>() = Some(result) };
    }
}

unsafe fn drop_output<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>, report: &dyn Report) {
    // SAFETY: the vtable of this type calls this only for this type.
    let cell = unsafe { TaskCell::<F, S>::from_header(ptr) };
    // SAFETY: on the loop's thread, outside any other vtable function.
    match unsafe { cell.take_stage_output() } {
        Some(Ok(value)) => drop_reporting(value, &cell.header, report),
        Some(Err(err)) => report.unretrieved(&cell.header, &err),
        None => {}
    }
}
