//! `wait_for`, `timeout` and `timeout_at`: a deadline on any future.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::clock::deadline_after;
use super::timers::TimerKey;
use crate::error::TimeoutError;
use crate::runtime::context;

/// Runs `future` with a time limit: `asyncio.wait_for(aw, timeout)`.
///
/// The deadline is fixed when `wait_for` is called. If `future` is not done
/// by then, it is dropped (cancelled), its destructors run, and only then is
/// `Err(TimeoutError)` returned. As in asyncio, the deadline wins once it
/// has passed, even over a result that would be ready in the same turn; a
/// deadline already passed (`Duration::ZERO`) expires when `future` first
/// suspends, so a future that completes without suspending still wins.
/// Timeouts nest: of several due at the same instant, the outermost
/// reports. A delay too long for the clock (`Duration::MAX`) never expires.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let fast = corio::wait_for(Duration::from_secs(1), async { 1 }).await;
///     assert_eq!(fast, Ok(1));
///     let slow = corio::wait_for(Duration::from_millis(1), corio::sleep(Duration::from_secs(3600))).await;
///     assert_eq!(slow, Err(corio::TimeoutError::new()));
/// });
/// ```
///
/// # Panics
///
/// Polling it outside a running loop panics with "no running event loop".
///
/// # Cancel safety
///
/// Dropping the returned future drops `future` and disarms the timer.
pub fn wait_for<F: Future>(
    timeout: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, TimeoutError>> {
    with_deadline(Deadline::after(timeout), future)
}

/// The same as [`wait_for`], with the arguments in tokio's order.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     assert!(corio::timeout(Duration::from_millis(1), std::future::pending::<()>()).await.is_err());
/// });
/// ```
pub fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, TimeoutError>> {
    with_deadline(Deadline::after(duration), future)
}

/// As [`wait_for`], with a deadline on the loop's clock instead of a delay:
/// `asyncio.timeout_at(when)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let when = corio::time() + Duration::from_millis(1);
///     assert!(corio::timeout_at(when, std::future::pending::<()>()).await.is_err());
///     assert!(corio::time() >= when);
/// });
/// ```
pub fn timeout_at<F: Future>(
    when: Instant,
    future: F,
) -> impl Future<Output = Result<F::Output, TimeoutError>> {
    with_deadline(Deadline::At(when), future)
}

/// A timeout's deadline: fixed when the timeout is made, or, if that was
/// outside a loop, at its first poll (the loop's time then).
enum Deadline {
    At(Instant),
    /// `delay` after `start`, added up only if the timer is armed: a body
    /// ready at once costs a clock read and no arithmetic.
    After {
        start: Instant,
        delay: Duration,
    },
    /// Made outside a loop: `delay` after the first poll.
    AfterFirstPoll(Duration),
}

impl Deadline {
    /// The deadline of `delay` from now, fixed now if a loop runs here.
    #[inline]
    fn after(delay: Duration) -> Deadline {
        match context::with_current_borrowed(|core| core.now()) {
            Some(start) => Deadline::After { start, delay },
            None => Deadline::AfterFirstPoll(delay),
        }
    }

    /// The instant; `now` is the loop's time, for `AfterFirstPoll` (the
    /// timer is armed in the first poll, since a body that does not
    /// suspend there has finished).
    fn at(&self, now: impl FnOnce() -> Instant) -> Instant {
        match *self {
            Deadline::At(at) => at,
            Deadline::After { start, delay } => deadline_after(start, delay),
            Deadline::AfterFirstPoll(delay) => deadline_after(now(), delay),
        }
    }
}

/// The timer of a timeout, armed only once the body suspends.
enum Timer {
    /// The body has not suspended yet.
    Unarmed,
    /// Armed on the loop with this id.
    Armed { loop_id: u32, key: TimerKey },
    /// The deadline has passed: the body goes at the next poll.
    Expired,
}

impl Timer {
    /// True once the deadline has passed: its timer fired (left the timer
    /// queue), or it had passed when the body first suspended. Refreshes the
    /// armed timer's waker otherwise.
    #[inline]
    fn expired(&mut self, cx: &Context<'_>) -> bool {
        match *self {
            // Inlined: a body ready at once costs one comparison here.
            Timer::Unarmed => false,
            Timer::Expired => true,
            Timer::Armed { loop_id, key } => self.expired_armed(loop_id, key, cx),
        }
    }

    /// `expired` of an armed timer.
    fn expired_armed(&mut self, loop_id: u32, key: TimerKey, cx: &Context<'_>) -> bool {
        let pending = context::with_current_borrowed(|core| {
            assert!(
                core.id() == loop_id,
                "a timeout was polled outside the event loop it was first polled on"
            );
            core.update_timer(key, cx.waker())
        })
        .unwrap_or_else(|| panic!("no running event loop"));
        if !pending {
            *self = Timer::Expired;
        }
        !pending
    }

    /// The body suspended for the first time: arms the timer, or, if the
    /// deadline has passed, expires (and wakes the task on the next turn,
    /// as asyncio's `call_soon(on_timeout)` would).
    fn arm(&mut self, deadline: &Deadline, cx: &Context<'_>) {
        *self = context::with_current_borrowed(|core| {
            let deadline = deadline.at(|| core.now());
            match core.add_timer_unless_passed(deadline, cx.waker()) {
                Some(key) => Timer::Armed { loop_id: core.id(), key },
                None => {
                    core.wake_next_turn(cx.waker());
                    Timer::Expired
                }
            }
        })
        .unwrap_or_else(|| panic!("no running event loop"));
    }
}

impl Drop for Timer {
    #[inline]
    fn drop(&mut self) {
        if let Timer::Armed { loop_id, key } = *self {
            // Not fired: the body won, or the timeout was dropped.
            super::disarm(loop_id, key);
        }
    }
}

/// `future` with a deadline: asyncio's `timeout` scope around an `await`.
///
/// # Implementation
///
/// Each poll looks at the deadline first, then polls the body, so that of
/// nested timeouts due at the same instant the outermost reports and no
/// code after the inner one runs (asyncio: both cancel the task; the inner
/// sees a cancellation that is not its own and lets it through). The timer
/// is armed only when the body first suspends, so a body ready at once
/// costs no timer; a deadline already passed then expires at that first
/// suspension, and a body that completes without suspending wins, as with
/// `asyncio.timeout(0)`. An async fn drops its locals before it returns, so
/// on a timeout the body's destructors have run when the caller sees the
/// error, as asyncio's `finally` blocks run before `wait_for` raises.
async fn with_deadline<F: Future>(deadline: Deadline, future: F) -> Result<F::Output, TimeoutError> {
    Race { future: pin!(future), deadline, timer: Timer::Unarmed }.await
}

/// The body against the deadline; `Unpin`, as it holds the body by a pinned
/// reference.
struct Race<'a, F> {
    future: Pin<&'a mut F>,
    deadline: Deadline,
    timer: Timer,
}

impl<F: Future> Future for Race<'_, F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let race = &mut *self;
        if race.timer.expired(cx) {
            return Poll::Ready(Err(TimeoutError::new()));
        }
        if let Poll::Ready(output) = race.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if let Timer::Unarmed = race.timer {
            race.timer.arm(&race.deadline, cx);
        }
        Poll::Pending
    }
}
