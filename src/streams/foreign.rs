//! asyncio's streams over any `futures_io` byte stream (a TLS stream, a
//! compat wrapper): `StreamReader::new`, `StreamWriter::new` and
//! `split_stream`, and the other way round, a corio socket as a
//! `futures_io` stream for such wrappers to wrap.

use std::cell::RefCell;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};

use super::reader::StreamReader;
use super::split;
use super::writer::StreamWriter;
use crate::net::byte_socket::ByteSocket;

/// A `futures_io` stream as the socket of a stream's halves: both halves
/// poll it in turn, one at a time (the loop has one thread).
pub(crate) struct Foreign<S> {
    stream: RefCell<Pin<Box<S>>>,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
}

impl<S> Foreign<S> {
    /// `stream`, whose addresses (if it has any) are `peer` and `local`.
    pub(crate) fn new(stream: S, peer: Option<SocketAddr>, local: Option<SocketAddr>) -> Foreign<S> {
        Foreign { stream: RefCell::new(Box::pin(stream)), peer, local }
    }
}

impl<S: AsyncRead + AsyncWrite> ByteSocket for Foreign<S> {
    fn poll_read(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.stream.borrow_mut().as_mut().poll_read(cx, buf)
    }
    fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.stream.borrow_mut().as_mut().poll_write(cx, buf)
    }
    fn poll_flush(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream.borrow_mut().as_mut().poll_flush(cx)
    }
    /// What can be done without waiting: a TLS stream's `close_notify`
    /// goes out if the socket takes it at once (abort, `close_clients`).
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        match self.poll_shutdown(&mut Context::from_waker(Waker::noop()), how) {
            Poll::Ready(result) => result,
            Poll::Pending => Ok(()),
        }
    }
    fn poll_shutdown(&self, cx: &mut Context<'_>, how: Shutdown) -> Poll<io::Result<()>> {
        match how {
            Shutdown::Read => Poll::Ready(Ok(())),
            Shutdown::Write | Shutdown::Both => self.stream.borrow_mut().as_mut().poll_close(cx),
        }
    }
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.peer.ok_or_else(|| io::Error::new(io::ErrorKind::Unsupported, "the stream has no address"))
    }
    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.local.ok_or_else(|| io::Error::new(io::ErrorKind::Unsupported, "the stream has no address"))
    }
}

/// A stream read only: writing to it fails.
struct ReadOnly<S>(Pin<Box<S>>);

/// A stream written only: reading from it fails.
struct WriteOnly<S>(Pin<Box<S>>);

fn other_way() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "this stream goes the other way")
}

impl<S: AsyncRead> AsyncRead for ReadOnly<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.get_mut().0.as_mut().poll_read(cx, buf)
    }
}

impl<S> AsyncWrite for ReadOnly<S> {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, _buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(other_way()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl<S> AsyncRead for WriteOnly<S> {
    fn poll_read(self: Pin<&mut Self>, _cx: &mut Context<'_>, _buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(other_way()))
    }
}

impl<S: AsyncWrite> AsyncWrite for WriteOnly<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().0.as_mut().poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.as_mut().poll_flush(cx)
    }
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().0.as_mut().poll_close(cx)
    }
}

impl StreamReader {
    /// A reader of any `futures_io` byte stream (feature `futures-io`):
    /// `readline`, `readuntil`, `readexactly` and the rest over a TLS
    /// stream, a pipe from another crate, a compat wrapper. `limit` is
    /// [`set_limit`](StreamReader::set_limit)'s ([`DEFAULT_LIMIT`](crate::DEFAULT_LIMIT) is asyncio's).
    ///
    /// # Examples
    ///
    /// ```
    /// corio::run(async {
    ///     let bytes = futures::io::Cursor::new(b"one\ntwo\n".to_vec());
    ///     let mut reader = corio::StreamReader::new(bytes, corio::DEFAULT_LIMIT);
    ///     assert_eq!(reader.readline().await.unwrap(), b"one\n");
    ///     assert_eq!(reader.readline().await.unwrap(), b"two\n");
    ///     assert!(reader.read_to_end().await.unwrap().is_empty());
    /// });
    /// ```
    pub fn new(stream: impl AsyncRead + 'static, limit: usize) -> StreamReader {
        let mut reader =
            StreamReader::over(Rc::new(Foreign::new(ReadOnly(Box::pin(stream)), None, None)), Rc::default());
        reader.set_limit(limit);
        reader
    }
}

impl StreamWriter {
    /// A writer of any `futures_io` byte stream (feature `futures-io`),
    /// with asyncio's buffering, `drain` and `close`.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::run(async {
    ///     let (reader, writer) = futures::io::AsyncReadExt::split(futures::io::Cursor::new(Vec::new()));
    ///     drop(reader);
    ///     let mut writer = corio::StreamWriter::new(writer);
    ///     writer.write(b"hello");
    ///     writer.drain().await.unwrap();
    ///     writer.close();
    ///     writer.wait_closed().await.unwrap();
    /// });
    /// ```
    pub fn new(stream: impl AsyncWrite + 'static) -> StreamWriter {
        StreamWriter::over(Rc::new(Foreign::new(WriteOnly(Box::pin(stream)), None, None)), Rc::default())
    }
}

/// Both halves of one `futures_io` stream (feature `futures-io`): a TLS
/// stream, say, which cannot be split in two on its own. The reader's
/// limit is [`DEFAULT_LIMIT`](crate::DEFAULT_LIMIT).
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let (mut reader, mut writer) = corio::split_stream(futures::io::Cursor::new(b"ping\n".to_vec()));
///     assert_eq!(reader.readline().await.unwrap(), b"ping\n");
///     writer.write(b"pong\n");
///     writer.drain().await.unwrap();
/// });
/// ```
pub fn split_stream(stream: impl AsyncRead + AsyncWrite + 'static) -> (StreamReader, StreamWriter) {
    split(Rc::new(Foreign::new(stream, None, None)))
}

/// A corio socket as a `futures_io` stream, for a wrapper (a TLS stream)
/// to wrap.
#[cfg(feature = "tls")]
pub(crate) struct SocketIo(pub(crate) Rc<dyn ByteSocket>);

#[cfg(feature = "tls")]
impl AsyncRead for SocketIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.0.poll_read(cx, buf)
    }
}

#[cfg(feature = "tls")]
impl AsyncWrite for SocketIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.poll_write(cx, buf)
    }
    /// Writes are not buffered: nothing to flush.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.poll_shutdown(cx, Shutdown::Write)
    }
}
