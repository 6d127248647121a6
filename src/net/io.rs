//! A source registered with the running loop's reactor: what every corio
//! socket is built on.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use mio::unix::SourceFd;

use crate::reactor::sources::{Direction, SourceKey};
use crate::runtime::context;
use crate::runtime::core::Core;
use crate::runtime::task::cell::here;
use crate::runtime::task::info::WaitingOn;

/// `source`, registered with the loop it was made on. Dropping it
/// deregisters the source (and wakes whoever waited on it).
pub(crate) struct Io<S: mio::event::Source> {
    source: S,
    key: SourceKey,
    core: Weak<Core>,
    /// Taken off the reactor already ([`Io::deregister_now`]).
    deregistered: Cell<bool>,
}

impl<S: mio::event::Source> Io<S> {
    /// Registers `source` with the running loop.
    ///
    /// # Errors
    ///
    /// Fails outside a running loop, or if epoll refuses the source.
    pub(crate) fn new(mut source: S) -> io::Result<Io<S>> {
        let core = context::current().ok_or_else(no_running_loop)?;
        let key = core.reactor().borrow_mut().register(&mut source)?;
        Ok(Io { source, key, core: Rc::downgrade(&core), deregistered: Cell::new(false) })
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.source
    }

    /// Runs `op` (one non-blocking syscall) when the direction may be
    /// ready: at once the first time, and after each readiness event
    /// following a `WouldBlock`.
    ///
    /// # Errors
    ///
    /// What `op` returns, or an error if the loop is closed.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io_then(cx, direction, op, |_| false)
    }

    /// As [`poll_io`](Io::poll_io), for a read or write of `len` bytes on a
    /// byte stream (or pipe). One that moved some bytes but fewer than asked
    /// has drained the kernel's buffer (or filled it), and epoll will report
    /// the next change as a new edge: so readiness is cleared at once, and
    /// the next call parks instead of making a syscall that would only say
    /// `WouldBlock` (tokio does the same). An echo server makes one syscall
    /// fewer per message.
    pub(crate) fn poll_stream(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        len: usize,
        op: impl FnMut(&S) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_io_then(cx, direction, op, |result| matches!(result, Ok(n) if *n > 0 && *n < len))
    }

    /// Runs `op` as `poll_io` says; clears the readiness it used if
    /// `exhausted` says its result shows the direction is no longer ready.
    fn poll_io_then<R>(
        &self,
        cx: &mut Context<'_>,
        direction: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
        exhausted: impl Fn(&io::Result<R>) -> bool,
    ) -> Poll<io::Result<R>> {
        let Some(core) = self.core.upgrade().filter(|core| !core.is_closed()) else {
            return Poll::Ready(Err(loop_closed()));
        };
        loop {
            let poll = core.reactor().borrow_mut().poll_ready(self.key, direction, cx);
            let Poll::Ready(seen) = poll else {
                // Only its own loop's reactor will ever report it ready.
                if here::get() != core.id() {
                    return Poll::Ready(Err(other_loop(core.id())));
                }
                context::note_waiting(match direction {
                    Direction::Read => WaitingOn::IoRead,
                    Direction::Write => WaitingOn::IoWrite,
                });
                return Poll::Pending;
            };
            match op(&self.source) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    core.reactor().borrow_mut().clear_ready(self.key, direction, seen);
                }
                result => {
                    if exhausted(&result) {
                        core.reactor().borrow_mut().clear_ready(self.key, direction, seen);
                    }
                    return Poll::Ready(result);
                }
            }
        }
    }
}

/// A descriptor as a mio source, for what mio has no type of its own
/// (a pidfd, a descriptor someone else owns).
pub(crate) struct Fd<T: AsRawFd>(pub(crate) T);

impl<T: AsRawFd> mio::event::Source for Fd<T> {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

impl<T: AsRawFd> AsRawFd for Fd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }
}

/// Byte-stream operations, shared by TCP and Unix streams.
impl<S: mio::event::Source> Io<S>
where
    for<'a> &'a S: std::io::Read + std::io::Write,
{
    pub(crate) fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let len = buf.len();
        self.poll_stream(cx, Direction::Read, len, |mut source| source.read(buf))
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_stream(cx, Direction::Write, buf.len(), |mut source| source.write(buf))
    }

    pub(crate) async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    pub(crate) async fn read_exact(&self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    pub(crate) async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        std::future::poll_fn(|cx| self.poll_write(cx, buf)).await
    }

    pub(crate) async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }
}

impl<S: mio::event::Source + AsRawFd> Io<S> {
    /// Stops or restarts read events for the source (a transport's
    /// `pause_reading`); it stays registered for write events.
    ///
    /// # Errors
    ///
    /// If the loop is closed, or epoll refuses.
    pub(crate) fn set_read_interest(&self, on: bool) -> io::Result<()> {
        let core = self.core.upgrade().filter(|core| !core.is_closed()).ok_or_else(loop_closed)?;
        let fd = self.source.as_raw_fd();
        let result = core.reactor().borrow_mut().set_read_interest(&mut SourceFd(&fd), self.key, on);
        result
    }

    /// Takes the source off the reactor now, once, before the `Io` drops
    /// (whoever waited on it is woken): for a descriptor that may be closed,
    /// and its number given to a new file, while something still holds the
    /// `Io`; the drop would then take the new file's registration off.
    pub(crate) fn deregister_now(&self) {
        if self.deregistered.replace(true) {
            return;
        }
        if let Some(core) = self.core.upgrade() {
            let fd = self.source.as_raw_fd();
            let wakers = core.reactor().borrow_mut().deregister(&mut SourceFd(&fd), self.key);
            wakers.into_iter().for_each(Waker::wake);
        }
    }
}

impl<S: mio::event::Source> Drop for Io<S> {
    fn drop(&mut self) {
        if self.deregistered.get() {
            return;
        }
        if let Some(core) = self.core.upgrade() {
            let wakers = core.reactor().borrow_mut().deregister(&mut self.source, self.key);
            wakers.into_iter().for_each(Waker::wake);
        }
    }
}

impl<S: mio::event::Source + fmt::Debug> fmt::Debug for Io<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.source.fmt(f)
    }
}

/// The error of a socket (or watcher, or signal) made outside a loop.
pub(crate) fn no_running_loop() -> io::Error {
    io::Error::other("no running event loop")
}

/// The error of a socket used after its loop closed.
pub(crate) fn loop_closed() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, crate::error::LoopClosedError(()))
}

/// The error of a socket used while another loop than its own runs.
fn other_loop(own: u32) -> io::Error {
    io::Error::other(format!("socket attached to a different loop (loop {own}) than the one running here"))
}
