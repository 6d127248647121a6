//! asyncio's streams: `StreamReader`, `StreamWriter`, `open_connection`,
//! `start_server` and their Unix-domain twins.

pub(crate) mod reader;
pub(crate) mod server;
pub(crate) mod writer;

use std::cell::Cell;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::net::tcp::TcpStream;
use crate::net::unix::UnixStream;
use reader::StreamReader;
use writer::StreamWriter;

/// A connected byte stream that the two halves of a stream share.
pub(crate) trait ByteSocket {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;
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
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Err(no_ip_address())
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        Err(no_ip_address())
    }
}

fn no_ip_address() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "a Unix-domain socket has no IP address")
}

/// Splits a connected socket into asyncio's two stream halves; the reader
/// learns when the writer has closed the connection.
pub(crate) fn split(socket: Rc<dyn ByteSocket>) -> (StreamReader, StreamWriter) {
    let closed = Rc::new(Cell::new(false));
    (StreamReader::new(socket.clone(), closed.clone()), StreamWriter::new(socket, closed))
}
