//! `Task<T>`: the handle to a task, asyncio's `Task` object.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::TaskError;
use crate::runtime::context;
use crate::runtime::exception::DefaultReport;
use crate::runtime::task::cell::{here, Lifecycle, RawTask, TaskRef};
use crate::runtime::task::info::{TaskId, TaskInfo, WaitingOn};

/// A handle to a task made by [`create_task`](crate::create_task).
///
/// Awaiting it gives the task's output, or a [`TaskError`] if the task was
/// cancelled or panicked.
///
/// Dropping a handle that was never awaited **detaches** the task, which
/// runs on (as in asyncio, unlike smol). Dropping a handle **while it is
/// awaited** — after it was polled and before the task ended — **cancels**
/// the task: in asyncio, cancelling the awaiter cancels the task it awaits,
/// so a [`wait_for`](crate::wait_for) that times out, or a dropped
/// [`gather`](fn@crate::gather) of tasks, cancels them. To await a task
/// without that, await it through [`shield`](crate::shield). A panic in a
/// detached task is reported to the loop's exception handler ("Task
/// exception was never retrieved").
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let slow = corio::create_task(corio::sleep(Duration::from_secs(3600)));
///     let id = slow.id();
///     assert!(corio::wait_for(Duration::from_millis(1), slow).await.is_err());
///     // The timeout dropped the awaited handle: the task was cancelled.
///     assert!(corio::all_tasks().iter().all(|task| task.id() != id));
/// });
/// ```
///
/// `Task` is `!Send`: it belongs to its loop's thread.
///
/// ```compile_fail
/// fn assert_send<T: Send>(_: T) {}
/// corio::run(async { assert_send(corio::create_task(async {})) });
/// ```
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let task = corio::create_task_named("adder", async { 1 + 2 });
///     assert_eq!(task.name(), "adder");
///     assert!(!task.done());
///     assert_eq!(task.await.unwrap(), 3);
/// });
/// ```
pub struct Task<T: 'static> {
    /// `!Send`, so the handle is too.
    task: TaskRef<T>,
    /// False for the temporary handles lent to done callbacks: dropping
    /// those does not detach the task.
    owner: bool,
    /// Polled and found pending: dropping the handle now cancels the task.
    awaited: bool,
}

impl<T: 'static> Task<T> {
    pub(crate) fn new(task: TaskRef<T>) -> Task<T> {
        Task { task, owner: true, awaited: false }
    }

    fn for_callback(task: TaskRef<T>) -> Task<T> {
        Task { task, owner: false, awaited: false }
    }

    /// Polls for the output without counting as an awaiter: what `shield`
    /// does, so that dropping it leaves the task running.
    pub(crate) fn poll_shielded(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>> {
        if let Some(result) = self.take_output() {
            return Poll::Ready(result);
        }
        if self.done() {
            panic!("`Task` polled after its result was taken");
        }
        // Its loop must be the one running here, or nothing would ever
        // finish it: the waiting would be for ever.
        let loop_id = self.header().loop_id();
        if here::get() != loop_id {
            panic!("{self:?} is attached to a different loop (loop {loop_id}), not the one running here");
        }
        self.task.raw().set_awaiter(cx.waker());
        context::note_waiting(WaitingOn::Task);
        Poll::Pending
    }

    fn take_output(&self) -> Option<Result<T, TaskError>> {
        self.task.take_output()
    }

    fn header(&self) -> &crate::runtime::task::cell::Header {
        self.task.raw().header()
    }

    /// Asks for the task to be cancelled (`task.cancel()`).
    ///
    /// Nothing of the task runs inside this call: its future is dropped,
    /// without being polled again, when the loop next reaches it, and a task
    /// cancelled before its first poll never runs its body. Awaiters then
    /// get a [`TaskError`] whose `is_cancelled()` is true.
    ///
    /// Returns false if the task has already ended.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::run(async {
    ///     let task = corio::create_task(async { unreachable!("never polled") });
    ///     assert!(task.cancel());
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        self.task.raw().cancel()
    }

    /// Cancels the task at once if its loop runs here and it is not running:
    /// its future is dropped before this returns. Else as
    /// [`cancel`](Task::cancel).
    pub(crate) fn cancel_now(&self) {
        let raw = self.task.raw();
        let now = context::with_current(|core| match core {
            Some(core) if core.id() == raw.header().loop_id() => core.cancel_now(raw),
            _ => false,
        });
        if !now {
            raw.cancel();
        }
    }

    /// True once the task has ended: returned, panicked or been cancelled.
    pub fn done(&self) -> bool {
        self.header().is_done()
    }

    /// True if the task ended by cancellation.
    pub fn cancelled(&self) -> bool {
        self.header().lifecycle() == Lifecycle::Cancelled
    }

    /// True if the task ended by panicking (whether or not the panic was
    /// retrieved since).
    pub(crate) fn panicked(&self) -> bool {
        self.header().lifecycle() == Lifecycle::Panicked
    }

    /// The task as the loop schedules it, for cancelling it by hand.
    pub(crate) fn raw(&self) -> RawTask {
        self.task.raw().clone()
    }

    /// The task's name: the one given, or `Task-N`.
    pub fn name(&self) -> String {
        self.header().name()
    }

    /// Renames the task.
    pub fn set_name(&self, name: impl Into<String>) {
        self.header().set_name(name.into());
    }

    /// The task's id, unique within its loop.
    pub fn id(&self) -> TaskId {
        self.header().id
    }

    /// A snapshot of the task: id, name, state and creation site.
    pub fn info(&self) -> TaskInfo {
        TaskInfo::of(self.header())
    }

    /// The task's result without waiting (`task.result()`): `None` while it
    /// runs, and after the result was taken once.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::run(async {
    ///     let task = corio::create_task(async { 5 });
    ///     assert!(task.try_result().is_none());
    ///     corio::yield_now().await;
    ///     assert_eq!(task.try_result().unwrap().unwrap(), 5);
    ///     assert!(task.try_result().is_none());
    /// });
    /// ```
    pub fn try_result(&self) -> Option<Result<T, TaskError>> {
        self.take_output()
    }

    /// Calls `callback` with the task once it ends (at once, if it has).
    ///
    /// As in asyncio, the callback never runs inside this call or inside the
    /// task's last step: it is scheduled with `call_soon`.
    ///
    /// # Panics
    ///
    /// Panics if the task has ended and its loop is not running on this
    /// thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// corio::run(async {
    ///     let seen = Rc::new(Cell::new(false));
    ///     let task = corio::create_task(async { 1 });
    ///     let flag = seen.clone();
    ///     task.add_done_callback(move |task| flag.set(task.done()));
    ///     corio::yield_now().await; // the task ends
    ///     corio::yield_now().await; // its callback runs
    ///     assert!(seen.get());
    /// });
    /// ```
    #[track_caller]
    pub fn add_done_callback(&self, callback: impl FnOnce(&Task<T>) + 'static) {
        let task = Task::for_callback(self.task.clone());
        let callback = Box::new(move || callback(&task));
        if self.done() {
            context::expect_current().call_soon(callback);
        } else {
            self.task.raw().add_done_callback(callback);
        }
    }
}

impl<T: 'static> Future for Task<T> {
    type Output = Result<T, TaskError>;

    /// # Panics
    ///
    /// Panics if polled again after it returned `Ready`, or after
    /// [`try_result`](Task::try_result) took the result.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let poll = self.poll_shielded(cx);
        self.awaited = poll.is_pending();
        poll
    }
}

impl<T: 'static> Drop for Task<T> {
    /// Cancels the task if it was being awaited — at once if its loop runs
    /// here, so its destructors run before the awaiter's code goes on, as
    /// in asyncio, where a cancelled `wait_for` or `gather` waits for the
    /// cancellation of what it awaited; detaches it otherwise.
    fn drop(&mut self) {
        if self.owner {
            let raw = self.task.raw();
            // Nobody awaits the handle any more: its end must not wake the
            // task that dropped it.
            raw.clear_awaiter();
            if self.awaited {
                self.cancel_now();
            }
            context::with_current(|core| match core {
                Some(core) => self.task.raw().handle_dropped(core.exceptions()),
                None => self.task.raw().handle_dropped(&DefaultReport),
            });
        }
    }
}

impl<T: 'static> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = self.header();
        f.debug_struct("Task")
            .field("id", &header.id)
            .field("name", &header.name())
            .field("state", &header.state())
            .finish()
    }
}
