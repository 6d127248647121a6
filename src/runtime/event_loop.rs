//! `EventLoop`: asyncio's `loop` object, for those who drive a loop by hand;
//! and how a loop runs: until a future completes or until `stop`, then
//! cancelling what is left, then closing.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::context::{self, EnterGuard};
use super::core::{Core, Current, ReadyItem, IN_CALLBACK, IN_WAKER};
use super::exception::{ExceptionContext, ExceptionHandler};
use super::handles::{Handle, TimerHandle};
use super::loop_handle::LoopHandle;
use super::runner::LoopConfig;

use super::task::schedule::MainWaker;
use crate::time::clock::deadline_after;

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
        let core = Rc::new(Core::new(config)?);
        context::opened_here(&core);
        Ok(EventLoop { core })
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
        match self.run_until_complete_catching(future) {
            Ok(output) => output,
            Err(payload) => std::panic::resume_unwind(payload),
        }
    }

    /// Runs turns until `stop`, polling `future` in place as the loop's main
    /// task; returns its output, or the payload of its panic.
    #[track_caller]
    pub(crate) fn run_until_complete_catching<F: Future>(
        &self,
        future: F,
    ) -> Result<F::Output, Box<dyn Any + Send>> {
        let core = &self.core;
        core.check_open();
        let _running = self.start_running();
        let generation = core.next_main_generation.get();
        core.next_main_generation.set(generation + 1);
        let main_waker = Arc::new(MainWaker::new(core.id(), generation));
        let waker = Waker::from(main_waker.clone());
        let id = core.tasks.borrow_mut().start_main(Location::caller(), main_waker.clone());
        let mut future = std::pin::pin!(future);
        let mut output = None;
        core.push_ready(ReadyItem::Main(generation));
        let mut poll_main = |turn_generation: u64| {
            if turn_generation != generation || output.is_some() || !main_waker.take_scheduled() {
                return;
            }
            let previous = core.enter(Current::Main, id);
            let mut cx = Context::from_waker(&waker);
            let poll = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
            core.leave(previous);
            match poll {
                Ok(Poll::Pending) => core.tasks.borrow_mut().set_main_waiting(core.take_waiting()),
                Ok(Poll::Ready(value)) => output = Some(Ok(value)),
                Err(payload) => output = Some(Err(payload)),
            }
            if output.is_some() {
                // asyncio stops the loop from a done callback, so the work
                // already queued gets one more turn.
                core.push_ready(ReadyItem::Stop);
            }
        };
        while !core.stopping.get() {
            core.run_once(&mut poll_main);
        }
        core.stopping.set(false);
        core.tasks.borrow_mut().end_main();
        match output {
            Some(output) => output,
            None => panic!("event loop stopped before the future completed"),
        }
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
        self.core.check_open();
        let _running = self.start_running();
        while !self.core.stopping.get() {
            self.core.run_once(&mut |_| {});
        }
        self.core.stopping.set(false);
    }

    /// Makes the loop running (and current) for a scope.
    #[track_caller]
    fn start_running(&self) -> RunningGuard<'_> {
        self.running_as(context::enter(&self.core))
    }

    fn running_as(&self, enter: EnterGuard) -> RunningGuard<'_> {
        self.core.running.set(true);
        RunningGuard { core: &self.core, _enter: enter }
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
        let core = &self.core;
        if core.running.get() {
            panic!("cannot close a running event loop");
        }
        if core.closed.get() {
            return;
        }
        let _enter = context::enter_for_cleanup(core);
        context::closed_here(core.id());
        drop(core.shared().close());
        // Destructors may create tasks, callbacks and timers; repeat until
        // nothing is left.
        loop {
            let tasks = core.tasks.borrow_mut().drain();
            let ready: Vec<_> = core.ready.borrow_mut().drain(..).collect();
            let other_wakes: Vec<_> = core.other_wakes.borrow_mut().drain(..).collect();
            let timers = core.timers.borrow_mut().drain();
            if tasks.is_empty() && ready.is_empty() && other_wakes.is_empty() && timers.is_empty() {
                break;
            }
            for task in tasks {
                if core.exceptions().debug() && !task.header().is_done() {
                    core.exceptions().report_destroyed_pending(task.header());
                }
                if task.abort(core.exceptions()) {
                    core.task_ended(&task);
                }
            }
            // Each goes on its own: a callback's captures or a waker of
            // another executor may panic when dropped.
            for item in ready {
                core.guarded(IN_CALLBACK, || drop(item));
            }
            for waker in other_wakes {
                core.guarded(IN_WAKER, || drop(waker));
            }
            for timer in timers {
                core.guarded(IN_CALLBACK, || drop(timer));
            }
        }
        core.closed.set(true);
        if let Some(pool) = core.thread_pool.get() {
            pool.shutdown();
        }
    }

    /// Cancels every pending task and runs turns until their drops have
    /// run, as `asyncio.run` does before closing. Tasks created by those
    /// drops are cancelled in the next round; a bounded number of rounds
    /// keeps a task that keeps respawning itself from holding the loop open.
    pub(crate) fn cancel_all_tasks(&self) {
        if self.core.is_closed() {
            return;
        }
        for _ in 0..100 {
            let tasks = self.core.tasks.borrow().live();
            if tasks.is_empty() {
                return;
            }
            for task in tasks {
                task.cancel();
            }
            // Cleanup, allowed inside another loop's task (a runner dropped
            // there): this loop is current for these turns only.
            let _running = self.running_as(context::enter_for_cleanup(&self.core));
            self.core.run_once(&mut |_| {});
        }
    }

    /// Turns debug mode on or off (`loop.set_debug`): slow callbacks and
    /// task steps are reported, and so are tasks still pending when the loop
    /// closes. See [`Builder::debug`](crate::Builder::debug).
    pub fn set_debug(&self, enabled: bool) {
        self.core.exceptions().set_debug(enabled);
    }

    /// True in debug mode (`loop.get_debug()`).
    pub fn get_debug(&self) -> bool {
        self.core.exceptions().debug()
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
        self.call_at(deadline_after(self.time(), delay), callback)
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

    /// The loop's core, for the layers above (`create_task` lives beside
    /// the `Task` it makes, in `task/spawn.rs`).
    pub(crate) fn core(&self) -> &Rc<Core> {
        &self.core
    }

    /// Sets the handler that panics nobody retrieves are reported to; `None`
    /// restores the default, which prints to stderr.
    pub fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        self.core.exceptions().set_handler(handler);
    }

    /// Hands `context` to the exception handler.
    pub fn call_exception_handler(&self, context: &ExceptionContext) {
        self.core.exceptions().call(context);
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        if !self.core.is_running() {
            self.close();
        }
    }
}

/// Marks the loop running (and current) for a scope.
struct RunningGuard<'a> {
    core: &'a Core,
    _enter: EnterGuard,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.core.running.set(false);
    }
}

#[track_caller]
pub(crate) fn call_at(core: &Rc<Core>, when: Instant, callback: Box<dyn FnOnce()>) -> TimerHandle {
    core.check_open();
    let (cell, key) = core.call_at(when, callback);
    TimerHandle::new(cell, when, key, Rc::downgrade(core))
}
