//! `Transport`: what a stream protocol writes through
//! (`asyncio.Transport`), and the state it shares with its driver.

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use super::control::{Control, Next, Pauser};
use crate::net::byte_socket::{no_ip_address, ByteSocket};
use crate::net::server::Served;

/// The writing side of a protocol's connection, and its controls
/// (`asyncio.Transport`): a cheap `Clone` handle, `!Send`, that the
/// protocol keeps from `connection_made`.
///
/// [`write`](Transport::write) never blocks: what the socket does not take
/// at once is buffered and sent as it can. Past the high-water mark (64 KiB
/// unless [`set_write_buffer_limits`](Transport::set_write_buffer_limits)
/// says otherwise) the protocol's `pause_writing` is called, and
/// `resume_writing` once the buffer is down to the low-water mark. Methods
/// called after the connection is lost do nothing.
///
/// # Examples
///
/// See [`Protocol`](crate::Protocol).
#[derive(Clone)]
pub struct Transport {
    pub(crate) inner: Rc<Inner>,
}

pub(crate) struct Inner {
    /// Dropped (so closed, unless a stream still holds it) once the
    /// connection is lost.
    socket: RefCell<Option<Rc<dyn ByteSocket>>>,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
    buffer: RefCell<WriteBuffer>,
    control: RefCell<Control>,
    pause: Pauser,
}

/// The bytes written and not yet sent, and the end of the write half.
#[derive(Debug, Default)]
struct WriteBuffer {
    bytes: Vec<u8>,
    /// How much of `bytes` is sent.
    sent: usize,
    reading_paused: bool,
    /// `write_eof` was called; the write half is shut once flushed.
    eof_requested: bool,
    eof_sent: bool,
}

impl Transport {
    /// A transport of `socket`, whose protocol's `pause_writing` is `pause`.
    pub(crate) fn new(socket: Rc<dyn ByteSocket>, pause: Pauser) -> Transport {
        Transport {
            inner: Rc::new(Inner {
                peer: socket.peer_addr().ok(),
                local: socket.local_addr().ok(),
                socket: RefCell::new(Some(socket)),
                buffer: RefCell::new(WriteBuffer::default()),
                control: RefCell::new(Control::new()),
                pause,
            }),
        }
    }

    /// Sends `data`: at once as far as the socket takes it, the rest
    /// buffered. Does nothing once the connection is lost; after
    /// [`close`](Transport::close), still sent before the connection closes.
    ///
    /// # Panics
    ///
    /// After [`write_eof`](Transport::write_eof), as asyncio raises.
    pub fn write(&self, data: &[u8]) {
        let inner = &*self.inner;
        let mut buffer = inner.buffer.borrow_mut();
        assert!(!buffer.eof_requested, "Transport::write after write_eof");
        if data.is_empty() || inner.control.borrow().is_lost() {
            return;
        }
        let mut rest = data;
        if buffer.pending() == 0 {
            match inner.try_write(data) {
                Ok(n) => rest = &data[n..],
                Err(error) => {
                    drop(buffer);
                    return inner.force_close(Some(error));
                }
            }
            if rest.is_empty() {
                return;
            }
            inner.control.borrow().wake_driver();
        }
        buffer.bytes.extend_from_slice(rest);
        let size = buffer.pending();
        drop(buffer);
        inner.pause_if_above(size);
    }

    /// Writes each buffer in turn (`writelines`).
    ///
    /// # Panics
    ///
    /// As [`write`](Transport::write).
    pub fn writelines<'a>(&self, buffers: impl IntoIterator<Item = &'a [u8]>) {
        for buffer in buffers {
            self.write(buffer);
        }
    }

    /// Shuts the write half down once the buffer is sent: the peer reads
    /// end of stream, and reading goes on.
    pub fn write_eof(&self) {
        let control = self.inner.control.borrow();
        let mut buffer = self.inner.buffer.borrow_mut();
        if control.closing || buffer.eof_requested {
            return;
        }
        buffer.eof_requested = true;
        control.wake_driver();
    }

    /// True: a TCP or Unix-domain stream can be half-closed.
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// Stops reading, sends what is buffered, then closes the connection;
    /// the protocol's `connection_lost(None)` is called on a later turn.
    /// With nothing buffered the connection counts as lost at once: later
    /// writes are dropped, as asyncio's.
    pub fn close(&self) {
        if !self.inner.control.borrow_mut().start_closing() {
            return;
        }
        self.inner.set_read_interest(false);
        if self.get_write_buffer_size() == 0 {
            self.inner.control.borrow_mut().lose_soon(None);
        }
    }

    /// Closes at once, dropping the buffer; the protocol's
    /// `connection_lost(None)` is called on the next turn.
    pub fn abort(&self) {
        self.inner.force_close(None);
    }

    /// True once closing or closed.
    pub fn is_closing(&self) -> bool {
        self.inner.control.borrow().closing
    }

    /// Stops reading: no `data_received` until
    /// [`resume_reading`](Transport::resume_reading), and the loop stops
    /// watching the socket for reading (the peer's writes fill the kernel's
    /// buffer, then block).
    pub fn pause_reading(&self) {
        if !self.is_reading() {
            return;
        }
        self.inner.buffer.borrow_mut().reading_paused = true;
        self.inner.set_read_interest(false);
    }

    /// Reads again after [`pause_reading`](Transport::pause_reading).
    pub fn resume_reading(&self) {
        let control = self.inner.control.borrow();
        let mut buffer = self.inner.buffer.borrow_mut();
        if control.closing || !buffer.reading_paused {
            return;
        }
        buffer.reading_paused = false;
        control.wake_driver();
        drop((control, buffer));
        self.inner.set_read_interest(true);
    }

    /// True unless reading is paused or the transport is closing.
    pub fn is_reading(&self) -> bool {
        self.inner.is_reading()
    }

    /// How many bytes are buffered, not yet sent.
    pub fn get_write_buffer_size(&self) -> usize {
        self.inner.buffer.borrow().pending()
    }

    /// `(low, high)`: the water marks of the write buffer.
    pub fn get_write_buffer_limits(&self) -> (usize, usize) {
        self.inner.control.borrow().limits.get()
    }

    /// Sets the water marks, as asyncio: `None` for `high` is four times
    /// `low` (64 KiB if both are `None`), `None` for `low` a quarter of
    /// `high`. Pauses the protocol at once if the buffer is above the new
    /// high mark.
    ///
    /// # Panics
    ///
    /// If `low` is above `high` (asyncio's `ValueError`).
    pub fn set_write_buffer_limits(&self, high: Option<usize>, low: Option<usize>) {
        self.inner.control.borrow_mut().limits.set(high, low);
        self.inner.pause_if_above(self.get_write_buffer_size());
    }

    /// The peer's address (asyncio's `get_extra_info('peername')`).
    ///
    /// # Errors
    ///
    /// `Unsupported` for a Unix-domain socket.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer.ok_or_else(no_ip_address)
    }

    /// The local address (asyncio's `get_extra_info('sockname')`).
    ///
    /// # Errors
    ///
    /// `Unsupported` for a Unix-domain socket.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local.ok_or_else(no_ip_address)
    }

    pub(crate) fn downgrade(&self) -> WeakTransport {
        WeakTransport(Rc::downgrade(&self.inner))
    }
}

impl WriteBuffer {
    fn pending(&self) -> usize {
        self.bytes.len() - self.sent
    }

    fn drop_bytes(&mut self) {
        self.bytes.clear();
        self.sent = 0;
    }
}

impl Inner {
    /// The driver's turn: remembers its waker and says what is due.
    pub(crate) fn next(&self, waker: &Waker) -> Next {
        self.control.borrow_mut().next(waker)
    }

    /// Sends the buffer as far as the socket takes it; true if that took it
    /// down to the low-water mark (the protocol is to resume writing).
    pub(crate) fn flush(&self, cx: &mut Context<'_>) -> bool {
        let mut buffer = self.buffer.borrow_mut();
        while buffer.pending() > 0 {
            let poll = match &*self.socket.borrow() {
                Some(socket) => socket.poll_write(cx, &buffer.bytes[buffer.sent..]),
                None => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
            };
            match poll {
                Poll::Ready(Ok(n)) => buffer.sent += n,
                Poll::Ready(Err(error)) => {
                    drop(buffer);
                    self.force_close(Some(error));
                    return false;
                }
                Poll::Pending => break,
            }
        }
        if buffer.pending() == 0 {
            buffer.drop_bytes();
        } else if buffer.sent > buffer.bytes.len() / 2 {
            let sent = std::mem::take(&mut buffer.sent);
            buffer.bytes.drain(..sent);
        }
        self.control.borrow_mut().limits.resume_due(buffer.pending())
    }

    /// Once the buffer is empty (after `resume_writing`, which may write
    /// again): shuts the write half, or closes, if that was asked for.
    pub(crate) fn end_if_flushed(&self) {
        let mut buffer = self.buffer.borrow_mut();
        if buffer.pending() > 0 {
            return;
        }
        if buffer.eof_requested && !buffer.eof_sent {
            buffer.eof_sent = true;
            if let Some(socket) = &*self.socket.borrow() {
                let _ = socket.shutdown(Shutdown::Write);
            }
        }
        let mut control = self.control.borrow_mut();
        if control.closing {
            control.lose_soon(None);
        }
    }

    /// One read of the socket.
    pub(crate) fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match &*self.socket.borrow() {
            Some(socket) => socket.poll_read(cx, buf),
            None => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        }
    }

    pub(crate) fn is_reading(&self) -> bool {
        !self.buffer.borrow().reading_paused && !self.control.borrow().closing
    }

    /// True once `connection_lost` is due or done.
    pub(crate) fn is_lost(&self) -> bool {
        self.control.borrow().is_lost()
    }

    /// asyncio's `_force_close`: drops the buffer, stops reading, and makes
    /// `connection_lost(error)` due.
    pub(crate) fn force_close(&self, error: Option<io::Error>) {
        if self.is_lost() {
            return;
        }
        self.buffer.borrow_mut().drop_bytes();
        self.control.borrow_mut().lose_soon(error);
        self.set_read_interest(false);
    }

    /// The connection is lost from now on: the error that was due, for
    /// `connection_lost`.
    pub(crate) fn take_lost(&self) -> Option<io::Error> {
        self.buffer.borrow_mut().drop_bytes();
        self.control.borrow_mut().take_lost()
    }

    /// Closes the socket (if no stream holds it too): the driver calls it
    /// after `connection_lost`.
    pub(crate) fn release(&self) {
        let socket = self.socket.borrow_mut().take();
        drop(socket);
    }

    /// One write, without waiting: how much the socket took.
    fn try_write(&self, data: &[u8]) -> io::Result<usize> {
        let socket = self.socket.borrow();
        let Some(socket) = &*socket else { return Ok(0) };
        match socket.poll_write(&mut Context::from_waker(Waker::noop()), data) {
            Poll::Ready(result) => result,
            // The driver is woken to send the rest, with its own waker.
            Poll::Pending => Ok(0),
        }
    }

    /// Pauses the protocol if a buffer of `size` bytes is above the high
    /// mark and it is not paused yet.
    fn pause_if_above(&self, size: usize) {
        self.pause.pause_if_above(&self.control, size, |error| self.force_close(Some(error)));
    }

    fn set_read_interest(&self, on: bool) {
        if let Some(socket) = &*self.socket.borrow() {
            // Fails only once the loop is closed: nothing to read then.
            let _ = socket.set_read_interest(on);
        }
    }
}

/// A server's record of a transport, for `close_clients`.
pub(crate) struct WeakTransport(Weak<Inner>);

impl Served for WeakTransport {
    fn is_open(&self) -> bool {
        self.0.upgrade().is_some_and(|inner| !inner.is_lost())
    }

    fn close(&self) {
        if let Some(inner) = self.0.upgrade() {
            Transport { inner }.close();
        }
    }

    fn abort(&self) {
        if let Some(inner) = self.0.upgrade() {
            inner.force_close(None);
        }
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("peer", &self.inner.peer)
            .field("closing", &self.is_closing())
            .field("reading", &self.is_reading())
            .field("buffered", &self.get_write_buffer_size())
            .finish()
    }
}
