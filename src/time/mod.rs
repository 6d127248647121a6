//! Time: the loop's clock, the timer queue, `sleep` and timeouts.

pub(crate) mod clock;
pub(crate) mod scope;
pub(crate) mod sleep;
pub(crate) mod timeout;
pub(crate) mod timers;
