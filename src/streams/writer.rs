//! `StreamWriter`: asyncio's writing half of a connection.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use crate::net::byte_socket::ByteSocket;
use crate::runtime::context;
use crate::runtime::exception::ExceptionContext;
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{wait_until, WaitQueue};

/// `drain` waits while more than this is buffered (asyncio's high-water
/// mark).
const HIGH_WATER: usize = 64 * 1024;
/// …and resumes once the buffer is down to this (the low-water mark).
const LOW_WATER: usize = 16 * 1024;

/// The writing half of a connection (`asyncio.StreamWriter`).
///
/// [`write`](StreamWriter::write) buffers without waiting; a background
/// task sends the buffer as the socket takes it, as asyncio's transport
/// does. [`drain`](StreamWriter::drain) waits while the buffer is above the
/// high-water mark (64 KiB), so a slow peer bounds the writer's memory.
/// [`close`](StreamWriter::close) sends what is buffered, then closes the
/// connection. Dropping the writer without closing it still sends what is
/// buffered; the connection then closes when the reader is dropped too (in
/// debug mode, the drop is reported).
pub struct StreamWriter {
    state: Rc<WriterState>,
}

struct WriterState {
    socket: Rc<dyn ByteSocket>,
    buffer: RefCell<VecDeque<u8>>,
    /// A flusher task is sending the buffer.
    flushing: Cell<bool>,
    /// `write_eof` was called: shut the write half down once flushed.
    eof: Cell<bool>,
    closing: Cell<bool>,
    /// Set once the connection is closed; shared with its reader.
    closed: Rc<Cell<bool>>,
    /// The error that stopped the flusher, as (kind, message).
    error: RefCell<Option<(io::ErrorKind, String)>>,
    /// `drain` waiters, woken at the low-water mark.
    drained: WaitQueue,
    /// `wait_closed` waiters.
    finished: WaitQueue,
}

impl StreamWriter {
    /// A writer of `socket` that sets `closed` once it has closed it.
    pub(crate) fn over(socket: Rc<dyn ByteSocket>, closed: Rc<Cell<bool>>) -> StreamWriter {
        StreamWriter { state: WriterState::new(socket, closed) }
    }

    /// Waits until everything written is sent, and returns the socket: for
    /// `start_tls` to wrap.
    ///
    /// # Errors
    ///
    /// The error that stopped the sending; `ConnectionReset` once closing.
    #[cfg(feature = "tls")]
    pub(crate) async fn flushed_socket(&mut self) -> io::Result<Rc<dyn ByteSocket>> {
        let state = &self.state;
        let stopped = || state.error.borrow().is_some() || state.closing.get();
        let flushed = || state.buffer.borrow().is_empty() && !state.flushing.get();
        wait_until(&state.drained, WaitingOn::Drain, || flushed() || stopped()).await;
        state.check_error()?;
        if state.closing.get() {
            return Err(connection_lost());
        }
        Ok(state.socket.clone())
    }

    /// Writes to `socket` from now on (the TLS stream over the old one).
    #[cfg(feature = "tls")]
    pub(crate) fn switch_to(&mut self, socket: Rc<dyn ByteSocket>, closed: Rc<Cell<bool>>) {
        self.state = WriterState::new(socket, closed);
    }

    /// Buffers `data` to be sent; it does not wait. Data written after
    /// [`close`](StreamWriter::close) or [`write_eof`](StreamWriter::write_eof)
    /// is dropped, as asyncio's transport drops it; after `close`,
    /// [`drain`](StreamWriter::drain) then fails with "Connection lost".
    ///
    /// # Panics
    ///
    /// Panics outside a running loop (the sending runs as a task).
    pub fn write(&mut self, data: &[u8]) {
        let state = &self.state;
        if state.closing.get() || state.eof.get() || data.is_empty() || state.error.borrow().is_some() {
            return;
        }
        // The common case: nothing queued, and the socket takes the data at
        // once. One syscall, no task. (Polled with a no-op waker: if the
        // socket is full, the flusher task below polls again with its own.)
        let mut sent = 0;
        let mut held_back = false;
        if state.buffer.borrow().is_empty() && !state.flushing.get() {
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(Ok(n)) = state.socket.poll_write(&mut cx, data) {
                sent = n;
                // A TLS stream takes the bytes before the socket does.
                held_back = state.socket.poll_flush(&mut cx).is_pending();
            }
        }
        if sent < data.len() || held_back {
            state.buffer.borrow_mut().extend(&data[sent..]);
            WriterState::start_flushing(state);
        }
    }

    /// Buffers each of `lines` (asyncio's `writelines`).
    ///
    /// # Panics
    ///
    /// As [`write`](StreamWriter::write).
    pub fn writelines<'a>(&mut self, lines: impl IntoIterator<Item = &'a [u8]>) {
        for line in lines {
            self.write(line);
        }
    }

    /// Waits until the buffer is down to the low-water mark, if it is above
    /// the high-water mark; at once otherwise.
    ///
    /// # Errors
    ///
    /// The error that stopped the sending (a reset, a broken pipe); once the
    /// writer has closed the connection, `ConnectionReset` "Connection lost"
    /// (asyncio's `ConnectionResetError`).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: nothing is lost; the data keeps being sent.
    pub async fn drain(&mut self) -> io::Result<()> {
        let state = &self.state;
        if state.closing.get() {
            // As asyncio: one turn, in which a close under way may finish.
            crate::yield_now().await;
        }
        let stopped = || state.error.borrow().is_some() || state.closed.get();
        if state.buffer.borrow().len() > HIGH_WATER && !stopped() {
            wait_until(&state.drained, WaitingOn::Drain, || {
                state.buffer.borrow().len() <= LOW_WATER || stopped()
            })
            .await;
        }
        state.check_error()?;
        if state.closed.get() {
            return Err(connection_lost());
        }
        Ok(())
    }

    /// Closes the write half once the buffer is sent: the peer reads end of
    /// stream, and can still answer.
    ///
    /// # Errors
    ///
    /// The error that stopped the sending.
    pub fn write_eof(&mut self) -> io::Result<()> {
        self.state.check_error()?;
        self.state.eof.set(true);
        if self.state.buffer.borrow().is_empty() {
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(result) = self.state.socket.poll_shutdown(&mut cx, Shutdown::Write) {
                return result;
            }
        }
        // The flusher sends the buffer, then shuts the write half.
        WriterState::start_flushing(&self.state);
        Ok(())
    }

    /// Starts closing: what is buffered is sent, then the connection closes.
    ///
    /// # Panics
    ///
    /// Panics outside a running loop, if data is still buffered.
    pub fn close(&self) {
        if !self.state.closing.replace(true) {
            WriterState::start_flushing(&self.state);
        }
    }

    /// How many bytes are buffered, not yet taken by the socket (asyncio's
    /// `transport.get_write_buffer_size()`).
    pub fn get_write_buffer_size(&self) -> usize {
        self.state.buffer.borrow().len()
    }

    /// True once [`close`](StreamWriter::close) was called.
    pub fn is_closing(&self) -> bool {
        self.state.closing.get()
    }

    /// Waits until the connection is closed.
    ///
    /// # Errors
    ///
    /// The error that stopped the sending, if any.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: closing goes on.
    pub async fn wait_closed(&self) -> io::Result<()> {
        let state = &self.state;
        wait_until(&state.finished, WaitingOn::Closed, || state.closed.get()).await;
        state.check_error()
    }

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The OS's error; `Unsupported` for Unix-domain connections.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.state.socket.peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS's error; `Unsupported` for Unix-domain connections.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.state.socket.local_addr()
    }
}

impl WriterState {
    fn check_error(&self) -> io::Result<()> {
        match &*self.error.borrow() {
            Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
            None => Ok(()),
        }
    }

    fn new(socket: Rc<dyn ByteSocket>, closed: Rc<Cell<bool>>) -> Rc<WriterState> {
        Rc::new(WriterState {
            socket,
            buffer: RefCell::new(VecDeque::new()),
            flushing: Cell::new(false),
            eof: Cell::new(false),
            closing: Cell::new(false),
            closed,
            error: RefCell::new(None),
            drained: WaitQueue::new(),
            finished: WaitQueue::new(),
        })
    }

    /// Starts the flusher task unless one runs; it stops when the buffer is
    /// empty (closing the socket if asked to).
    fn start_flushing(state: &Rc<WriterState>) {
        if !state.flushing.replace(true) {
            crate::task::spawn::create_internal_task(
                "corio: flushing a writer",
                WriterState::flush(state.clone()),
            );
        }
    }

    async fn flush(state: Rc<WriterState>) {
        let result = poll_fn(|cx| loop {
            let mut buffer = state.buffer.borrow_mut();
            if buffer.is_empty() {
                // What the stream held back too (a TLS stream's records).
                return state.socket.poll_flush(cx);
            }
            let written = {
                let (chunk, _) = buffer.as_slices();
                std::task::ready!(state.socket.poll_write(cx, chunk))
            };
            match written {
                Ok(0) => return Poll::Ready(Err(io::Error::from(io::ErrorKind::WriteZero))),
                Ok(n) => {
                    buffer.drain(..n);
                    let low = buffer.len() <= LOW_WATER;
                    drop(buffer);
                    if low {
                        state.drained.notify_all();
                    }
                }
                Err(err) => return Poll::Ready(Err(err)),
            }
        })
        .await;
        if let Err(err) = result {
            *state.error.borrow_mut() = Some((err.kind(), err.to_string()));
            state.buffer.borrow_mut().clear();
        }
        state.drained.notify_all();
        if state.closing.get() {
            let _ = poll_fn(|cx| state.socket.poll_shutdown(cx, Shutdown::Both)).await;
            state.closed.set(true);
            state.finished.notify_all();
        } else if state.eof.get() {
            let _ = poll_fn(|cx| state.socket.poll_shutdown(cx, Shutdown::Write)).await;
        }
        state.flushing.set(false);
    }
}

/// asyncio's `ConnectionResetError("Connection lost")`.
fn connection_lost() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "Connection lost")
}

/// A writer seen from its server: it can close or abort the connection
/// without keeping it alive (`Server::close_clients`, `abort_clients`).
pub(crate) struct WeakWriter(Weak<WriterState>);

impl StreamWriter {
    pub(crate) fn downgrade(&self) -> WeakWriter {
        WeakWriter(Rc::downgrade(&self.state))
    }
}

impl WeakWriter {
    /// False once the writer and its flusher are gone.
    pub(crate) fn is_alive(&self) -> bool {
        self.0.strong_count() > 0
    }

    /// As [`StreamWriter::close`].
    pub(crate) fn close(&self) {
        if let Some(state) = self.0.upgrade() {
            StreamWriter { state }.close();
        }
    }

    /// Closes at once, dropping what is buffered (asyncio's
    /// `transport.abort()`): the peer and the reader see the end of the
    /// stream, and `wait_closed` returns.
    pub(crate) fn abort(&self) {
        let Some(state) = self.0.upgrade() else { return };
        state.closing.set(true);
        state.buffer.borrow_mut().clear();
        let _ = state.socket.shutdown(Shutdown::Both);
        state.closed.set(true);
        state.drained.notify_all();
        state.finished.notify_all();
    }
}

impl Drop for StreamWriter {
    /// What is buffered is still sent (the flusher task holds the state).
    /// In debug mode, a writer dropped without `close` is reported, as
    /// asyncio warns of an unclosed transport.
    fn drop(&mut self) {
        if self.state.closing.get() {
            return;
        }
        context::with_current(|core| {
            if let Some(core) = core.filter(|core| core.exceptions().debug()) {
                core.exceptions()
                    .call(&ExceptionContext::new("unclosed StreamWriter: dropped without close()"));
            }
        });
    }
}

impl fmt::Debug for StreamWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamWriter")
            .field("buffered", &self.state.buffer.borrow().len())
            .field("closing", &self.state.closing.get())
            .finish()
    }
}
