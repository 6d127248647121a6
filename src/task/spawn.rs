//! `create_task`: wrap a future in a task on the running loop.

use std::future::Future;
use std::panic::Location;

use super::handle::Task;
use crate::runtime::context;
use crate::runtime::core::Start;
use crate::runtime::event_loop::EventLoop;

/// Runs `future` as a task on the running loop: `asyncio.create_task`.
///
/// The task starts on the loop's next turn, not inside this call. The future
/// must be `'static` but need not be `Send`. Dropping the returned [`Task`]
/// detaches it: the task runs on.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop, and with
/// "event loop is closed" on a closed one.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let task = corio::create_task(async {
///         corio::sleep(Duration::from_millis(1)).await;
///         "done"
///     });
///     assert_eq!(task.await.unwrap(), "done");
/// });
/// ```
#[track_caller]
pub fn create_task<F: Future + 'static>(future: F) -> Task<F::Output> {
    spawn(future, None, Location::caller(), Start::AsConfigured)
}

/// As [`create_task`], with a name (`asyncio.create_task(coro, name=…)`).
///
/// # Panics
///
/// As [`create_task`].
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let task = corio::create_task_named("worker-1", async {});
///     assert_eq!(task.name(), "worker-1");
/// });
/// ```
#[track_caller]
pub fn create_task_named<F: Future + 'static>(name: impl Into<String>, future: F) -> Task<F::Output> {
    spawn(future, Some(name.into()), Location::caller(), Start::AsConfigured)
}

/// As [`create_task`], but the task takes its first step now, inside this
/// call, until it first suspends (asyncio 3.12's eager tasks): a task that
/// finishes without suspending never goes through the loop's queue, and is
/// done when this returns (its done callbacks still run on a later turn,
/// with `call_soon`, as asyncio's do).
///
/// # Panics
///
/// As [`create_task`].
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// corio::run(async {
///     let started = Rc::new(Cell::new(false));
///     let flag = started.clone();
///     let task = corio::create_eager_task(async move {
///         flag.set(true);
///         corio::yield_now().await;
///         "done"
///     });
///     assert!(started.get(), "the first step ran inside the call");
///     assert!(!task.done());
///     assert_eq!(task.await.unwrap(), "done");
/// });
/// ```
#[track_caller]
pub fn create_eager_task<F: Future + 'static>(future: F) -> Task<F::Output> {
    spawn(future, None, Location::caller(), Start::Eagerly)
}

/// A task for corio's own machinery: it starts on the next turn whatever
/// `Builder::eager_tasks` says, since it may be made while a structure it
/// uses is borrowed.
#[track_caller]
pub(crate) fn create_internal_task<F: Future + 'static>(name: &str, future: F) -> Task<F::Output> {
    spawn(future, Some(name.to_owned()), Location::caller(), Start::NextTurn)
}

/// As [`create_task`], but never eager: for tasks whose first step must
/// not run inside the call (a done callback, which asyncio always runs
/// through `call_soon`; a member of a task group that already failed).
#[track_caller]
pub(crate) fn create_task_next_turn<F: Future + 'static>(future: F) -> Task<F::Output> {
    spawn(future, None, Location::caller(), Start::NextTurn)
}

#[track_caller]
fn spawn<F: Future + 'static>(
    future: F,
    name: Option<String>,
    location: &'static Location<'static>,
    start: Start,
) -> Task<F::Output> {
    // An `Rc` clone of the core, measured cheaper here than borrowing the
    // thread-local across the call (which moves the future through more
    // frames).
    context::with_current(|core| match core {
        Some(core) => Task::new(core.spawn(future, name, location, start)),
        None => panic!("no running event loop"),
    })
}

impl EventLoop {
    /// Wraps `future` in a task on this loop; it starts on the loop's next
    /// turn. See [`create_task`].
    ///
    /// # Panics
    ///
    /// Panics if the loop is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let event_loop = corio::EventLoop::new().unwrap();
    /// let task = event_loop.create_task(async { 6 * 7 });
    /// assert_eq!(event_loop.run_until_complete(task).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn create_task<F: Future + 'static>(&self, future: F) -> Task<F::Output> {
        Task::new(self.core().spawn(future, None, Location::caller(), Start::AsConfigured))
    }
}
