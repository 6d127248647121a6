//! The write buffer's high- and low-water marks, and when they tell a
//! protocol to pause or resume writing (asyncio's `FlowControlMixin`).

/// asyncio's default high-water mark.
const DEFAULT_HIGH: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct WriteLimits {
    high: usize,
    low: usize,
    /// `pause_writing` was called and `resume_writing` not yet.
    paused: bool,
}

impl WriteLimits {
    pub(crate) fn new() -> WriteLimits {
        WriteLimits { high: DEFAULT_HIGH, low: DEFAULT_HIGH / 4, paused: false }
    }

    /// As asyncio: a missing high mark is four times the low one (64 KiB
    /// if both are missing), a missing low mark a quarter of the high one.
    ///
    /// # Panics
    ///
    /// If `low` is above `high` (asyncio's `ValueError`).
    pub(crate) fn set(&mut self, high: Option<usize>, low: Option<usize>) {
        let high = high.unwrap_or_else(|| low.map_or(DEFAULT_HIGH, |low| low.saturating_mul(4)));
        let low = low.unwrap_or(high / 4);
        assert!(low <= high, "high ({high}) must be >= low ({low})");
        (self.high, self.low) = (high, low);
    }

    /// `(low, high)`, as asyncio's `get_write_buffer_limits`.
    pub(crate) fn get(&self) -> (usize, usize) {
        (self.low, self.high)
    }

    /// True if a buffer of `size` bytes must pause the protocol now.
    pub(crate) fn pause_due(&mut self, size: usize) -> bool {
        let due = !self.paused && size > self.high;
        self.paused |= due;
        due
    }

    /// True if a buffer of `size` bytes must resume the protocol now.
    pub(crate) fn resume_due(&mut self, size: usize) -> bool {
        let due = self.paused && size <= self.low;
        self.paused &= !due;
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_default_as_asyncio() {
        let mut limits = WriteLimits::new();
        assert_eq!(limits.get(), (16 * 1024, 64 * 1024));
        limits.set(None, Some(100));
        assert_eq!(limits.get(), (100, 400));
        limits.set(Some(100), None);
        assert_eq!(limits.get(), (25, 100));
    }

    #[test]
    fn pauses_above_high_once_and_resumes_at_low() {
        let mut limits = WriteLimits::new();
        limits.set(Some(10), Some(4));
        assert!(!limits.pause_due(10), "at the mark is not above it");
        assert!(limits.pause_due(11));
        assert!(!limits.pause_due(20), "once");
        assert!(!limits.resume_due(5));
        assert!(limits.resume_due(4));
        assert!(!limits.resume_due(0), "once");
    }

    #[test]
    #[should_panic(expected = "must be >= low")]
    fn a_low_mark_above_the_high_one_is_refused() {
        WriteLimits::new().set(Some(1), Some(2));
    }
}
