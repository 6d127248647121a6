//! `shield`: keep a future running even if its awaiter is cancelled.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::handle::Task;
use crate::error::TaskError;

/// Runs `future` as a task of its own, so that dropping (cancelling) the
/// awaiter leaves it running to completion: `asyncio.shield(aw)`.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use std::cell::Cell;
/// use std::time::Duration;
///
/// corio::run(async {
///     let saved = Rc::new(Cell::new(false));
///     let flag = saved.clone();
///     let save = corio::shield(async move {
///         corio::sleep(Duration::from_millis(5)).await;
///         flag.set(true);
///     });
///     // The awaiter gives up after 1 ms; the shielded work goes on.
///     assert!(corio::wait_for(Duration::from_millis(1), save).await.is_err());
///     corio::sleep(Duration::from_millis(10)).await;
///     assert!(saved.get());
/// });
/// ```
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop.
#[track_caller]
pub fn shield<F: Future + 'static>(future: F) -> Shielded<F::Output> {
    Shielded { task: crate::create_task(future) }
}

/// The future of [`shield`]: the shielded task's result. Dropping it, even
/// while it is awaited, detaches the task, which runs on.
#[must_use = "futures do nothing unless awaited"]
pub struct Shielded<T: 'static> {
    task: Task<T>,
}

impl<T: 'static> Shielded<T> {
    /// The task that runs the shielded future.
    pub fn task(&self) -> &Task<T> {
        &self.task
    }
}

impl<T: 'static> Future for Shielded<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.task.poll_shielded(cx)
    }
}

impl<T: 'static> fmt::Debug for Shielded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shielded").field("task", &self.task).finish()
    }
}
