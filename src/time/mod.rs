//! Time: the loop's clock, the timer queue, and `sleep`.

pub(crate) mod clock;
pub(crate) mod sleep;
pub(crate) mod timers;
