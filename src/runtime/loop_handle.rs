//! `LoopHandle`: what other threads may do with a loop.

use std::future::Future;
use std::sync::Arc;

use super::shared::{Injected, Shared};
use crate::error::LoopClosedError;
use crate::task::concurrent::ConcurrentFuture;

/// A `Send + Sync` handle to an event loop, for other threads: asyncio's
/// `call_soon_threadsafe`, `stop` and `run_coroutine_threadsafe`.
///
/// Cloning it is cheap. It does not keep the loop open: once the loop
/// closes, [`call_soon_threadsafe`](LoopHandle::call_soon_threadsafe) fails
/// and [`spawn`](LoopHandle::spawn) returns a cancelled future.
///
/// # Examples
///
/// ```
/// let value = corio::run(async {
///     let handle = corio::get_running_loop();
///     let (promise, resolver) = corio::promise();
///     std::thread::spawn(move || {
///         handle.call_soon_threadsafe(move || resolver.resolve(7)).unwrap();
///     });
///     promise.await.unwrap()
/// });
/// assert_eq!(value, 7);
/// ```
#[derive(Clone)]
pub struct LoopHandle {
    shared: Arc<Shared>,
}

impl LoopHandle {
    pub(crate) fn new(shared: Arc<Shared>) -> LoopHandle {
        LoopHandle { shared }
    }

    /// Schedules `callback` on the loop from any thread, waking the loop if
    /// it is parked in the reactor.
    ///
    /// # Errors
    ///
    /// [`LoopClosedError`] if the loop is closed; `callback` is dropped.
    pub fn call_soon_threadsafe(
        &self,
        callback: impl FnOnce() + Send + 'static,
    ) -> Result<(), LoopClosedError> {
        self.shared.inject(Injected::Callback(Box::new(callback))).map_err(|_| LoopClosedError(()))
    }

    /// Stops the loop once its current turn is over; does nothing if it is
    /// closed.
    pub fn stop(&self) {
        let _ = self.shared.inject(Injected::Stop);
    }

    /// True once the loop is closed.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

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
        let (concurrent, mut resolver) = ConcurrentFuture::new(self.shared.thread());
        // If the loop is closed, the callback and so the resolver are
        // dropped, which settles the future as cancelled.
        let _ = self.call_soon_threadsafe(move || {
            let task = crate::create_task(future);
            crate::create_task(async move { resolver.settle(task.await) });
        });
        concurrent
    }
}

impl std::fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopHandle").field("loop", &self.shared.id()).finish()
    }
}
