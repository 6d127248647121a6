//! `LoopHandle`: what other threads may do with a loop.

use std::sync::Arc;

use super::context;
use super::shared::{Injected, Shared};
use crate::error::LoopClosedError;

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
    /// it is parked in the reactor. On the loop's own thread it is
    /// [`call_soon`](crate::call_soon): FIFO with it.
    ///
    /// # Errors
    ///
    /// [`LoopClosedError`] if the loop is closed; `callback` is dropped.
    pub fn call_soon_threadsafe(
        &self,
        callback: impl FnOnce() + Send + 'static,
    ) -> Result<(), LoopClosedError> {
        // On the loop's own thread this is `call_soon`, and keeps its place
        // among the `call_soon`s, as asyncio's does.
        if let Some(core) = context::open_here(self.shared.id()) {
            drop(core.call_soon(Box::new(callback)));
            return Ok(());
        }
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

    /// The loop's thread.
    pub(crate) fn thread(&self) -> std::thread::ThreadId {
        self.shared.thread()
    }
}

impl std::fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopHandle").field("loop", &self.shared.id()).finish()
    }
}
