//! A `timerfd`, so the reactor can sleep until an exact deadline.
//!
//! `epoll_wait` takes its timeout in whole milliseconds and mio rounds up, so
//! a 1.3 ms wait would become 2 ms. Instead the reactor arms this timer with
//! nanosecond precision and waits on it like any other source.

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::time::Duration;

use crate::sys;

#[derive(Debug)]
pub(crate) struct TimerFd {
    fd: OwnedFd,
}

impl TimerFd {
    pub(crate) fn new() -> io::Result<TimerFd> {
        Ok(TimerFd { fd: sys::timerfd_create()? })
    }

    /// Fires once, `delay` from now.
    pub(crate) fn set(&self, delay: Duration) -> io::Result<()> {
        sys::timerfd_set(self.fd.as_fd(), delay)
    }

    /// Consumes the expiry count, so the next expiry is a fresh edge.
    pub(crate) fn clear(&self) {
        sys::timerfd_clear(self.fd.as_fd());
    }
}

impl AsRawFd for TimerFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}
