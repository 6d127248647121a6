//! `TcpListener` and `TcpStream`.

use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use super::happy_eyeballs::connect_in_turn;
use super::io::Io;
use super::resolve::{resolve, ConnectAddr};
use crate::reactor::sources::Direction;

/// A TCP socket listening for connections, on the running loop.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = corio::create_task(async move {
///         let mut stream = corio::TcpStream::connect(addr).await.unwrap();
///         stream.write_all(b"ping").await.unwrap();
///     });
///     let (mut conn, _peer) = listener.accept().await.unwrap();
///     let mut buf = [0; 4];
///     conn.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
///     client.await.unwrap();
/// });
/// ```
pub struct TcpListener {
    pub(super) io: Io<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (the first of its addresses that binds) and listens,
    /// with `SO_REUSEADDR` set as asyncio sets it and a backlog of 1024, so
    /// a burst of connections is not dropped (and retried a second later)
    /// while the loop is busy.
    ///
    /// # Errors
    ///
    /// Fails if no address can be bound, or outside a running loop.
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last_error = io::Error::new(io::ErrorKind::InvalidInput, "no address to bind to");
        for addr in addr.to_socket_addrs()? {
            match mio::net::TcpListener::bind(addr) {
                Ok(listener) => {
                    widen_backlog(&listener)?;
                    return Ok(TcpListener { io: Io::new(listener)? });
                }
                Err(err) => last_error = err,
            }
        }
        Err(last_error)
    }

    /// Takes over a listener made by the standard library.
    ///
    /// # Errors
    ///
    /// Fails outside a running loop, or if it cannot be made non-blocking.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener { io: Io::new(mio::net::TcpListener::from_std(listener))? })
    }

    /// Waits for a connection and accepts it.
    ///
    /// # Errors
    ///
    /// The OS's error, such as `EMFILE` when out of file descriptors.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future loses no connection: one accepted is returned in
    /// the same poll.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) =
            poll_fn(|cx| self.io.poll_io(cx, Direction::Read, |listener| listener.accept())).await?;
        Ok((TcpStream::from_mio(stream)?, addr))
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

/// How many connections the kernel queues for `accept`. mio (like std)
/// listens with 128; a burst larger than that, while the loop is busy, has
/// its SYNs dropped and retried a second later.
const BACKLOG: i32 = 1024;

/// Listens again with [`BACKLOG`].
fn widen_backlog(listener: &mio::net::TcpListener) -> io::Result<()> {
    use std::os::fd::AsFd;
    crate::sys::listen(listener.as_fd(), BACKLOG)
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener").field("io", &self.io).finish()
    }
}

/// A TCP connection, on the running loop.
///
/// Reads and writes are one syscall each when the socket is ready. Dropping
/// the stream closes the connection.
pub struct TcpStream {
    pub(crate) io: Io<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`: an address, or a host name with a port
    /// (`"localhost:8080"`, `("example.com", 443)`), whose addresses are
    /// resolved on the loop's thread pool and tried in turn.
    ///
    /// # Errors
    ///
    /// The last address's error, such as `ConnectionRefused`; the
    /// resolver's; `InvalidInput` for a string that is not `host:port`.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the attempt and closes the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::run(async {
    ///     let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let port = listener.local_addr().unwrap().port();
    ///     let stream = corio::TcpStream::connect(("localhost", port)).await.unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap().port(), port);
    /// });
    /// ```
    pub async fn connect(addr: impl ConnectAddr) -> io::Result<TcpStream> {
        connect_in_turn(resolve(&addr).await?).await
    }

    /// Connects to one address.
    pub(crate) async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = TcpStream::from_mio(mio::net::TcpStream::connect(addr)?)?;
        // The connection is made (or failed) when the socket is writable.
        poll_fn(|cx| {
            stream.io.poll_io(cx, Direction::Write, |socket| {
                if let Some(err) = socket.take_error()? {
                    return Err(err);
                }
                match socket.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(err) if err.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(err) => Err(err),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    /// Takes over a connected stream made by the standard library.
    ///
    /// # Errors
    ///
    /// Fails outside a running loop, or if it cannot be made non-blocking.
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::from_mio(mio::net::TcpStream::from_std(stream))
    }

    fn from_mio(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream { io: Io::new(stream)? })
    }

    byte_stream_methods!();

    /// The address of the peer.
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

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    ///
    /// # Errors
    ///
    /// The OS's error.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
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

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream").field("io", &self.io).finish()
    }
}
