//! `ByteSocket`: a connected byte stream as the layers above the sockets
//! (asyncio's streams, protocol transports, subprocess pipes) use it.

use std::io;
use std::net::{Shutdown, SocketAddr};
use std::task::{Context, Poll};

use super::tcp::TcpStream;
use super::unix::UnixStream;

/// A connected byte stream on the running loop's reactor.
pub(crate) trait ByteSocket {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;
    /// Sends what the stream itself holds back (a TLS stream's records that
    /// the socket did not take yet); a socket holds nothing back.
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(Ok(()))
    }
    /// As [`shutdown`](ByteSocket::shutdown), for a stream that may have to
    /// write to shut down (TLS sends its `close_notify`): it may wait.
    fn poll_shutdown(&self, cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>> {
        let _ = cx;
        Poll::Ready(self.shutdown(how))
    }
    /// Asks the reactor for read events or stops asking: a transport whose
    /// reading is paused leaves the socket's readiness to the kernel. A
    /// stream that no transport reads has no interest to change.
    fn set_read_interest(&self, on: bool) -> io::Result<()> {
        let _ = on;
        Ok(())
    }
    /// The peer's address; `Unsupported` for Unix-domain sockets.
    fn peer_addr(&self) -> io::Result<SocketAddr>;
    /// The local address; `Unsupported` for Unix-domain sockets.
    fn local_addr(&self) -> io::Result<SocketAddr>;
}

impl ByteSocket for TcpStream {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        TcpStream::shutdown(self, how)
    }
    fn set_read_interest(&self, on: bool) -> io::Result<()> {
        self.io.set_read_interest(on)
    }
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::peer_addr(self)
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::local_addr(self)
    }
}

impl ByteSocket for UnixStream {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_read(cx, buf)
    }
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write(cx, buf)
    }
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        UnixStream::shutdown(self, how)
    }
    fn set_read_interest(&self, on: bool) -> io::Result<()> {
        self.io.set_read_interest(on)
    }
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Err(no_ip_address())
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        Err(no_ip_address())
    }
}

pub(crate) fn no_ip_address() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "a Unix-domain socket has no IP address")
}
