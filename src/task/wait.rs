//! `wait`: wait for tasks until a condition, without cancelling any.

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use super::handle::Task;
use crate::time::sleep::sleep;

/// When [`wait`] returns (asyncio's `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReturnWhen {
    /// As soon as any task ends.
    FirstCompleted,
    /// As soon as any task panics, or when all have ended. A cancelled task
    /// does not count, and neither does a task whose output is an `Err`.
    FirstException,
    /// When every task has ended.
    #[default]
    AllCompleted,
}

/// Waits for `tasks` until `return_when` holds or `timeout` passes, and
/// returns them split into `(done, pending)`, each in input order:
/// `asyncio.wait(tasks, timeout=…, return_when=…)`.
///
/// `wait` never cancels anything, even on timeout. As in asyncio, it always
/// suspends at least once: it learns of tasks ending through done callbacks,
/// which run on the loop's next turn. An empty `tasks` returns at once
/// (asyncio raises `ValueError`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corio::ReturnWhen;
///
/// corio::run(async {
///     let fast = corio::create_task(corio::sleep(Duration::from_millis(1)));
///     let slow = corio::create_task(corio::sleep(Duration::from_secs(3600)));
///     let (done, pending) = corio::wait([fast, slow], ReturnWhen::FirstCompleted, None).await;
///     assert_eq!((done.len(), pending.len()), (1, 1));
///     pending[0].cancel();
/// });
/// ```
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop.
///
/// # Cancel safety
///
/// Dropping the future drops the task handles it holds, which detaches the
/// tasks: they run on.
pub async fn wait<T: 'static>(
    tasks: impl IntoIterator<Item = Task<T>>,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> (Vec<Task<T>>, Vec<Task<T>>) {
    let tasks: Vec<Task<T>> = tasks.into_iter().collect();
    if tasks.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let state = Rc::new(WaitState {
        left: Cell::new(tasks.len()),
        released: Cell::new(false),
        waker: Cell::new(None),
    });
    for task in &tasks {
        let state = state.clone();
        task.add_done_callback(move |task| {
            state.left.set(state.left.get() - 1);
            let release = state.left.get() == 0
                || return_when == ReturnWhen::FirstCompleted
                || (return_when == ReturnWhen::FirstException && task.panicked());
            if release {
                state.release();
            }
        });
    }
    let mut deadline = pin!(timeout.map(sleep));
    poll_fn(|cx| {
        if state.released.get() {
            return Poll::Ready(());
        }
        if let Some(deadline) = deadline.as_mut().as_pin_mut() {
            if deadline.poll(cx).is_ready() {
                return Poll::Ready(());
            }
        }
        state.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    })
    .await;
    tasks.into_iter().partition(|task| task.done())
}

struct WaitState {
    left: Cell<usize>,
    released: Cell<bool>,
    waker: Cell<Option<Waker>>,
}

impl WaitState {
    fn release(&self) {
        self.released.set(true);
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
    }
}
