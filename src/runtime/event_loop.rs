//! `EventLoop`: asyncio's `loop` object, for those who drive a loop by hand.

use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::core::{Core, LoopConfig};
use super::exception::{ExceptionContext, ExceptionHandler};
use super::handles::{Handle, TimerHandle};
use super::loop_handle::LoopHandle;
use crate::task::handle::Task;

/// An event loop: a FIFO run queue of ready tasks and callbacks, timers, and
/// a reactor that parks the thread when nothing is ready.
///
/// Most programs never touch one: [`run`](crate::run) and
/// [`Runner`](crate::Runner) make and close it. `EventLoop` is for code that
/// wants asyncio's lower-level `loop` API. It is `!Send`: a loop lives and
/// runs on the thread that made it.
///
/// # Examples
///
/// ```
/// let event_loop = corio::EventLoop::new().unwrap();
/// let answer = event_loop.run_until_complete(async { 6 * 7 });
/// assert_eq!(answer, 42);
/// event_loop.close();
/// assert!(event_loop.is_closed());
/// ```
#[derive(Debug)]
pub struct EventLoop {
    core: Rc<Core>,
}

impl EventLoop {
    /// A new loop, with a thread pool of the default size.
    ///
    /// # Errors
    ///
    /// Fails if the OS refuses an epoll instance, an eventfd or a timerfd.
    pub fn new() -> std::io::Result<EventLoop> {
        EventLoop::with_config(LoopConfig::new())
    }

    pub(crate) fn with_config(config: LoopConfig) -> std::io::Result<EventLoop> {
        Ok(EventLoop { core: Rc::new(Core::new(config)?) })
    }

    /// Runs the loop until `future` completes, and returns its output.
    ///
    /// The future is polled in place, as the loop's main task: it need not
    /// be `'static`, and it takes its turn in FIFO order with the tasks and
    /// callbacks. Tasks still pending when it completes stay on the loop.
    ///
    /// # Panics
    ///
    /// Re-raises a panic of `future` (the loop stays usable). Panics with
    /// "cannot be called from a running event loop" inside a running loop,
    /// with "event loop is closed" on a closed loop, and with "event loop
    /// stopped before the future completed" if [`stop`](EventLoop::stop) was
    /// called first.
    #[track_caller]
    pub fn run_until_complete<F: Future>(&self, future: F) -> F::Output {
        match self.core.block_on(future) {
            Ok(output) => output,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }

    #[track_caller]
    pub(crate) fn run_until_complete_catching<F: Future>(
        &self,
        future: F,
    ) -> Result<F::Output, Box<dyn std::any::Any + Send>> {
        self.core.block_on(future)
    }

    /// Runs the loop until [`stop`](EventLoop::stop) is called.
    ///
    /// # Panics
    ///
    /// As [`run_until_complete`](EventLoop::run_until_complete).
    ///
    /// # Examples
    ///
    /// ```
    /// let event_loop = corio::EventLoop::new().unwrap();
    /// let handle = event_loop.handle();
    /// event_loop.call_soon(move || handle.stop());
    /// event_loop.run_forever();
    /// ```
    #[track_caller]
    pub fn run_forever(&self) {
        self.core.run_forever();
    }

    /// Stops the loop once the current turn is over.
    pub fn stop(&self) {
        self.core.stop();
    }

    /// Closes the loop: drops every pending task and callback (their
    /// destructors run now, with the loop current) and shuts its thread pool
    /// down. Closing twice does nothing.
    ///
    /// Unlike [`run`](crate::run), `close` does not give pending tasks a turn
    /// first: they are dropped where they stand.
    ///
    /// # Panics
    ///
    /// Panics if the loop is running.
    pub fn close(&self) {
        self.core.close();
    }

    /// Cancels every pending task and runs the loop until their destructors
    /// have run, as `asyncio.run` does before closing.
    pub(crate) fn cancel_all_tasks(&self) {
        if !self.core.is_closed() {
            self.core.cancel_all_tasks();
        }
    }

    /// Turns debug mode on or off (`loop.set_debug`): slow callbacks and
    /// task steps are reported, and so are tasks still pending when the loop
    /// closes. See [`Builder::debug`](crate::Builder::debug).
    pub fn set_debug(&self, enabled: bool) {
        self.core.set_debug(enabled);
    }

    /// True in debug mode (`loop.get_debug()`).
    pub fn get_debug(&self) -> bool {
        self.core.debug()
    }

    /// True while the loop runs.
    pub fn is_running(&self) -> bool {
        self.core.is_running()
    }

    /// True once the loop is closed.
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// A `Send + Sync` handle for other threads.
    pub fn handle(&self) -> LoopHandle {
        LoopHandle::new(self.core.shared().clone())
    }

    /// The loop's clock (asyncio's `loop.time()`).
    pub fn time(&self) -> Instant {
        self.core.now()
    }

    /// Schedules `callback` to run on the loop's next turn.
    ///
    /// # Panics
    ///
    /// Panics if the loop is closed.
    #[track_caller]
    pub fn call_soon(&self, callback: impl FnOnce() + 'static) -> Handle {
        self.core.check_open();
        self.core.call_soon(Box::new(callback))
    }

    /// Schedules `callback` to run `delay` from now.
    ///
    /// # Panics
    ///
    /// Panics if the loop is closed.
    #[track_caller]
    pub fn call_later(&self, delay: Duration, callback: impl FnOnce() + 'static) -> TimerHandle {
        self.call_at(self.time() + delay, callback)
    }

    /// Schedules `callback` to run at `when`, on the loop's clock.
    ///
    /// # Panics
    ///
    /// Panics if the loop is closed.
    #[track_caller]
    pub fn call_at(&self, when: Instant, callback: impl FnOnce() + 'static) -> TimerHandle {
        call_at(&self.core, when, Box::new(callback))
    }

    /// Wraps `future` in a task on this loop; it starts on the loop's next
    /// turn. See [`create_task`](crate::create_task).
    ///
    /// # Panics
    ///
    /// Panics if the loop is closed.
    #[track_caller]
    pub fn create_task<F: Future + 'static>(&self, future: F) -> Task<F::Output> {
        self.core.spawn(future, None, std::panic::Location::caller())
    }

    /// Sets the handler that panics nobody retrieves are reported to; `None`
    /// restores the default, which prints to stderr.
    pub fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        self.core.set_exception_handler(handler);
    }

    /// Hands `context` to the exception handler.
    pub fn call_exception_handler(&self, context: &ExceptionContext) {
        self.core.call_exception_handler(context);
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        if !self.core.is_running() {
            self.core.close();
        }
    }
}

#[track_caller]
pub(crate) fn call_at(core: &Rc<Core>, when: Instant, callback: Box<dyn FnOnce()>) -> TimerHandle {
    core.check_open();
    let (cell, key) = core.call_at(when, callback);
    TimerHandle::new(cell, when, key, Rc::downgrade(core))
}
