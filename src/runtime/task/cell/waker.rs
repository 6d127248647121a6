//! A task's `Waker`: a pointer to its header and one static vtable for all
//! tasks. Each `Waker` holds a shared reference (see `state.rs`); the one
//! the loop lends for a poll holds none and is never dropped.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::{here, raw, Header, Notified, RawTask};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// A waker for one poll of the task at `ptr`, borrowing the loop's
/// reference instead of taking one of its own: it must not outlive the poll,
/// and is never dropped (`ManuallyDrop`). Clones of it are ordinary wakers.
pub(super) fn borrowed(ptr: NonNull<Header>) -> ManuallyDrop<Waker> {
    // SAFETY: the vtable's functions are sound for a pointer to a live
    // header; this waker holds no reference and is never dropped, so its
    // `drop_waker` never runs; it lives only for the poll, while the loop's
    // reference keeps the task alive.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(ptr.as_ptr().cast(), &VTABLE)) })
}

/// Wakes the task at `ptr`, which the caller holds a reference to.
pub(super) fn wake_task(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the task alive; `wake_by_ref`
    // takes no reference over.
    unsafe { wake_by_ref(ptr.as_ptr().cast()) }
}

/// Counts `waker` as parked (see [`RawTask::park_waker`]) if it is a task
/// waker of the loop running here; true if it did.
pub(super) fn park(waker: &Waker) -> bool {
    if !std::ptr::eq(waker.vtable(), &VTABLE) {
        return false;
    }
    // SAFETY: a waker of this vtable points at a live task.
    let header = unsafe { header(waker.data()) };
    if here::get() != header.loop_id {
        return false;
    }
    header.parked.set(header.parked.get().checked_add(1).expect("parked waker count overflow"));
    true
}

/// Undoes [`park`] for a waker it counted, on the same thread.
pub(super) fn unpark(waker: &Waker) {
    debug_assert!(std::ptr::eq(waker.vtable(), &VTABLE));
    // SAFETY: a waker of this vtable points at a live task. Its loop's
    // thread is this one: `park` checked, and the holder is `!Send`.
    let header = unsafe { header(waker.data()) };
    debug_assert!(header.parked.get() > 0, "a task waker unparked twice");
    header.parked.set(header.parked.get() - 1);
}

/// The task `waker` wakes, if it is a task waker of the loop running here.
pub(super) fn task_of(waker: &Waker) -> Option<RawTask> {
    if !std::ptr::eq(waker.vtable(), &VTABLE) {
        return None;
    }
    // SAFETY: a waker of this vtable points at a live task.
    let header = unsafe { header(waker.data()) };
    if here::get() != header.loop_id {
        return None;
    }
    // SAFETY: the task is alive (the waker's reference) and its loop runs
    // on this thread.
    Some(unsafe { RawTask::from_ptr(ptr(waker.data())) })
}

/// See [`RawTask::from_waker`].
pub(super) fn into_task(waker: Waker) -> Result<RawTask, Waker> {
    if !std::ptr::eq(waker.vtable(), &VTABLE) {
        return Err(waker);
    }
    // SAFETY: a waker of this vtable points at a live task (it holds a
    // reference to it).
    let header = unsafe { header(waker.data()) };
    if here::get() != header.loop_id {
        return Err(waker);
    }
    // SAFETY: the task is alive (the waker's reference), and its loop runs
    // on this thread; the waker's reference goes when it drops below.
    Ok(unsafe { RawTask::from_ptr(ptr(waker.data())) })
}

/// The header a waker's data points at.
///
/// # Safety
///
/// `data` comes from a waker of this vtable, whose task is alive (the waker
/// holds a reference, or is the borrowed one during a poll).
unsafe fn header<'a>(data: *const ()) -> &'a Header {
    // SAFETY: see above.
    unsafe { &*data.cast::<Header>() }
}

fn ptr(data: *const ()) -> NonNull<Header> {
    NonNull::new(data.cast_mut().cast::<Header>()).expect("a task waker points at its task")
}

unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: `data` is a live task's header (this waker keeps it alive).
    unsafe { header(data) }.state.ref_shared();
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake(data: *const ()) {
    // SAFETY: as in `clone`; this waker's reference is consumed below.
    let header = unsafe { header(data) };
    if here::get() == header.loop_id {
        // On the loop's thread while it runs: queue it locally, then let
        // the waker's reference go.
        // SAFETY: as in `wake_by_ref`.
        unsafe { wake_local(data) };
        // SAFETY: the waker's own reference, released once.
        unsafe { drop_waker(data) };
        return;
    }
    if header.state.schedule_by_value() {
        // The waker's reference passes to the injection entry.
        (header.vtable.push_remote)(Notified { ptr: ptr(data) });
    } else {
        // SAFETY: as above.
        unsafe { drop_waker(data) };
    }
}

unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: as in `clone`.
    let header = unsafe { header(data) };
    if here::get() == header.loop_id {
        // SAFETY: the task is alive and its loop runs on this thread.
        unsafe { wake_local(data) };
    } else if header.state.schedule_shared() {
        // `schedule_shared` took the entry's reference.
        (header.vtable.push_remote)(Notified { ptr: ptr(data) });
    }
}

/// Queues the task on its loop's ready queue, unless it is queued already
/// or has ended.
///
/// # Safety
///
/// The task is alive and its loop runs on this thread.
unsafe fn wake_local(data: *const ()) {
    // SAFETY: as the caller guarantees.
    let header = unsafe { header(data) };
    if header.is_done() || !header.state.schedule_local() {
        return;
    }
    // SAFETY: as the caller guarantees.
    (header.vtable.push_local)(unsafe { RawTask::from_ptr(ptr(data)) });
}

unsafe fn drop_waker(data: *const ()) {
    // SAFETY: as in `clone`; this waker's reference is released here.
    if unsafe { header(data) }.state.unref_shared() {
        // SAFETY: the last reference of any kind is gone.
        unsafe { raw::dealloc(ptr(data)) };
    }
}
