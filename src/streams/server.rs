//! `open_connection` and `start_server`, for TCP and Unix-domain sockets.

use std::cell::RefCell;
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
    OpenConnection {
        host: host.to_owned(),
        port,
        staggering: Staggering::default(),
        #[cfg(feature = "tls")]
        tls: super::tls::ClientTls::default(),
    }
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
    #[cfg(feature = "tls")]
    tls: super::tls::ClientTls,
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

    /// Talks TLS over the connection (feature `tls`), with `config`:
    /// `open_connection(host, port, ssl=context)`. The certificate must be
    /// valid for the host connected to, or for
    /// [`server_hostname`](OpenConnection::server_hostname).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// corio::run(async {
    ///     let (mut reader, mut writer) =
    ///         corio::open_connection("example.com", 443).ssl_default().await.unwrap();
    ///     writer.write(b"HEAD / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    ///     println!("{:?}", reader.readline().await.unwrap());
    /// });
    /// ```
    #[cfg(feature = "tls")]
    pub fn ssl(mut self, config: std::sync::Arc<rustls::ClientConfig>) -> OpenConnection {
        self.tls.config = Some(config);
        self
    }

    /// As [`ssl`](OpenConnection::ssl), trusting the usual web roots
    /// (Mozilla's, from webpki-roots): `ssl=True`.
    #[cfg(feature = "tls")]
    pub fn ssl_default(self) -> OpenConnection {
        self.ssl(super::tls::create_default_context())
    }

    /// The name the server's certificate must be valid for, if not the host
    /// connected to (asyncio's `server_hostname`). Only with
    /// [`ssl`](OpenConnection::ssl): else the connection fails with
    /// `InvalidInput`, as asyncio raises.
    #[cfg(feature = "tls")]
    pub fn server_hostname(mut self, name: &str) -> OpenConnection {
        self.tls.server_hostname = Some(name.to_owned());
        self
    }

    /// How long the TLS handshake may take (asyncio's
    /// `ssl_handshake_timeout`, 60 s by default); after it, the connection
    /// fails with `TimedOut`. Only with [`ssl`](OpenConnection::ssl).
    #[cfg(feature = "tls")]
    pub fn ssl_handshake_timeout(mut self, timeout: Duration) -> OpenConnection {
        self.tls.handshake_timeout = Some(timeout);
        self
    }

    async fn connect(self) -> io::Result<(StreamReader, StreamWriter)> {
        #[cfg(feature = "tls")]
        let tls = self.tls.config()?.cloned();
        let stream = connect_host(&self.host, self.port, self.staggering).await?;
        #[cfg(feature = "tls")]
        if let Some(config) = tls {
            return super::tls::connect(stream, &self.host, &config, &self.tls).await;
        }
        Ok(split(Rc::new(stream)))
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
pub fn start_server<H, F>(handler: H, host: &str, port: u16) -> StartServer<H>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    StartServer {
        handler,
        host: host.to_owned(),
        port,
        #[cfg(feature = "tls")]
        ssl: None,
        #[cfg(feature = "tls")]
        ssl_handshake_timeout: None,
    }
}

/// What [`start_server`] returns: options, then `.await` to listen.
#[must_use = "the server listens once the builder is awaited"]
pub struct StartServer<H> {
    handler: H,
    host: String,
    port: u16,
    #[cfg(feature = "tls")]
    ssl: Option<std::sync::Arc<rustls::ServerConfig>>,
    #[cfg(feature = "tls")]
    ssl_handshake_timeout: Option<Duration>,
}

impl<H> StartServer<H> {
    /// Talks TLS on every connection (feature `tls`), with `config`:
    /// `start_server(cb, host, port, ssl=context)`. Each connection's
    /// handshake runs in its own task before the handler's; one that fails
    /// or takes longer than the handshake timeout closes that connection.
    #[cfg(feature = "tls")]
    pub fn ssl(mut self, config: std::sync::Arc<rustls::ServerConfig>) -> StartServer<H> {
        self.ssl = Some(config);
        self
    }

    /// How long each TLS handshake may take (asyncio's
    /// `ssl_handshake_timeout`, 60 s by default). Only with
    /// [`ssl`](StartServer::ssl): else the server is not started and
    /// `.await` gives `InvalidInput`, as asyncio raises.
    #[cfg(feature = "tls")]
    pub fn ssl_handshake_timeout(mut self, timeout: Duration) -> StartServer<H> {
        self.ssl_handshake_timeout = Some(timeout);
        self
    }
}

impl<H, F> IntoFuture for StartServer<H>
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    type Output = io::Result<Server>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<Server>>>>;

    /// Resolves and binds (boxed: one allocation per server).
    fn into_future(self) -> Self::IntoFuture {
        #[cfg(feature = "tls")]
        let on_accept = match (self.ssl, self.ssl_handshake_timeout) {
            (Some(config), timeout) => {
                let handshake_timeout = timeout.unwrap_or(super::tls::HANDSHAKE_TIMEOUT);
                tls_handler(self.handler, super::tls::ServerTls { config, handshake_timeout })
            }
            (None, Some(_)) => {
                return Box::pin(std::future::ready(Err(super::tls::without_ssl("ssl_handshake_timeout"))));
            }
            (None, None) => stream_handler(self.handler),
        };
        #[cfg(not(feature = "tls"))]
        let on_accept = stream_handler(self.handler);
        Box::pin(async move { Server::bind_tcp(&self.host, self.port, on_accept).await })
    }
}

impl<H> std::fmt::Debug for StartServer<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
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

/// Shakes hands on each accepted connection, in a task of its own, then
/// runs `handler` on the TLS stream's halves.
#[cfg(feature = "tls")]
fn tls_handler<H, F>(handler: H, tls: super::tls::ServerTls) -> OnAccept
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    let (handler, tls) = (Rc::new(handler), Rc::new(tls));
    Rc::new(move |socket| {
        let client = StreamClient { socket: Rc::downgrade(&socket), writer: Rc::default() };
        let (handler, tls, record) = (handler.clone(), tls.clone(), client.writer.clone());
        drop(crate::create_task(async move {
            // A failed handshake closes the connection, as asyncio's does.
            if let Ok((reader, writer)) = super::tls::accept(socket, &tls).await {
                // `close_clients` closes through the TLS writer from now on.
                *record.borrow_mut() = Some(writer.downgrade());
                handler(reader, writer).await;
            }
        }));
        Some(Box::new(client))
    })
}

/// Splits each accepted connection and hands it to `handler` in a task of
/// its own.
fn stream_handler<H, F>(handler: H) -> OnAccept
where
    H: Fn(StreamReader, StreamWriter) -> F + 'static,
    F: Future<Output = ()> + 'static,
{
    Rc::new(move |socket| {
        let client = StreamClient { socket: Rc::downgrade(&socket), writer: Rc::default() };
        let (reader, writer) = split(socket);
        *client.writer.borrow_mut() = Some(writer.downgrade());
        drop(crate::create_task(handler(reader, writer)));
        Some(Box::new(client))
    })
}

/// A connection a stream server accepted, as `close_clients` sees it: its
/// socket, which lives while either half does, and its writer, if that is
/// alive.
struct StreamClient {
    socket: Weak<dyn ByteSocket>,
    /// Known once the connection is split (after its TLS handshake).
    writer: Rc<RefCell<Option<WeakWriter>>>,
}

impl Served for StreamClient {
    fn is_open(&self) -> bool {
        self.socket.strong_count() > 0
    }

    /// Closes after the writer's buffer is sent; shuts the socket down at
    /// once if the handler dropped its writer (nothing is buffered then).
    fn close(&self) {
        match &*self.writer.borrow() {
            Some(writer) if writer.is_alive() => writer.close(),
            _ => self.shut_down(),
        }
    }

    fn abort(&self) {
        match &*self.writer.borrow() {
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
