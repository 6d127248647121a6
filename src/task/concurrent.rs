//! `ConcurrentFuture`: the result of work handed to a loop from another
//! thread, asyncio's `concurrent.futures.Future`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use super::completion::Completion;
use super::promise::{promise, Resolver};
use crate::error::{TaskError, TimeoutError};
use crate::runtime::loop_handle::LoopHandle;

/// The result of [`LoopHandle::spawn`](crate::LoopHandle::spawn): awaitable
/// on any loop, or waited for with a blocking [`result`](Self::result) on a
/// thread that is not the loop's.
///
/// # Examples
///
/// ```
/// let event_loop = corio::EventLoop::new().unwrap();
/// let handle = event_loop.handle();
/// let future = handle.spawn(async { "from the loop" });
/// let waiter = std::thread::spawn(move || future.result_timeout(std::time::Duration::from_secs(60)));
/// event_loop.run_until_complete(corio::sleep(std::time::Duration::from_millis(1)));
/// assert_eq!(waiter.join().unwrap().unwrap().unwrap(), "from the loop");
/// ```
pub struct ConcurrentFuture<T> {
    completion: Arc<Completion<T>>,
    loop_thread: ThreadId,
}

impl<T> ConcurrentFuture<T> {
    pub(crate) fn new(loop_thread: ThreadId) -> (ConcurrentFuture<T>, Resolver<T>) {
        let (promise, resolver) = promise();
        (ConcurrentFuture { completion: promise.into_completion(), loop_thread }, resolver)
    }

    /// True once the work has ended.
    pub fn done(&self) -> bool {
        self.completion.is_settled()
    }

    /// Blocks this thread until the work ends, and returns its result.
    ///
    /// # Panics
    ///
    /// Panics if called on the loop's own thread, where it would deadlock,
    /// and if the result was already taken.
    #[track_caller]
    pub fn result(self) -> Result<T, TaskError> {
        self.check_thread();
        self.completion.wait(None).expect("waited without a deadline")
    }

    /// As [`result`](Self::result), giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// [`TimeoutError`] if the work has not ended by then.
    ///
    /// # Panics
    ///
    /// As [`result`](Self::result).
    #[track_caller]
    pub fn result_timeout(self, timeout: Duration) -> Result<Result<T, TaskError>, TimeoutError> {
        self.check_thread();
        self.completion.wait(Instant::now().checked_add(timeout)).ok_or(TimeoutError::new())
    }

    #[track_caller]
    fn check_thread(&self) {
        if std::thread::current().id() == self.loop_thread {
            panic!("ConcurrentFuture::result called on its own event loop's thread: it would deadlock");
        }
    }
}

impl<T> Future for ConcurrentFuture<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.completion.poll_result(cx)
    }
}

impl<T> fmt::Debug for ConcurrentFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConcurrentFuture").field("done", &self.done()).finish()
    }
}

impl LoopHandle {
    /// Runs `future` as a task on the loop, from any thread: asyncio's
    /// `run_coroutine_threadsafe`. The returned future can be awaited on
    /// another loop or waited for with a blocking
    /// [`result`](ConcurrentFuture::result).
    ///
    /// # Examples
    ///
    /// ```
    /// let event_loop = corio::EventLoop::new().unwrap();
    /// let handle = event_loop.handle();
    /// let waiter = std::thread::spawn(move || {
    ///     let answer = handle.spawn(async { 40 + 2 }).result().unwrap();
    ///     handle.stop();
    ///     answer
    /// });
    /// event_loop.run_forever();
    /// assert_eq!(waiter.join().unwrap(), 42);
    /// ```
    pub fn spawn<F>(&self, future: F) -> ConcurrentFuture<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (concurrent, mut resolver) = ConcurrentFuture::new(self.thread());
        // If the loop is closed, the callback and so the resolver are
        // dropped, which settles the future as cancelled.
        let _ = self.call_soon_threadsafe(move || {
            let task = crate::create_task(future);
            crate::task::spawn::create_task_next_turn(async move { resolver.settle(task.await) });
        });
        concurrent
    }
}
