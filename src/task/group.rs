//! `TaskGroup`: structured concurrency, asyncio's `asyncio.TaskGroup`.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;

use std::task::Poll;

use super::handle::Task;
use crate::error::TaskError;
use crate::runtime::context;
use crate::runtime::task::cell::RawTask;
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{WaitQueue, Waiter};

/// A group of tasks that fail together: `async with asyncio.TaskGroup()`.
///
/// Tasks are added with [`create_task`](TaskGroup::create_task); their
/// futures return `Result<T, E>`. The first task to return `Err` or to panic
/// cancels every other task of the group, and tasks created after that are
/// cancelled at once. [`wait`](TaskGroup::wait) waits for every task and
/// returns all the errors together, as asyncio raises an `ExceptionGroup`.
/// Dropping the group without waiting cancels its tasks.
///
/// A task whose future returned `Err(e)` hands `e` to the group, and its own
/// handle reports it as cancelled; likewise for a panic, whose payload goes
/// to the group.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let group = corio::TaskGroup::new();
///     let fine = group.create_task(async { Ok::<_, String>(1) });
///     let slow = group.create_task(async {
///         corio::sleep(Duration::from_secs(3600)).await;
///         Ok(2)
///     });
///     group.create_task(async {
///         corio::sleep(Duration::from_millis(1)).await;
///         Err::<(), _>("broken".to_owned())
///     });
///     let err = group.wait().await.unwrap_err();
///     assert_eq!(err.errors(), ["broken".to_owned()]);
///     assert_eq!(fine.await.unwrap(), 1);
///     assert!(slow.await.unwrap_err().is_cancelled());
/// });
/// ```
pub struct TaskGroup<E: 'static> {
    inner: Rc<GroupInner<E>>,
}

struct GroupInner<E> {
    members: RefCell<Vec<RawTask>>,
    errors: RefCell<Vec<E>>,
    panics: RefCell<Vec<TaskError>>,
    /// A failure happened; the abort is scheduled for the next turn.
    abort_scheduled: Cell<bool>,
    /// The abort ran: members were cancelled, and new ones are at once.
    failed: Cell<bool>,
    running: Cell<usize>,
    all_done: WaitQueue,
}

impl<E: 'static> TaskGroup<E> {
    /// An empty group.
    pub fn new() -> TaskGroup<E> {
        TaskGroup {
            inner: Rc::new(GroupInner {
                members: RefCell::new(Vec::new()),
                errors: RefCell::new(Vec::new()),
                panics: RefCell::new(Vec::new()),
                abort_scheduled: Cell::new(false),
                failed: Cell::new(false),
                running: Cell::new(0),
                all_done: WaitQueue::new(),
            }),
        }
    }

    /// Runs `future` as a task of the group (`tg.create_task(coro)`).
    ///
    /// # Panics
    ///
    /// Panics with "no running event loop" outside a running loop.
    #[track_caller]
    pub fn create_task<F, T>(&self, future: F) -> Task<T>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: 'static,
    {
        let member = Member::new(self.inner.clone());
        let member_task = async move {
            let _member = member;
            let mut future = pin!(future);
            let outcome = std::future::poll_fn(|cx| {
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(Poll::Ready(result)) => Poll::Ready(result.map_err(Failure::Err)),
                    Ok(Poll::Pending) => Poll::Pending,
                    Err(payload) => Poll::Ready(Err(Failure::Panic(TaskError::panic(payload, None)))),
                }
            })
            .await;
            match outcome {
                Ok(value) => value,
                Err(failure) => {
                    _member.group.fail(failure);
                    // A task cancelled during its last step ends cancelled,
                    // so the handle reports a cancellation, as the contract
                    // asks; the future never finishes.
                    cancel_current_task();
                    std::future::pending().await
                }
            }
        };
        // A group that already failed cancels a new member before it runs
        // any of it, even on a loop whose tasks start eagerly.
        let task = if self.inner.failed.get() {
            let task = crate::task::spawn::create_task_next_turn(member_task);
            task.cancel();
            task
        } else {
            crate::create_task(member_task)
        };
        self.inner.members.borrow_mut().push(task.raw());
        task
    }

    /// Waits for every task of the group.
    ///
    /// # Errors
    ///
    /// [`TaskGroupError`] with every `Err` and panic of the group's tasks.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the group, which cancels its tasks.
    pub async fn wait(self) -> Result<(), TaskGroupError<E>> {
        let inner = &self.inner;
        if inner.running.get() > 0 {
            let mut waiter = Waiter::new(&inner.all_done, WaitingOn::TaskGroup);
            std::future::poll_fn(|cx| waiter.poll(cx)).await;
        }
        let errors = inner.errors.take();
        let panics = inner.panics.take();
        if errors.is_empty() && panics.is_empty() {
            Ok(())
        } else {
            Err(TaskGroupError { errors, panics })
        }
    }
}

impl<E: 'static> Default for TaskGroup<E> {
    fn default() -> TaskGroup<E> {
        TaskGroup::new()
    }
}

impl<E: 'static> Drop for TaskGroup<E> {
    fn drop(&mut self) {
        self.inner.cancel_members();
    }
}

impl<E: 'static> fmt::Debug for TaskGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("running", &self.inner.running.get())
            .field("failed", &self.inner.failed.get())
            .finish()
    }
}

enum Failure<E> {
    Err(E),
    Panic(TaskError),
}

impl<E: 'static> GroupInner<E> {
    /// Records a failure and schedules the abort. As in asyncio, where the
    /// group hears of a task's end through a done callback, the other tasks
    /// are cancelled on the next turn: members already scheduled in this
    /// turn still run, and may fail too.
    fn fail(self: &Rc<Self>, failure: Failure<E>) {
        match failure {
            Failure::Err(err) => self.errors.borrow_mut().push(err),
            Failure::Panic(panic) => self.panics.borrow_mut().push(panic),
        }
        if !self.abort_scheduled.replace(true) {
            let group = self.clone();
            crate::call_soon(move || {
                group.failed.set(true);
                group.cancel_members();
            });
        }
    }
}

impl<E> GroupInner<E> {
    fn cancel_members(&self) {
        let members = self.members.borrow().clone();
        for member in members {
            member.cancel();
        }
    }
}

/// Counts a running task of the group; dropped when the task's future is
/// dropped, whether it finished or was cancelled.
struct Member<E> {
    group: Rc<GroupInner<E>>,
}

impl<E> Member<E> {
    fn new(group: Rc<GroupInner<E>>) -> Member<E> {
        group.running.set(group.running.get() + 1);
        Member { group }
    }
}

impl<E> Drop for Member<E> {
    fn drop(&mut self) {
        let running = self.group.running.get() - 1;
        self.group.running.set(running);
        if running == 0 {
            self.group.all_done.notify_all();
        }
    }
}

/// Marks the running task cancelled, so that it ends when it next yields.
fn cancel_current_task() {
    if let Some(task) = context::with_current(|core| core.and_then(|core| core.current_task_raw())) {
        task.cancel();
    }
}

/// The errors of a [`TaskGroup`]'s tasks: asyncio's `ExceptionGroup`.
pub struct TaskGroupError<E> {
    errors: Vec<E>,
    panics: Vec<TaskError>,
}

impl<E> TaskGroupError<E> {
    /// The `Err`s the tasks returned, in the order they failed.
    pub fn errors(&self) -> &[E] {
        &self.errors
    }

    /// The panics of the tasks, in the order they happened.
    pub fn panics(&self) -> &[TaskError] {
        &self.panics
    }

    /// The errors and the panics.
    pub fn into_parts(self) -> (Vec<E>, Vec<TaskError>) {
        (self.errors, self.panics)
    }
}

impl<E: fmt::Debug> fmt::Debug for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupError").field("errors", &self.errors).field("panics", &self.panics).finish()
    }
}

impl<E: fmt::Display> fmt::Display for TaskGroupError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.errors.len() + self.panics.len();
        write!(f, "{count} task(s) of the group failed")?;
        let first = self
            .errors
            .first()
            .map(ToString::to_string)
            .or_else(|| self.panics.first().map(ToString::to_string));
        if let Some(first) = first {
            write!(f, "; the first: {first}")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for TaskGroupError<E> {}
