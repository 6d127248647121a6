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

use crate::sys;

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
    /// The OS monotonic clock (`CLOCK_MONOTONIC`, as `loop.time()` reads),
    /// since `epoch`, with what [`may_have_passed`](Clock::may_have_passed)
    /// needs (if the OS has a coarse clock).
    Real { epoch: Instant, coarse: Option<Coarse> },
    /// A clock that moves only when the loop or the test says so.
    Virtual {
        epoch: Instant,
        now: Cell<Instant>,
        /// Whether an idle loop jumps to the next deadline by itself.
        auto_advance: Cell<bool>,
    },
}

/// A cheap, conservative look at the real clock: `CLOCK_MONOTONIC_COARSE`
/// costs a fifth of `CLOCK_MONOTONIC` here (4 ns against 20), and lags it by
/// at most one tick, so "coarse time plus two ticks is before the deadline"
/// proves the deadline has not come. Most turns of a busy loop with timers
/// pending need no more than that.
#[derive(Debug)]
pub(crate) struct Coarse {
    /// The `CLOCK_MONOTONIC` reading taken with the clock's epoch: std's
    /// `Instant` is that clock, so the two convert by this offset.
    epoch_monotonic: u64,
    /// Two ticks of the coarse clock, in nanoseconds.
    slack: u64,
}

impl Coarse {
    fn new() -> Option<Coarse> {
        let epoch_monotonic = sys::monotonic_nanos().ok()?;
        let slack = 2 * sys::monotonic_coarse_resolution_nanos().ok()?;
        sys::monotonic_coarse_nanos().ok()?;
        Some(Coarse { epoch_monotonic, slack })
    }

    /// False only if the deadline `nanos` after the epoch has certainly not
    /// come.
    fn may_have_passed(&self, nanos: u64) -> bool {
        match sys::monotonic_coarse_nanos() {
            Ok(coarse) => (coarse + self.slack).saturating_sub(self.epoch_monotonic) >= nanos,
            Err(_) => true,
        }
    }
}

impl Clock {
    pub(crate) fn new(virtual_time: bool) -> Clock {
        let epoch = Instant::now();
        if virtual_time {
            Clock::Virtual { epoch, now: Cell::new(epoch), auto_advance: Cell::new(true) }
        } else {
            Clock::Real { epoch, coarse: Coarse::new() }
        }
    }

    /// When the loop started: the zero of the timers' nanoseconds.
    pub(crate) fn epoch(&self) -> Instant {
        match self {
            Clock::Real { epoch, .. } | Clock::Virtual { epoch, .. } => *epoch,
        }
    }

    pub(crate) fn now(&self) -> Instant {
        match self {
            Clock::Real { .. } => Instant::now(),
            Clock::Virtual { now, .. } => now.get(),
        }
    }

    /// False only if the deadline `nanos` after the epoch has certainly not
    /// come; cheaper than [`now`](Clock::now) on the real clock, and may
    /// say true a little early (then read `now`).
    pub(crate) fn may_have_passed(&self, nanos: u64) -> bool {
        let since_epoch = |now: Instant| now.saturating_duration_since(self.epoch()).as_nanos();
        match self {
            Clock::Real { coarse: Some(coarse), .. } => coarse.may_have_passed(nanos),
            Clock::Real { coarse: None, .. } => since_epoch(Instant::now()) >= u128::from(nanos),
            Clock::Virtual { now, .. } => since_epoch(now.get()) >= u128::from(nanos),
        }
    }

    pub(crate) fn is_virtual(&self) -> bool {
        matches!(self, Clock::Virtual { .. })
    }

    /// Moves a virtual clock forward to `when` (never backward); true if the
    /// clock is virtual.
    pub(crate) fn advance_to(&self, when: Instant) -> bool {
        match self {
            Clock::Real { .. } => false,
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
            Clock::Real { .. } => false,
            Clock::Virtual { auto_advance, .. } => auto_advance.get(),
        }
    }

    /// Turns auto-advance on or off; true if the clock is virtual.
    pub(crate) fn set_auto_advance(&self, enabled: bool) -> bool {
        match self {
            Clock::Real { .. } => false,
            Clock::Virtual { auto_advance, .. } => {
                auto_advance.set(enabled);
                true
            }
        }
    }
}
