//! `UnixListener`, `UnixStream` and `UnixDatagram`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use super::io::Io;
use crate::reactor::sources::Direction;

/// A Unix-domain socket listening for connections, on the running loop.
///
/// # Examples
///
/// ```
/// let dir = std::env::temp_dir().join(format!("corio-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("sock");
/// let _ = std::fs::remove_file(&path);
/// corio::run(async {
///     let listener = corio::UnixListener::bind(&path).unwrap();
///     let client = corio::create_task({
///         let path = path.clone();
///         async move { corio::UnixStream::connect(path).await.unwrap().write_all(b"hi").await.unwrap() }
///     });
///     let (mut conn, _) = listener.accept().await.unwrap();
///     let mut buf = [0; 2];
///     conn.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hi");
///     client.await.unwrap();
/// });
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct UnixListener {
    pub(super) io: Io<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` and listens.
    ///
    /// # Errors
    ///
    /// Fails if the path cannot be bound (it exists, say), or outside a
    /// running loop.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(std::os::unix::net::UnixListener::bind(path)?)
    }

    /// Takes over a listener made by the standard library.
    ///
    /// # Errors
    ///
    /// Fails outside a running loop, or if it cannot be made non-blocking.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener { io: Io::new(mio::net::UnixListener::from_std(listener))? })
    }

    /// Waits for a connection and accepts it.
    ///
    /// # Errors
    ///
    /// The OS's error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no connection.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) =
            poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |listener| listener.accept())).await?;
        Ok((UnixStream { io: Io::new(stream)? }, addr))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixListener").field("io", &self.io).finish()
    }
}

/// A Unix-domain stream connection, on the running loop.
pub struct UnixStream {
    pub(crate) io: Io<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// The OS's error, such as `NotFound` or `ConnectionRefused`.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        // A Unix connect completes at once or fails; no waiting needed.
        let stream = std::os::unix::net::UnixStream::connect(path)?;
        UnixStream::from_std(stream)
    }

    /// Takes over a connected stream made by the standard library.
    ///
    /// # Errors
    ///
    /// Fails outside a running loop, or if it cannot be made non-blocking.
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream { io: Io::new(mio::net::UnixStream::from_std(stream))? })
    }

    byte_stream_methods!();

    /// The peer's address.
    ///
    /// # Errors
    ///
    /// The OS's error.
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
}

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixStream").field("io", &self.io).finish()
    }
}

/// A Unix-domain datagram socket, on the running loop.
pub struct UnixDatagram {
    pub(super) io: Io<mio::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds to `path`.
    ///
    /// # Errors
    ///
    /// Fails if the path cannot be bound, or outside a running loop.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::bind(path)?)
    }

    /// Takes over a socket made by the standard library.
    ///
    /// # Errors
    ///
    /// Fails outside a running loop, or if it cannot be made non-blocking.
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram { io: Io::new(mio::net::UnixDatagram::from_std(socket))? })
    }

    /// Sends `buf` to the socket at `path`.
    ///
    /// # Errors
    ///
    /// The OS's error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future sends nothing more.
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        poll_fn(|cx| self.io.poll_io(cx, Direction::Write, |socket| socket.send_to(buf, path))).await
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
        poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |socket| socket.recv_from(buf))).await
    }

    /// The local address.
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnixDatagram").field("io", &self.io).finish()
    }
}
