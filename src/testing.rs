//! Helpers for tests: moving a virtual clock by hand, and the task tree of
//! a stuck program on a signal.
//!
//! With `Runner::builder().virtual_time(true)`, the loop's clock moves only
//! when the loop is idle (it jumps to the next timer) or when a test moves
//! it with [`advance`]. [`set_auto_advance`]`(false)` stops the jumping, for
//! tests that step the clock themselves.

use std::time::Duration;

use crate::runtime::context;

/// Moves the virtual clock forward by `by`, then yields once, so that the
/// timers now due fire: their callbacks have run when `advance` returns,
/// and the tasks they woke run on the loop's next turn.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
/// runner.run(async {
///     corio::testing::set_auto_advance(false);
///     let fired = Rc::new(Cell::new(false));
///     let flag = fired.clone();
///     corio::call_later(Duration::from_secs(10), move || flag.set(true));
///     corio::testing::advance(Duration::from_secs(9)).await;
///     assert!(!fired.get());
///     corio::testing::advance(Duration::from_secs(1)).await;
///     assert!(fired.get());
/// });
/// ```
///
/// # Panics
///
/// Panics outside a running loop, and if the loop's clock is not virtual.
pub async fn advance(by: Duration) {
    let core = context::expect_current();
    assert!(core.advance_clock(by), "testing::advance needs a loop with virtual time");
    drop(core);
    crate::yield_now().await;
}

/// Turns the virtual clock's jumping to the next timer on (the default) or
/// off. With it off, only [`advance`] moves the clock; a loop with nothing
/// but timers to wait for then waits for ever.
///
/// # Panics
///
/// Panics outside a running loop, and if the loop's clock is not virtual.
#[track_caller]
pub fn set_auto_advance(enabled: bool) {
    assert!(
        context::expect_current().set_auto_advance(enabled),
        "testing::set_auto_advance needs a loop with virtual time"
    );
}

/// Prints the task tree ([`task_tree`](crate::task_tree)) to stderr each
/// time the process receives `signal`: for a program that seems stuck,
/// `kill -USR1 <pid>` shows what every task waits on. Installs a handler
/// on the running loop ([`add_signal_handler`](crate::add_signal_handler),
/// which it replaces for that signal).
///
/// # Errors
///
/// As [`add_signal_handler`](crate::add_signal_handler).
///
/// # Examples
///
/// ```
/// corio::run(async {
///     corio::testing::dump_on_signal(corio::signals::SIGUSR1).unwrap();
///     // ... `kill -USR1 <pid>` now prints the tree; the loop goes on.
///     assert!(corio::remove_signal_handler(corio::signals::SIGUSR1));
/// });
/// ```
pub fn dump_on_signal(signal: i32) -> std::io::Result<()> {
    crate::add_signal_handler(signal, crate::dump_tasks)
}
