//! `asyncio.timeout` as a scope: a deadline that the body, or another task,
//! can move while the body runs (`Timeout::reschedule`), and ask about
//! (`when`, `expired`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::error::TimeoutError;
use crate::runtime::context;
use crate::time::clock::deadline_after;
use crate::time::timers::TimerKey;

/// A timeout scope (`asyncio.Timeout`): made by [`timeout_scope`] or
/// [`timeout_scope_at`], entered by [`run`](Timeout::run). A cheap `Clone`
/// handle: the body, or another task, may keep one to move the deadline.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
/// runner.run(async {
///     let scope = corio::timeout_scope(Duration::from_millis(10));
///     let handle = scope.clone();
///     let out = scope
///         .run(async move {
///             // More time for the slow part.
///             handle.reschedule(Some(corio::time() + Duration::from_millis(50)));
///             corio::sleep(Duration::from_millis(20)).await;
///             "finished"
///         })
///         .await;
///     assert_eq!(out, Ok("finished"));
///     assert!(!scope.expired());
/// });
/// ```
#[derive(Clone)]
pub struct Timeout {
    state: Rc<State>,
}

struct State {
    when: Cell<Option<Instant>>,
    phase: Cell<Phase>,
    /// The armed timer, with its loop.
    timer: Cell<Option<(u32, TimerKey)>>,
    /// The deadline passed with no timer to fire (it was moved into the
    /// past): the scope expires at the body's next poll.
    due: Cell<bool>,
    /// The waker of the task running the body, once it suspended: a
    /// reschedule from elsewhere arms the new timer with it.
    waker: RefCell<Option<Waker>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Created,
    Entered,
    Expired,
    Finished,
}

/// A timeout scope of `delay` from now: `asyncio.timeout(delay)`. Run the
/// body with [`Timeout::run`].
///
/// # Panics
///
/// Panics outside a running loop.
#[track_caller]
pub fn timeout_scope(delay: Duration) -> Timeout {
    let now =
        context::with_current_borrowed(|core| core.now()).unwrap_or_else(|| panic!("no running event loop"));
    timeout_scope_at(Some(deadline_after(now, delay)))
}

/// A timeout scope with the deadline `when` (on the loop's clock), or none:
/// `asyncio.timeout_at(when)`.
pub fn timeout_scope_at(when: Option<Instant>) -> Timeout {
    Timeout {
        state: Rc::new(State {
            when: Cell::new(when),
            phase: Cell::new(Phase::Created),
            timer: Cell::new(None),
            due: Cell::new(false),
            waker: RefCell::new(None),
        }),
    }
}

impl Timeout {
    /// The deadline; `None` if there is none.
    pub fn when(&self) -> Option<Instant> {
        self.state.when.get()
    }

    /// True once the deadline passed while the body ran, so the body was
    /// dropped and [`run`](Timeout::run) returned `TimeoutError`.
    pub fn expired(&self) -> bool {
        self.state.phase.get() == Phase::Expired
    }

    /// Moves the deadline while the body runs: `None` removes it; an
    /// instant already passed expires the scope at the body's next
    /// suspension.
    ///
    /// # Panics
    ///
    /// Before [`run`](Timeout::run) ("Timeout has not been entered") and
    /// after the body finished or expired, as asyncio raises
    /// `RuntimeError`.
    #[track_caller]
    pub fn reschedule(&self, when: Option<Instant>) {
        match self.state.phase.get() {
            Phase::Entered => {}
            Phase::Created => panic!("Timeout has not been entered"),
            Phase::Expired => panic!("Cannot change state of expired Timeout"),
            Phase::Finished => panic!("Cannot change state of finished Timeout"),
        }
        self.state.when.set(when);
        self.state.disarm();
        self.state.due.set(false);
        let waker = self.state.waker.borrow().clone();
        if let Some(waker) = waker {
            self.state.arm(&waker);
        }
    }

    /// Runs `body` inside the scope: its output, or `TimeoutError` if the
    /// deadline passes first (the body is then dropped, as asyncio cancels
    /// it). As with [`wait_for`](crate::wait_for), the deadline is looked at
    /// before each poll of the body, and a body that finishes without
    /// suspending wins over a deadline already passed.
    ///
    /// # Panics
    ///
    /// If the scope was entered before.
    ///
    /// # Cancel safety
    ///
    /// Dropping it drops the body and disarms the timer.
    pub async fn run<F: Future>(&self, body: F) -> Result<F::Output, TimeoutError> {
        assert_eq!(self.state.phase.get(), Phase::Created, "a Timeout can be entered once");
        self.state.phase.set(Phase::Entered);
        let _exit = Exit(&self.state);
        let mut body = pin!(body);
        std::future::poll_fn(|cx| self.state.poll(body.as_mut(), cx)).await
    }
}

impl State {
    fn poll<F: Future>(
        &self,
        body: std::pin::Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<F::Output, TimeoutError>> {
        if self.has_expired(cx) {
            self.phase.set(Phase::Expired);
            self.disarm();
            return Poll::Ready(Err(TimeoutError::new()));
        }
        if let Poll::Ready(output) = body.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let mut kept = self.waker.borrow_mut();
        if !kept.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            *kept = Some(cx.waker().clone());
        }
        drop(kept);
        if self.timer.get().is_none() && !self.due.get() {
            self.arm(cx.waker());
        }
        Poll::Pending
    }

    /// True if the deadline passed: the timer fired, or it was due with no
    /// timer. Refreshes an armed timer's waker.
    fn has_expired(&self, cx: &Context<'_>) -> bool {
        if self.due.get() {
            return true;
        }
        let Some((loop_id, key)) = self.timer.get() else { return false };
        let pending = context::with_current_borrowed(|core| {
            assert!(core.id() == loop_id, "a Timeout was run outside the event loop it was armed on");
            core.update_timer(key, cx.waker())
        })
        .unwrap_or_else(|| panic!("no running event loop"));
        if !pending {
            self.timer.set(None);
        }
        !pending
    }

    /// Arms a timer for the deadline, or, if it has passed, wakes the body
    /// on the next turn to expire.
    fn arm(&self, waker: &Waker) {
        let Some(when) = self.when.get() else { return };
        context::with_current_borrowed(|core| match core.add_timer_unless_passed(when, waker) {
            Some(key) => self.timer.set(Some((core.id(), key))),
            None => {
                self.due.set(true);
                core.wake_next_turn(waker);
            }
        })
        .unwrap_or_else(|| panic!("no running event loop"));
    }

    fn disarm(&self) {
        if let Some((loop_id, key)) = self.timer.take() {
            context::with_current_borrowed(|core| {
                if core.id() == loop_id {
                    core.remove_timer(key);
                }
            });
        }
    }
}

/// Leaves the scope when `run` returns or is dropped: the timer goes, and
/// a scope that did not expire is finished.
struct Exit<'a>(&'a State);

impl Drop for Exit<'_> {
    fn drop(&mut self) {
        self.0.disarm();
        self.0.waker.borrow_mut().take();
        if self.0.phase.get() == Phase::Entered {
            self.0.phase.set(Phase::Finished);
        }
    }
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout").field("when", &self.when()).field("phase", &self.state.phase.get()).finish()
    }
}
