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
use crate::runtime::handles::Handle;
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
    /// What moves the scope to `Expiring` when the deadline passes.
    armed: RefCell<Option<Armed>>,
    /// The waker of the task running the body, once it suspended: the
    /// expiry wakes it.
    waker: RefCell<Option<Waker>>,
}

/// asyncio's states: `CREATED`, `ENTERED`, `EXPIRING` (the deadline passed;
/// the body goes at its next poll), `EXPIRED`, `EXITED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Created,
    Entered,
    Expiring,
    Expired,
    Finished,
}

/// The pending expiry: a timer callback at the deadline, or, for a
/// deadline already passed, a callback on the next turn (asyncio's
/// `call_at` / `call_soon(self._on_timeout)`).
enum Armed {
    At { loop_id: u32, key: TimerKey },
    Soon(Handle),
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
            armed: RefCell::new(None),
            waker: RefCell::new(None),
        }),
    }
}

impl Timeout {
    /// The deadline; `None` if there is none.
    pub fn when(&self) -> Option<Instant> {
        self.state.when.get()
    }

    /// True once the deadline passed while the body ran: the body is
    /// dropped at its next poll (or was), and [`run`](Timeout::run) returns
    /// `TimeoutError`.
    pub fn expired(&self) -> bool {
        matches!(self.state.phase.get(), Phase::Expiring | Phase::Expired)
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
            Phase::Expiring => panic!("Cannot change state of expiring Timeout"),
            Phase::Expired => panic!("Cannot change state of expired Timeout"),
            Phase::Finished => panic!("Cannot change state of finished Timeout"),
        }
        self.state.when.set(when);
        self.state.disarm();
        State::arm(&self.state);
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
        assert_eq!(self.state.phase.get(), Phase::Created, "Timeout has already been entered");
        self.state.phase.set(Phase::Entered);
        // Armed on entry, as asyncio's `__aenter__` does: a deadline already
        // passed expires on the next turn, which a body that finishes
        // without suspending beats.
        State::arm(&self.state);
        let _exit = Exit(&self.state);
        let mut body = pin!(body);
        std::future::poll_fn(|cx| State::poll(&self.state, body.as_mut(), cx)).await
    }
}

impl State {
    fn poll<F: Future>(
        state: &Rc<State>,
        body: std::pin::Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<F::Output, TimeoutError>> {
        if state.phase.get() == Phase::Expiring {
            state.phase.set(Phase::Expired);
            return Poll::Ready(Err(TimeoutError::new()));
        }
        if let Poll::Ready(output) = body.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let mut kept = state.waker.borrow_mut();
        if !kept.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            *kept = Some(cx.waker().clone());
        }
        Poll::Pending
    }

    /// Arms the expiry for the deadline (none for no deadline): a timer, or
    /// a callback on the next turn if the deadline has passed.
    fn arm(state: &Rc<State>) {
        let Some(when) = state.when.get() else { return };
        let weak = Rc::downgrade(state);
        let expire = Box::new(move || {
            if let Some(state) = weak.upgrade() {
                state.expire();
            }
        });
        let armed = context::with_current_borrowed(|core| {
            if when <= core.now() {
                Armed::Soon(core.call_soon(expire))
            } else {
                let (_, key) = core.call_at(when, expire);
                Armed::At { loop_id: core.id(), key }
            }
        })
        .unwrap_or_else(|| panic!("no running event loop"));
        *state.armed.borrow_mut() = Some(armed);
    }

    /// The deadline passed: the body goes at its next poll.
    fn expire(&self) {
        self.armed.borrow_mut().take();
        if self.phase.get() == Phase::Entered {
            self.phase.set(Phase::Expiring);
            // Taken: the body's next poll returns at once, and keeps none.
            let waker = self.waker.borrow_mut().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    fn disarm(&self) {
        let armed = self.armed.borrow_mut().take();
        match armed {
            Some(Armed::At { loop_id, key }) => super::disarm(loop_id, key),
            Some(Armed::Soon(handle)) => handle.cancel(),
            None => {}
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
        match self.0.phase.get() {
            // Dropped while expiring (an outer timeout due at the same
            // instant won): expired all the same, as asyncio's `__aexit__`.
            Phase::Expiring => self.0.phase.set(Phase::Expired),
            Phase::Entered => self.0.phase.set(Phase::Finished),
            _ => {}
        }
    }
}

impl fmt::Debug for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout").field("when", &self.when()).field("phase", &self.state.phase.get()).finish()
    }
}
