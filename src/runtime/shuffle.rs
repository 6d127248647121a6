//! The seeded shuffle of each turn's ready work (`Builder::shuffle`), which
//! tests use to flush out bugs that depend on the order of events.

use std::cell::Cell;

/// A xorshift generator whose state survives from turn to turn: the same
/// seed gives the same orders, always.
#[derive(Debug)]
pub(crate) struct Shuffle {
    state: Cell<u64>,
}

impl Shuffle {
    pub(crate) fn new(seed: u64) -> Shuffle {
        // Zero is a fixed point of xorshift; any other state works.
        Shuffle { state: Cell::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1) }
    }

    /// Shuffles `items` in place (Fisher-Yates).
    pub(crate) fn shuffle<T>(&self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let mut x = self.state.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.state.set(x);
            items.swap(i, (x % (i as u64 + 1)) as usize);
        }
    }
}
