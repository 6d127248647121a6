//! Time: the loop's clock, the timer queue, `sleep` and timeouts.

pub(crate) mod clock;
pub(crate) mod scope;
pub(crate) mod sleep;
pub(crate) mod timeout;
pub(crate) mod timers;

use crate::runtime::context;
use timers::TimerKey;

/// Removes timer `key` of loop `loop_id` if that loop is the one running
/// here (a sleep, timeout or scope dropped elsewhere, or after its loop
/// closed, has no timer left to remove).
pub(crate) fn disarm(loop_id: u32, key: TimerKey) {
    context::with_current_borrowed(|core| {
        if core.id() == loop_id {
            core.remove_timer(key);
        }
    });
}
