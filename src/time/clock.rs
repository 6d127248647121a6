//! The loop's clock: the one place that says what time it is.
//!
//! Every deadline in corio is read from here: `time()`, `sleep`, the timer
//! heap and the reactor's wait all go through [`Clock::now`].
//!
//! # Virtual time
//!
//! A virtual clock (`Runner::builder().virtual_time(true)`) starts at the
//! instant the loop is created and moves only when told: by the loop, which
//! jumps it exactly to the next timer's deadline when it has nothing else to
//! do (see `Core::run_once`), or by `testing::advance`.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// How far away "never" is: a delay too long for the clock (`Duration::MAX`)
/// is cut to this. The timers treat any deadline past about 584 years as
/// never due, so a timer this far out never fires, and virtual time never
/// jumps to it.
const NEVER: Duration = Duration::from_secs(1_000 * 365 * 24 * 3600);

/// `now + delay`, saturating: a delay too long for the clock means never.
pub(crate) fn deadline_after(now: Instant, delay: Duration) -> Instant {
    now.checked_add(delay.min(NEVER)).expect("the clock has room for a thousand years")
}

/// Where a loop reads the time from.
#[derive(Debug)]
pub(crate) enum Clock {
    /// The OS monotonic clock (`CLOCK_MONOTONIC`, as `loop.time()` reads).
    Real,
    /// A clock that moves only when the loop or the test says so.
    Virtual {
        now: Cell<Instant>,
        /// Whether an idle loop jumps to the next deadline by itself.
        auto_advance: Cell<bool>,
    },
}

impl Clock {
    pub(crate) fn new(virtual_time: bool) -> Clock {
        if virtual_time {
            Clock::Virtual { now: Cell::new(Instant::now()), auto_advance: Cell::new(true) }
        } else {
            Clock::Real
        }
    }

    pub(crate) fn now(&self) -> Instant {
        match self {
            Clock::Real => Instant::now(),
            Clock::Virtual { now, .. } => now.get(),
        }
    }

    pub(crate) fn is_virtual(&self) -> bool {
        matches!(self, Clock::Virtual { .. })
    }

    /// Moves a virtual clock forward to `when` (never backward); true if the
    /// clock is virtual.
    pub(crate) fn advance_to(&self, when: Instant) -> bool {
        match self {
            Clock::Real => false,
            Clock::Virtual { now, .. } => {
                now.set(now.get().max(when));
                true
            }
        }
    }

    /// Moves a virtual clock forward by `by`; true if the clock is virtual.
    pub(crate) fn advance(&self, by: Duration) -> bool {
        self.advance_to(deadline_after(self.now(), by))
    }

    /// True if an idle loop may jump this clock to the next deadline.
    pub(crate) fn auto_advances(&self) -> bool {
        match self {
            Clock::Real => false,
            Clock::Virtual { auto_advance, .. } => auto_advance.get(),
        }
    }

    /// Turns auto-advance on or off; true if the clock is virtual.
    pub(crate) fn set_auto_advance(&self, enabled: bool) -> bool {
        match self {
            Clock::Real => false,
            Clock::Virtual { auto_advance, .. } => {
                auto_advance.set(enabled);
                true
            }
        }
    }
}
