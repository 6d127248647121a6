//! `sleep`, `sleep_until` and `yield_now`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

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
        return Sleep { state: State::Yield { yielded: false }, deadline: None };
    }
    match context::with_current(|core| core.map(|core| core.now())) {
        Some(now) => sleep_until(now + delay),
        None => Sleep { state: State::Unarmed(Some(delay)), deadline: None },
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
    Sleep { state: State::Unarmed(None), deadline: Some(deadline) }
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
    state: State,
    /// Fixed at creation inside a loop, else at the first poll.
    deadline: Option<Instant>,
}

#[derive(Debug)]
enum State {
    /// `sleep(ZERO)`: wake at once and return on the next poll.
    Yield {
        yielded: bool,
    },
    /// Not polled yet; the delay to add to the loop's time at the first poll
    /// when the deadline is not fixed yet.
    Unarmed(Option<Duration>),
    /// A timer is set on the loop with this id.
    Armed {
        loop_id: u64,
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
            State::Unarmed(delay) => {
                let core = context::expect_current();
                let deadline = match (self.deadline, delay) {
                    (Some(deadline), _) => deadline,
                    (None, delay) => core.now() + delay.unwrap_or_default(),
                };
                let key = core.add_timer(deadline, cx.waker().clone());
                core.note_waiting(WaitingOn::Sleep);
                self.deadline = Some(deadline);
                self.state = State::Armed { loop_id: core.id(), key };
                Poll::Pending
            }
            State::Armed { loop_id, key, .. } => {
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
        if let State::Armed { loop_id, key, .. } = self.state {
            context::with_current(|core| {
                if let Some(core) = core.filter(|core| core.id() == loop_id) {
                    core.remove_timer(key);
                }
            });
        }
    }
}
