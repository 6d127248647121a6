//! Free functions that act on the running loop, as asyncio's module-level
//! functions and the methods of `asyncio.get_running_loop()`.

use std::time::{Duration, Instant};

use super::context;
use super::exception::{ExceptionContext, ExceptionHandler};
use super::handles::{Handle, TimerHandle};
use super::loop_handle::LoopHandle;
use crate::time::clock::deadline_after;

/// A handle to the loop running on this thread: `asyncio.get_running_loop()`.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop; see
/// [`try_get_running_loop`].
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let handle = corio::get_running_loop();
///     assert!(!handle.is_closed());
/// });
/// ```
#[track_caller]
pub fn get_running_loop() -> LoopHandle {
    LoopHandle::new(context::expect_current().shared().clone())
}

/// A handle to the loop running on this thread, if any.
///
/// # Examples
///
/// ```
/// assert!(corio::try_get_running_loop().is_none());
/// corio::run(async { assert!(corio::try_get_running_loop().is_some()) });
/// ```
pub fn try_get_running_loop() -> Option<LoopHandle> {
    context::with_current(|core| core.map(|core| LoopHandle::new(core.shared().clone())))
}

/// Schedules `callback` to run on the running loop's next turn, in FIFO
/// order with other callbacks and task wake-ups: `loop.call_soon`.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let seen = log.clone();
/// corio::run(async move {
///     let l = log.clone();
///     corio::call_soon(move || l.borrow_mut().push("callback"));
///     log.borrow_mut().push("main");
///     corio::yield_now().await;
/// });
/// assert_eq!(*seen.borrow(), ["main", "callback"]);
/// ```
#[track_caller]
pub fn call_soon(callback: impl FnOnce() + 'static) -> Handle {
    context::expect_current().call_soon(Box::new(callback))
}

/// Schedules `callback` to run `delay` from now: `loop.call_later`.
/// Callbacks due at the same instant run in the order they were scheduled.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let timer = corio::call_later(Duration::from_millis(5), || println!("later"));
///     assert!(!timer.cancelled());
///     corio::sleep(Duration::from_millis(10)).await;
/// });
/// ```
#[track_caller]
pub fn call_later(delay: Duration, callback: impl FnOnce() + 'static) -> TimerHandle {
    let core = context::expect_current();
    super::event_loop::call_at(&core, deadline_after(core.now(), delay), Box::new(callback))
}

/// Schedules `callback` to run at `when`, on the loop's clock: `loop.call_at`.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let when = corio::time() + Duration::from_millis(1);
///     assert_eq!(corio::call_at(when, || {}).when(), when);
/// });
/// ```
#[track_caller]
pub fn call_at(when: Instant, callback: impl FnOnce() + 'static) -> TimerHandle {
    super::event_loop::call_at(&context::expect_current(), when, Box::new(callback))
}

/// The running loop's clock: `loop.time()`.
///
/// Compare it only with other readings of the loop's clock: under virtual
/// time it is not `Instant::now()`.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let before = corio::time();
///     corio::yield_now().await;
///     assert!(corio::time() >= before);
/// });
/// ```
#[track_caller]
pub fn time() -> Instant {
    context::expect_current().now()
}

/// Sets the running loop's exception handler: `loop.set_exception_handler`.
/// `None` restores the default, which prints to stderr.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop.
#[track_caller]
pub fn set_exception_handler(handler: Option<ExceptionHandler>) {
    context::expect_current().exceptions().set_handler(handler);
}

/// Hands `context` to the running loop's exception handler:
/// `loop.call_exception_handler`.
///
/// # Panics
///
/// Panics with "no running event loop" outside a running loop.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     corio::call_exception_handler(&corio::ExceptionContext::new("disk almost full"));
/// });
/// ```
#[track_caller]
pub fn call_exception_handler(context: &ExceptionContext) {
    context::expect_current().exceptions().call(context);
}
