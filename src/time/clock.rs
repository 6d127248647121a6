//! The loop's clock: the one place that says what time it is.
//!
//! Every deadline in corio is read from here, so the virtual clock for tests
//! (`Runner::builder().virtual_time(true)`, a later addition) slots in as a
//! second variant without touching the timers or the loop turn.

use std::time::Instant;

/// Where a loop reads the time from.
#[derive(Debug)]
pub(crate) enum Clock {
    /// The OS monotonic clock (`CLOCK_MONOTONIC`, as `loop.time()` reads).
    Real,
}

impl Clock {
    pub(crate) fn now(&self) -> Instant {
        match self {
            Clock::Real => Instant::now(),
        }
    }
}
