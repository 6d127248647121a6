//! The reactor: mio's `Poll`, the cross-thread `mio::Waker`, a timerfd, and
//! the registered I/O sources.
//!
//! The reactor parks the loop's thread until an event, a deadline or a
//! wake-up from another thread arrives. It knows nothing of tasks: it is told
//! how long it may wait, and hands back the wakers the events release.

pub(crate) mod sources;
mod timerfd;

use std::io;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use std::task::{Context, Poll as TaskPoll, Waker};

use self::sources::{Direction, Readiness, ReadyAt, SourceKey, Sources};
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
    sources: Sources,
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
        let reactor = Reactor {
            poll,
            events: Events::with_capacity(256),
            timer,
            armed: None,
            sources: Sources::default(),
        };
        Ok((reactor, waker))
    }

    /// Waits for events as `park` allows (`now` is the loop clock's
    /// reading), and collects in `wakers` those the events release.
    pub(crate) fn turn(&mut self, park: Park, now: Instant, wakers: &mut Vec<Waker>) -> io::Result<()> {
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
            match event.token() {
                TIMER => {
                    self.timer.clear();
                    self.armed = None;
                }
                WAKER => {}
                token => {
                    // Errors and hang-ups wake both directions: the next
                    // syscall reports them. Only a hang-up is for good: an
                    // error alone (a UDP socket's ICMP "refused") is read
                    // once, and the socket may block again after it, so it
                    // must not stay ready (its reads would spin).
                    let failed = event.is_error();
                    let hung_up = event.is_read_closed();
                    let readiness = Readiness {
                        readable: event.is_readable() || failed,
                        read_closed: hung_up,
                        writable: event.is_writable() || failed,
                        // mio counts EPOLLOUT with EPOLLERR as closed too.
                        write_closed: event.is_write_closed() && (hung_up || !failed),
                    };
                    self.sources.dispatch(token, readiness, wakers);
                }
            }
        }
        Ok(())
    }

    /// Registers `source`, edge-triggered, for both directions.
    pub(crate) fn register(&mut self, source: &mut impl mio::event::Source) -> io::Result<SourceKey> {
        let key = self.sources.insert();
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(err) = self.poll.registry().register(source, key.token(), interest) {
            self.sources.remove(key);
            return Err(err);
        }
        Ok(key)
    }

    /// Asks epoll for read events of a registered source again, or only for
    /// write events. Re-arming the read interest reports the current
    /// readiness as a new edge, so nothing that came meanwhile is missed.
    pub(crate) fn set_read_interest(
        &mut self,
        source: &mut impl mio::event::Source,
        key: SourceKey,
        on: bool,
    ) -> io::Result<()> {
        let interest = if on { Interest::READABLE | Interest::WRITABLE } else { Interest::WRITABLE };
        self.poll.registry().reregister(source, key.token(), interest)
    }

    /// Deregisters `source`; returns the wakers still waiting on it.
    pub(crate) fn deregister(&mut self, source: &mut impl mio::event::Source, key: SourceKey) -> Vec<Waker> {
        // The fd closes right after; a failure here changes nothing.
        let _ = self.poll.registry().deregister(source);
        self.sources.remove(key)
    }

    pub(crate) fn poll_ready(
        &mut self,
        key: SourceKey,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> TaskPoll<ReadyAt> {
        self.sources.poll_ready(key, direction, cx)
    }

    pub(crate) fn clear_ready(&mut self, key: SourceKey, direction: Direction, seen: ReadyAt) {
        self.sources.clear(key, direction, seen);
    }
}
