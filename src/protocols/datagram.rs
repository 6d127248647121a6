//! `DatagramTransport` (asyncio's datagram transport) and the driver that
//! runs it: a UDP socket calling a [`DatagramProtocol`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::control::{poll_drive, Control, Drive, Life, Next, Pauser};
use super::driver::{read_buffer, ReadBuffer};
use super::{call, DatagramProtocol};
use crate::net::udp::UdpSocket;
use crate::task::promise::Resolver;
use crate::task::spawn::create_internal_task;

/// What a datagram protocol sends through (asyncio's
/// `DatagramTransport`): a cheap `Clone` handle, `!Send`.
///
/// [`sendto`](DatagramTransport::sendto) never blocks: a datagram the
/// socket cannot take now is queued, with `pause_writing` and
/// `resume_writing` at the water marks as for a [`Transport`](crate::Transport).
/// A failed send is reported to the protocol's `error_received`.
///
/// # Examples
///
/// See [`create_datagram_endpoint`](crate::create_datagram_endpoint).
#[derive(Clone)]
pub struct DatagramTransport {
    inner: Rc<Inner>,
}

struct Inner {
    /// Dropped (closed) once the endpoint is lost.
    socket: RefCell<Option<Rc<UdpSocket>>>,
    local: Option<SocketAddr>,
    /// Where a connected endpoint sends.
    remote: Option<SocketAddr>,
    queue: RefCell<Queue>,
    control: RefCell<Control>,
    pause: Pauser,
}

#[derive(Debug, Default)]
struct Queue {
    datagrams: VecDeque<(Vec<u8>, Option<SocketAddr>)>,
    /// Their bytes, for the water marks.
    size: usize,
    /// Send errors for `error_received` that came while the protocol was
    /// busy.
    errors: Vec<io::Error>,
}

impl DatagramTransport {
    /// Sends `data` to `addr`, or to the connected address with `None`;
    /// queued if the socket cannot take it now. Does nothing once the
    /// endpoint is closed. An error (`EDESTADDRREQ` for `None` on an
    /// endpoint that is not connected) goes to `error_received`, on the
    /// transport's next turn (asyncio calls it inside `sendto`, but the
    /// protocol may be busy in the callback that sends). An empty `data`
    /// is sent as an empty datagram, as Python 3.12 does (3.11 drops it).
    ///
    /// # Panics
    ///
    /// On a connected endpoint, if `addr` is another address (asyncio's
    /// `ValueError`).
    pub fn sendto(&self, data: &[u8], addr: Option<SocketAddr>) {
        let inner = &*self.inner;
        if let (Some(remote), Some(addr)) = (inner.remote, addr) {
            assert_eq!(remote, addr, "Invalid address: must be None or {remote}");
        }
        if inner.control.borrow().is_lost() {
            return;
        }
        let mut queue = inner.queue.borrow_mut();
        if queue.datagrams.is_empty() {
            let sent = match &*inner.socket.borrow() {
                Some(socket) => socket.poll_send(&mut Context::from_waker(Waker::noop()), data, addr),
                None => return,
            };
            match sent {
                Poll::Ready(Ok(_)) => return,
                Poll::Ready(Err(error)) => {
                    drop(queue);
                    return inner.error_received(error);
                }
                Poll::Pending => inner.control.borrow().wake_driver(),
            }
        }
        queue.datagrams.push_back((data.to_vec(), addr));
        queue.size += data.len();
        let size = queue.size;
        drop(queue);
        inner.pause_if_above(size);
    }

    /// Stops receiving, sends what is queued, then closes; the protocol's
    /// `connection_lost(None)` is called on a later turn.
    pub fn close(&self) {
        if self.inner.control.borrow_mut().start_closing() {
            self.inner.stop_reading();
            self.inner.end_if_flushed();
        }
    }

    /// Closes at once, dropping the queue; the protocol's
    /// `connection_lost(None)` is called on the next turn.
    pub fn abort(&self) {
        self.inner.force_close(None);
    }

    /// True once closing or closed.
    pub fn is_closing(&self) -> bool {
        self.inner.control.borrow().closing
    }

    /// How many bytes are queued, not yet sent.
    pub fn get_write_buffer_size(&self) -> usize {
        self.inner.queue.borrow().size
    }

    /// `(low, high)`: the water marks of the queue.
    pub fn get_write_buffer_limits(&self) -> (usize, usize) {
        self.inner.control.borrow().limits.get()
    }

    /// As [`Transport::set_write_buffer_limits`](crate::Transport::set_write_buffer_limits):
    /// pauses the protocol at once if the queue is above the new high mark.
    ///
    /// # Panics
    ///
    /// If `low` is above `high`.
    pub fn set_write_buffer_limits(&self, high: Option<usize>, low: Option<usize>) {
        self.inner.control.borrow_mut().limits.set(high, low);
        self.inner.pause_if_above(self.get_write_buffer_size());
    }

    /// The local address (asyncio's `get_extra_info('sockname')`).
    ///
    /// # Errors
    ///
    /// If the OS could not say when the endpoint was made.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local.ok_or_else(|| io::ErrorKind::AddrNotAvailable.into())
    }

    /// The connected address (asyncio's `get_extra_info('peername')`).
    ///
    /// # Errors
    ///
    /// `NotConnected` for an endpoint made without a remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.remote.ok_or_else(|| io::ErrorKind::NotConnected.into())
    }
}

impl Inner {
    /// Once the queue is empty (after `resume_writing`, which may send
    /// again): closes, if that was asked for.
    fn end_if_flushed(&self) {
        let mut control = self.control.borrow_mut();
        if self.queue.borrow().datagrams.is_empty() && control.closing {
            control.lose_soon(None);
        }
    }

    /// Pauses the protocol if `size` queued bytes are above the high mark.
    fn pause_if_above(&self, size: usize) {
        self.pause.pause_if_above(&self.control, size, |error| self.force_close(Some(error)));
    }

    fn drop_queue(&self) {
        let mut queue = self.queue.borrow_mut();
        queue.datagrams.clear();
        queue.size = 0;
    }

    /// asyncio's `_force_close`.
    fn force_close(&self, error: Option<io::Error>) {
        self.drop_queue();
        self.control.borrow_mut().lose_soon(error);
        self.stop_reading();
    }

    fn stop_reading(&self) {
        if let Some(socket) = &*self.socket.borrow() {
            // Fails only once the loop is closed: nothing to read then.
            let _ = socket.io.set_read_interest(false);
        }
    }

    /// An error for the protocol: the driver delivers it.
    fn error_received(&self, error: io::Error) {
        self.queue.borrow_mut().errors.push(error);
        self.control.borrow().wake_driver();
    }
}

/// Starts a datagram transport of `socket` for `protocol`: its driver calls
/// `connection_made` on the next turn, then resolves `made`.
pub(crate) fn start<P: DatagramProtocol>(
    socket: UdpSocket,
    remote: Option<SocketAddr>,
    protocol: Rc<RefCell<P>>,
    made: Resolver<()>,
) -> DatagramTransport {
    let transport = DatagramTransport {
        inner: Rc::new(Inner {
            local: socket.local_addr().ok(),
            remote,
            socket: RefCell::new(Some(Rc::new(socket))),
            queue: RefCell::new(Queue::default()),
            control: RefCell::new(Control::new()),
            pause: Pauser::new(&protocol, P::pause_writing),
        }),
    };
    let driver =
        Driver { transport: transport.clone(), protocol, buffer: read_buffer(), life: Life::new(Some(made)) };
    drop(create_internal_task("corio: datagram transport", driver));
    transport
}

struct Driver<P: DatagramProtocol> {
    transport: DatagramTransport,
    protocol: Rc<RefCell<P>>,
    buffer: ReadBuffer,
    life: Life,
}

impl<P: DatagramProtocol> Future for Driver<P> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        poll_drive(self.get_mut(), cx)
    }
}

impl<P: DatagramProtocol> Drive for Driver<P> {
    fn life(&mut self) -> &mut Life {
        &mut self.life
    }

    fn next(&self, waker: &Waker) -> Next {
        self.transport.inner.control.borrow_mut().next(waker)
    }

    fn connection_made(&mut self) {
        let transport = self.transport.clone();
        self.call("connection_made", |protocol| protocol.connection_made(transport));
    }

    fn pause_writing(&mut self) {
        self.call("pause_writing", P::pause_writing);
    }

    fn lose(&mut self) {
        if self.life.end() {
            let inner = &self.transport.inner;
            inner.drop_queue();
            let error = inner.control.borrow_mut().take_lost();
            let _ = call(&self.protocol, "connection_lost", |protocol| protocol.connection_lost(error));
            let socket = inner.socket.borrow_mut().take();
            drop(socket);
        }
    }

    fn serve(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let inner = self.transport.inner.clone();
        let errors = std::mem::take(&mut inner.queue.borrow_mut().errors);
        for error in errors {
            self.call("error_received", |protocol| protocol.error_received(error));
        }
        let Some(socket) = inner.socket.borrow().clone() else { return Poll::Pending };
        if self.flush(&socket, cx) {
            self.call("resume_writing", P::resume_writing);
        }
        inner.end_if_flushed();
        let control = inner.control.borrow();
        if control.is_lost() {
            return Poll::Ready(());
        }
        if control.closing {
            return Poll::Pending;
        }
        drop(control);
        let mut buffer = self.buffer.borrow_mut();
        match std::task::ready!(socket.poll_recv_from(cx, &mut buffer)) {
            Ok((n, addr)) => {
                self.call("datagram_received", |protocol| protocol.datagram_received(&buffer[..n], addr));
            }
            Err(error) => self.call("error_received", |protocol| protocol.error_received(error)),
        }
        drop(buffer);
        // One datagram a turn, as asyncio reads one per event: the loop's
        // other work goes between.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<P: DatagramProtocol> Driver<P> {
    /// Calls the protocol; a panic closes the transport with its error.
    fn call(&self, what: &str, callback: impl FnOnce(&mut P)) {
        if let Err(error) = call(&self.protocol, what, callback) {
            self.transport.inner.force_close(Some(error));
        }
    }

    /// Sends what is queued as far as the socket takes it; true if the
    /// protocol is to resume writing.
    fn flush(&self, socket: &UdpSocket, cx: &mut Context<'_>) -> bool {
        let inner = &*self.transport.inner;
        let mut queue = inner.queue.borrow_mut();
        while let Some((data, addr)) = queue.datagrams.front() {
            let sent = match socket.poll_send(cx, data, *addr) {
                Poll::Pending => break,
                Poll::Ready(sent) => sent,
            };
            let (data, _) = queue.datagrams.pop_front().expect("a datagram was queued");
            queue.size -= data.len();
            if let Err(error) = sent {
                queue.errors.push(error);
                inner.control.borrow().wake_driver();
            }
        }
        inner.control.borrow_mut().limits.resume_due(queue.size)
    }
}

impl<P: DatagramProtocol> Drop for Driver<P> {
    /// As a stream transport's driver: `connection_lost` still comes once.
    fn drop(&mut self) {
        self.lose();
    }
}

impl fmt::Debug for DatagramTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatagramTransport")
            .field("local", &self.inner.local)
            .field("remote", &self.inner.remote)
            .field("closing", &self.is_closing())
            .field("queued", &self.get_write_buffer_size())
            .finish()
    }
}
