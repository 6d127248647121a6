//! `open_connection` and `start_server`, for TCP and Unix-domain sockets.

use std::future::{Future, IntoFuture};
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::time::Duration;

use super::reader::StreamReader;
use super::split;
use super::writer::{StreamWriter, WeakWriter};
use crate::net::byte_socket::ByteSocket;
use crate::net::happy_eyeballs::{connect_host, Staggering};
use crate::net::server::{OnAccept, Served, Server};
use crate::net::unix::UnixStream;

/// Connects to `host:port`; `.await` it for the connection's two halves:
/// `asyncio.open_connection(host, port)`. Options are methods of the
/// [`OpenConnection`] builder this returns, named after asyncio's keywords.
///
/// A host name is resolved on the loop's thread pool, as asyncio runs
/// `getaddrinfo` in its executor, and each address is tried in turn (or,
/// with [`happy_eyeballs_delay`](OpenConnection::happy_eyeballs_delay), in a
/// staggered race).
///
/// # Errors
///
/// The last address's error (such as `ConnectionRefused`), or the
/// resolver's.
///
/// # Examples
///
/// See [`StreamReader`].
pub fn open_connection(host: &str, port: u16) -> OpenConnection {
    OpenConnection { host: host.to_owned(), port, staggering: Staggering::default() }
}

/// What [`open_connection`] returns: options, then `.await` to connect.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let server = corio::start_server(|_, _| async {}, "127.0.0.1", 0).await.unwrap();
///     let port = server.local_addrs()[0].port();
///     // RFC 8305's recommended delay, as asyncio users pass it.
///     let (_reader, writer) = corio::open_connection("localhost", port)
///         .happy_eyeballs_delay(Duration::from_millis(250))
///         .await
///         .unwrap();
///     assert_eq!(writer.peer_addr().unwrap().port(), port);
/// });
/// ```
#[derive(Debug, Clone)]
#[must_use = "the connection is made when the builder is awaited"]
pub struct OpenConnection {
    host: String,
    port: u16,
    staggering: Staggering,
}

impl OpenConnection {
    /// Happy Eyeballs (RFC 8305; asyncio's `happy_eyeballs_delay`): the
    /// host's addresses are tried in a staggered race, the next attempt
    /// starting when the last one failed or `delay` passed without an
    /// answer; the first connection made wins and the others are closed.
    /// Without it, each address is tried only after the one before failed.
    pub fn happy_eyeballs_delay(mut self, delay: Duration) -> OpenConnection {
        self.staggering.delay = Some(delay);
        self
    }

    /// Reorders the host's addresses by family (asyncio's `interleave`):
    /// `first_family_count` of the first family, then one of each family in
    /// turn; 0 keeps the resolver's order. The default is 1 once a
    /// [`happy_eyeballs_delay`](OpenConnection::happy_eyeballs_delay) is
    /// set, and the resolver's order otherwise.
    pub fn interleave(mut self, first_family_count: usize) -> OpenConnection {
        self.staggering.interleave = Some(first_family_count);
        self
    }

    async fn connect(self) -> io::Result<(StreamReader, StreamWriter)> {
        Ok(split(Rc::new(connect_host(&self.host, self.port, self.staggering).await?)))
    }
}

impl IntoFuture for OpenConnection {
    type Output = io::Result<(StreamReader, StreamWriter)>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<(StreamReader, StreamWriter)>>>>;

    /// Resolves and connects (boxed: one allocation per connection).
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.connect())
    }
}

/// Connects to the Unix-domain socket at `path`:
/// `asyncio.open_unix_connection(path)`.
///
/// # Errors
///
/// The OS's error, such as `NotFound`.
pub async fn open_unix_connection(path: impl AsRef<Path>) -> io::Result<(StreamReader, StreamWriter)> {
    Ok(split(Rc::new(UnixStream::connect(path).await?)))
}

/// Listens on `host:port` and runs `handler(reader, writer)` as a task of
/// its own for each connection: `asyncio.start_server(cb, host, port)`.
/// Connections are accepted as soon as this returns; port 0 picks a free
/// port ([`Server::local_addrs`] tells which).
///
/// # Errors
///
/// The resolver's error, or the first address that cannot be bound.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let server = corio::start_server(
///         |mut reader: corio::StreamReader, mut writer: corio::StreamWriter| async move {
///             let line = reader.readline().await.unwrap();
///             writer.write(&line.to_ascii_uppercase());
///             writer.close();
///         },
///         "127.0.0.1",
///         0,
///     )
///     .await
///     .unwrap();
///     let port = server.local_addrs()[0].port();
///     let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
///     writer.write(b"hello\n");
///     assert_eq!(reader.readline().await.unwrap(), b"HELLO\n");
///     server.close();
///     server.wait_closed().await;
/// });
/// ```
pub async fn start_server<H, F>(handler: H, host: &str, port: u16) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    Server::bind_tcp(host, port, stream_handler(handler)).await
}

/// As [`start_server`], on the Unix-domain socket at `path`:
/// `asyncio.start_unix_server(cb, path)`.
///
/// # Errors
///
/// The OS's error, such as `AddrInUse` if `path` exists.
pub async fn start_unix_server<H, F>(handler: H, path: impl AsRef<Path>) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    Server::bind_unix(path.as_ref(), stream_handler(handler))
}

/// Splits each accepted connection and hands it to `handler` in a task of
/// its own.
fn stream_handler<H, F>(handler: H) -> OnAccept
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    Rc::new(move |socket| {
        let client = StreamClient { socket: Rc::downgrade(&socket), writer: None };
        let (reader, writer) = split(socket);
        let client = StreamClient { writer: Some(writer.downgrade()), ..client };
        drop(crate::create_task(handler(reader, writer)));
        Some(Box::new(client))
    })
}

/// A connection a stream server accepted, as `close_clients` sees it: its
/// socket, which lives while either half does, and its writer, if that is
/// alive.
struct StreamClient {
    socket: Weak<dyn ByteSocket>,
    writer: Option<WeakWriter>,
}

impl Served for StreamClient {
    fn is_open(&self) -> bool {
        self.socket.strong_count() > 0
    }

    /// Closes after the writer's buffer is sent; shuts the socket down at
    /// once if the handler dropped its writer (nothing is buffered then).
    fn close(&self) {
        match &self.writer {
            Some(writer) if writer.is_alive() => writer.close(),
            _ => self.shut_down(),
        }
    }

    fn abort(&self) {
        match &self.writer {
            Some(writer) if writer.is_alive() => writer.abort(),
            _ => self.shut_down(),
        }
    }
}

impl StreamClient {
    fn shut_down(&self) {
        if let Some(socket) = self.socket.upgrade() {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }
}
