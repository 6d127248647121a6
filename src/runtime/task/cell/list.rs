//! The registry's list of live tasks, linked through their headers: no
//! allocation per task, O(1) removal, creation order for the dumps.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;

use super::{Header, RawTask, LINKED};

/// Every live task of a loop, in creation order. The list holds one local
/// reference per member (a `RawTask` it keeps as its links), so a linked
/// header is alive. Its owner drains it before dropping it (the loop does,
/// when it closes); a list dropped with members leaks them, never frees
/// them early.
#[derive(Debug, Default)]
pub(crate) struct TaskList {
    head: Option<NonNull<Header>>,
    tail: Option<NonNull<Header>>,
    len: usize,
}

impl TaskList {
    /// Links `task` at the back; the list keeps the reference.
    pub(crate) fn push_back(&mut self, task: RawTask) {
        let task = ManuallyDrop::new(task);
        let header = task.header();
        debug_assert!(!header.flag(LINKED));
        header.set_flag(LINKED, true);
        header.prev.set(self.tail);
        header.next.set(None);
        match self.tail {
            // SAFETY: a linked header is alive (the list holds a reference).
            Some(tail) => unsafe { tail.as_ref() }.next.set(Some(task.ptr)),
            None => self.head = Some(task.ptr),
        }
        self.tail = Some(task.ptr);
        self.len += 1;
    }

    /// Unlinks `task`; returns the list's reference to it, or `None` if it
    /// was not linked (it ended already, or the list was drained).
    pub(crate) fn remove(&mut self, task: &RawTask) -> Option<RawTask> {
        let header = task.header();
        if !header.flag(LINKED) {
            return None;
        }
        header.set_flag(LINKED, false);
        let (prev, next) = (header.prev.take(), header.next.take());
        match prev {
            // SAFETY: linked neighbours are alive.
            Some(prev) => unsafe { prev.as_ref() }.next.set(next),
            None => self.head = next,
        }
        match next {
            // SAFETY: as above.
            Some(next) => unsafe { next.as_ref() }.prev.set(prev),
            None => self.tail = prev,
        }
        self.len -= 1;
        // The list's reference, which `push_back` kept.
        Some(RawTask { ptr: task.ptr, _not_send: std::marker::PhantomData })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// A reference to every member, in creation order.
    pub(crate) fn to_vec(&self) -> Vec<RawTask> {
        let mut tasks = Vec::with_capacity(self.len);
        let mut at = self.head;
        while let Some(ptr) = at {
            // SAFETY: a linked header is alive, and this is the loop's thread
            // (the list lives in the loop's `!Send` core).
            let task = unsafe { RawTask::from_ptr(ptr) };
            at = task.header().next.get();
            tasks.push(task);
        }
        tasks
    }

    /// Unlinks every member; returns the list's references.
    pub(crate) fn drain(&mut self) -> Vec<RawTask> {
        std::iter::from_fn(|| self.pop_front()).collect()
    }

    fn pop_front(&mut self) -> Option<RawTask> {
        // SAFETY: a linked header is alive, and this is the loop's thread.
        let head = unsafe { RawTask::from_ptr(self.head?) };
        self.remove(&head)
    }
}
