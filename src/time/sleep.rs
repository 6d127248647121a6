//! `sleep`, `sleep_until` and `yield_now`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::clock::deadline_after;
use crate::runtime::context;
use crate::runtime::task::info::WaitingOn;
use crate::time::timers::TimerKey;

/// Waits for `delay`: `asyncio.sleep(delay)`.
///
/// The deadline is fixed when `sleep` is called inside a running loop (at
/// the first poll otherwise), and the future never completes before it.
/// `sleep(Duration::ZERO)` arms no timer: it yields exactly once, like
/// `asyncio.sleep(0)` and [`yield_now`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let start = corio::time();
///     corio::sleep(Duration::from_millis(2)).await;
///     assert!(corio::time() - start >= Duration::from_millis(2));
/// });
/// ```
///
/// # Panics
///
/// Polling it outside a running loop panics with "no running event loop".
///
/// # Cancel safety
///
/// Dropping a `Sleep` disarms and frees its timer at once.
pub fn sleep(delay: Duration) -> Sleep {
    if delay.is_zero() {
        return Sleep { deadline: None, state: State::Yield { yielded: false } };
    }
    match context::with_current_borrowed(|core| core.now()) {
        Some(now) => sleep_until(deadline_after(now, delay)),
        None => {
            Sleep { deadline: None, state: State::Unfixed(delay.as_nanos().try_into().unwrap_or(u64::MAX)) }
        }
    }
}

/// Waits until `deadline`, on the loop's clock.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let deadline = corio::time() + Duration::from_millis(1);
///     corio::sleep_until(deadline).await;
///     assert!(corio::time() >= deadline);
/// });
/// ```
///
/// # Panics
///
/// As [`sleep`].
///
/// # Cancel safety
///
/// As [`sleep`].
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep { deadline: Some(deadline), state: State::Unarmed }
}

/// Yields to the loop once: every task and callback already queued runs
/// before this task resumes. The same as `sleep(Duration::ZERO)`.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// corio::run(async {
///     let ran = Rc::new(Cell::new(false));
///     let flag = ran.clone();
///     corio::create_task(async move { flag.set(true) });
///     corio::yield_now().await;
///     assert!(ran.get());
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping it has no effect.
pub fn yield_now() -> Sleep {
    sleep(Duration::ZERO)
}

/// The future of [`sleep`], [`sleep_until`] and [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// Fixed at creation inside a loop, else at the first poll.
    deadline: Option<Instant>,
    state: State,
}

#[derive(Debug)]
enum State {
    /// `sleep(ZERO)`: wake at once and return on the next poll.
    Yield {
        yielded: bool,
    },
    /// Made outside a loop: the deadline is the loop's time at the first
    /// poll plus this many nanoseconds (saturated: 584 years is never).
    Unfixed(u64),
    /// The deadline is fixed; no timer yet.
    Unarmed,
    /// A timer is set on the loop whose id is this.
    Armed {
        loop_id: u32,
        key: TimerKey,
    },
    Done,
}

impl Sleep {
    /// The deadline, if it is fixed yet (`None` for `yield_now`, and for a
    /// `sleep` made outside a loop and not polled yet).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Moves the deadline to `deadline`, whether or not the sleep was
    /// polled or has completed: it completes once the loop's clock reaches
    /// the new deadline (at once if it has passed). tokio's `Sleep::reset`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// corio::run(async {
    ///     let mut sleep = corio::sleep(Duration::from_secs(3600));
    ///     sleep.reset(corio::time() + Duration::from_millis(1));
    ///     sleep.await;
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.disarm();
        self.deadline = Some(deadline);
        self.state = State::Unarmed;
    }

    /// Removes the timer, if one is armed on the running loop.
    fn disarm(&mut self) {
        if let State::Armed { loop_id, key } = self.state {
            super::disarm(loop_id, key);
            self.state = State::Unarmed;
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match self.state {
            State::Yield { yielded: false } => {
                self.state = State::Yield { yielded: true };
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            State::Yield { yielded: true } | State::Done => Poll::Ready(()),
            State::Unfixed(nanos) => {
                let now = context::expect_current().now();
                self.deadline = Some(deadline_after(now, Duration::from_nanos(nanos)));
                self.state = State::Unarmed;
                self.poll(cx)
            }
            State::Unarmed => {
                // A deadline already passed is armed all the same: the timer
                // fires on the next turn, so the sleep suspends once, as
                // `asyncio.sleep` with a delay of zero or less does.
                let deadline = self.deadline.expect("an unarmed sleep has its deadline");
                let (loop_id, key) = context::with_current_borrowed(|core| {
                    core.note_waiting(WaitingOn::Sleep);
                    (core.id(), core.add_timer(deadline, cx.waker().clone()))
                })
                .unwrap_or_else(|| panic!("no running event loop"));
                self.state = State::Armed { loop_id, key };
                Poll::Pending
            }
            State::Armed { loop_id, key } => {
                let pending = context::with_current(|core| match core {
                    Some(core) if core.id() == loop_id => {
                        core.note_waiting(WaitingOn::Sleep);
                        core.update_timer(key, cx.waker())
                    }
                    _ => panic!("a `Sleep` was polled outside the event loop it was first polled on"),
                });
                if pending {
                    Poll::Pending
                } else {
                    self.state = State::Done;
                    Poll::Ready(())
                }
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
