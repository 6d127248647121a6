//! `UdpSocket`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::task::{Context, Poll};

use super::io::Io;
use crate::reactor::sources::Direction;

/// A UDP socket on the running loop (asyncio's datagram endpoint).
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let a = corio::UdpSocket::bind("127.0.0.1:0").unwrap();
///     let b = corio::UdpSocket::bind("127.0.0.1:0").unwrap();
///     a.send_to(b"hello", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr().unwrap()));
/// });
/// ```
pub struct UdpSocket {
    pub(crate) io: Io<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr`.
    ///
    /// # Errors
    ///
    /// Fails if the address cannot be bound, or outside a running loop.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        UdpSocket::from_std(std::net::UdpSocket::bind(addr)?)
    }

    /// Takes over a socket made by the standard library.
    ///
    /// # Errors
    ///
    /// Fails outside a running loop, or if it cannot be made non-blocking.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket { io: Io::new(mio::net::UdpSocket::from_std(socket))? })
    }

    /// Sends `buf` to `target`; returns how many bytes were sent.
    ///
    /// # Errors
    ///
    /// The OS's error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future sends nothing more.
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        poll_fn(|cx| self.poll_send(cx, buf, Some(target))).await
    }

    /// Sends `buf` to the address the socket is connected to.
    ///
    /// # Errors
    ///
    /// The OS's error (`NotConnected` without a [`connect`](UdpSocket::connect)).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future sends nothing more.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_send(cx, buf, None)).await
    }

    /// Receives one datagram from the connected address into `buf`.
    ///
    /// # Errors
    ///
    /// The OS's error, such as `ConnectionRefused` after a datagram sent to
    /// a port nobody listens on.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no datagram.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |socket| socket.recv(buf))).await
    }

    /// Sends to `target`, or to the connected address with `None`.
    pub(crate) fn poll_send(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: Option<SocketAddr>,
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(cx, Direction::Write, |socket| match target {
            Some(target) => socket.send_to(buf, target),
            None => socket.send(buf),
        })
    }

    pub(crate) fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_io(cx, Direction::Read, |socket| socket.recv_from(buf))
    }

    /// Receives one datagram into `buf`; returns its length and sender.
    ///
    /// # Errors
    ///
    /// The OS's error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no datagram.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    /// Sets the default destination of [`send`](UdpSocket::send), and keeps
    /// only datagrams from `addr`. UDP's connect sends nothing: it returns
    /// at once.
    ///
    /// # Errors
    ///
    /// The OS's error, such as `AddrNotAvailable`.
    pub fn connect(&self, addr: SocketAddr) -> io::Result<()> {
        self.io.get_ref().connect(addr)
    }

    /// The address the socket is connected to.
    ///
    /// # Errors
    ///
    /// `NotConnected` without a [`connect`](UdpSocket::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets the IP time-to-live.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket").field("io", &self.io).finish()
    }
}
