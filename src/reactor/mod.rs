//! The reactor: mio's `Poll`, the cross-thread `mio::Waker`, and a timerfd.
//!
//! The reactor parks the loop's thread until an event, a deadline or a
//! wake-up from another thread arrives. It knows nothing of tasks: it is told
//! how long it may wait, and reports what it saw.

mod timerfd;

use std::io;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use self::timerfd::TimerFd;

const WAKER: Token = Token(usize::MAX);
const TIMER: Token = Token(usize::MAX - 1);

/// How long one reactor turn may block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Park {
    /// Do not block: only collect what is ready now.
    No,
    /// Block until this instant at the latest.
    Until(Instant),
    /// Block until an event or a wake-up.
    Forever,
}

#[derive(Debug)]
pub(crate) struct Reactor {
    poll: Poll,
    events: Events,
    timer: TimerFd,
    /// The deadline the timerfd is armed for, to skip re-arming it.
    armed: Option<Instant>,
}

impl Reactor {
    /// A reactor and the waker other threads use to interrupt its `turn`.
    pub(crate) fn new() -> io::Result<(Reactor, mio::Waker)> {
        let poll = Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER)?;
        let timer = TimerFd::new()?;
        poll.registry().register(
            &mut SourceFd(&std::os::fd::AsRawFd::as_raw_fd(&timer)),
            TIMER,
            Interest::READABLE,
        )?;
        let reactor = Reactor { poll, events: Events::with_capacity(256), timer, armed: None };
        Ok((reactor, waker))
    }

    /// Waits for events as `park` allows; `now` is the loop clock's reading.
    ///
    /// Returns true if the deadline passed or anything else happened.
    pub(crate) fn turn(&mut self, park: Park, now: Instant) -> io::Result<()> {
        let timeout = match park {
            Park::No => Some(Duration::ZERO),
            Park::Forever => None,
            Park::Until(deadline) if deadline <= now => Some(Duration::ZERO),
            Park::Until(deadline) => {
                if self.armed != Some(deadline) {
                    self.timer.set(deadline - now)?;
                    self.armed = Some(deadline);
                }
                None
            }
        };
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(err) => return Err(err),
        }
        for event in &self.events {
            if event.token() == TIMER {
                self.timer.clear();
                self.armed = None;
            }
        }
        Ok(())
    }
}
