//! `open_connection`, `start_server` and `Server`, for TCP and Unix-domain
//! sockets.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::time::Duration;

use super::reader::StreamReader;
use super::writer::{StreamWriter, WeakWriter};
use super::{split, ByteSocket};
use crate::net::happy_eyeballs::{connect_staggered, interleave};
use crate::net::resolve::resolve;
use crate::net::tcp::{TcpListener, TcpStream};
use crate::net::unix::{UnixListener, UnixStream};
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{wait_until, WaitQueue};
use crate::task::handle::Task;

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
    OpenConnection { host: host.to_owned(), port, happy_eyeballs_delay: None, interleave: None }
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
    happy_eyeballs_delay: Option<Duration>,
    interleave: Option<usize>,
}

impl OpenConnection {
    /// Happy Eyeballs (RFC 8305; asyncio's `happy_eyeballs_delay`): the
    /// host's addresses are tried in a staggered race, the next attempt
    /// starting when the last one failed or `delay` passed without an
    /// answer; the first connection made wins and the others are closed.
    /// Without it, each address is tried only after the one before failed.
    pub fn happy_eyeballs_delay(mut self, delay: Duration) -> OpenConnection {
        self.happy_eyeballs_delay = Some(delay);
        self
    }

    /// Reorders the host's addresses by family (asyncio's `interleave`):
    /// `first_family_count` of the first family, then one of each family in
    /// turn; 0 keeps the resolver's order. The default is 1 once a
    /// [`happy_eyeballs_delay`](OpenConnection::happy_eyeballs_delay) is
    /// set, and the resolver's order otherwise.
    pub fn interleave(mut self, first_family_count: usize) -> OpenConnection {
        self.interleave = Some(first_family_count);
        self
    }

    async fn connect(self) -> io::Result<(StreamReader, StreamWriter)> {
        let addrs = resolve(&(self.host.as_str(), self.port)).await?;
        if addrs.is_empty() {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("{} has no address", self.host)));
        }
        let addrs = match self.interleave.or(self.happy_eyeballs_delay.map(|_| 1)) {
            Some(first_family_count) if first_family_count > 0 => interleave(addrs, first_family_count),
            _ => addrs,
        };
        // Without Happy Eyeballs, a delay that never passes: each attempt
        // starts when the one before failed.
        let delay = self.happy_eyeballs_delay.unwrap_or(Duration::MAX);
        Ok(split(Rc::new(connect_staggered(addrs, delay).await?)))
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
    let handler = Rc::new(handler);
    let mut addrs = Vec::new();
    let mut listeners = Vec::new();
    for addr in resolve(&(host, port)).await? {
        let listener = TcpListener::bind(addr)?;
        addrs.push(listener.local_addr()?);
        listeners.push(listener);
    }
    let server = Server::new(addrs);
    for listener in listeners {
        server.serve(listener, handler.clone());
    }
    Ok(server)
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
    let server = Server::new(Vec::new());
    server.serve(UnixListener::bind(path)?, Rc::new(handler));
    Ok(server)
}

/// What a server accepts connections from.
trait Listener: 'static {
    type Stream: ByteSocket + 'static;
    async fn accept_stream(&self) -> io::Result<Self::Stream>;
}

impl Listener for TcpListener {
    type Stream = TcpStream;
    async fn accept_stream(&self) -> io::Result<TcpStream> {
        Ok(self.accept().await?.0)
    }
}

impl Listener for UnixListener {
    type Stream = UnixStream;
    async fn accept_stream(&self) -> io::Result<UnixStream> {
        Ok(self.accept().await?.0)
    }
}

/// A connection a server accepted, as `close_clients` sees it: its socket,
/// which lives while either half does, and its writer, if that is alive.
struct Client {
    socket: Weak<dyn ByteSocket>,
    writer: Option<WeakWriter>,
}

impl Client {
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

    fn shut_down(&self) {
        if let Some(socket) = self.socket.upgrade() {
            let _ = socket.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// A listening server made by [`start_server`] (`asyncio.Server`).
pub struct Server {
    addrs: Vec<SocketAddr>,
    accept_loops: std::cell::RefCell<Vec<Task<()>>>,
    closed: Rc<ClosedFlag>,
    /// The connections accepted, for `close_clients`.
    clients: Rc<RefCell<Vec<Client>>>,
}

struct ClosedFlag {
    closed: Cell<bool>,
    waiters: WaitQueue,
}

impl Server {
    fn new(addrs: Vec<SocketAddr>) -> Server {
        Server {
            addrs,
            accept_loops: std::cell::RefCell::new(Vec::new()),
            closed: Rc::new(ClosedFlag { closed: Cell::new(false), waiters: WaitQueue::new() }),
            clients: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// Runs an accept loop for `listener` as a task: each connection is
    /// split and handed to `handler` in a task of its own. A failed accept
    /// (`EMFILE`: out of descriptors, say) waits a little and goes on.
    fn serve<L, H, F>(&self, listener: L, handler: Rc<H>)
    where
        L: Listener,
        H: Fn(StreamReader, StreamWriter) -> F + 'static,
        F: Future<Output = ()> + 'static,
    {
        let clients = self.clients.clone();
        let task = crate::task::spawn::create_internal_task("corio: accept loop", async move {
            loop {
                match listener.accept_stream().await {
                    Ok(stream) => {
                        let handler = handler.clone();
                        let socket: Rc<dyn ByteSocket> = Rc::new(stream);
                        let client = Client { socket: Rc::downgrade(&socket), writer: None };
                        let (reader, writer) = split(socket);
                        let mut clients = clients.borrow_mut();
                        clients.retain(Client::is_open);
                        clients.push(Client { writer: Some(writer.downgrade()), ..client });
                        drop(clients);
                        drop(crate::create_task(handler(reader, writer)));
                    }
                    Err(_) => crate::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        self.accept_loops.borrow_mut().push(task);
    }

    /// The addresses the server listens on (empty for a Unix-domain server).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.addrs.clone()
    }

    /// Waits until the server is closed (`serve_forever`); accepting goes
    /// on meanwhile, as it did before.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future only stops the waiting.
    pub async fn serve_forever(&self) {
        self.wait_closed().await;
    }

    /// Stops accepting connections: the listening sockets are closed before
    /// this returns, so a connect right after is refused and the port can be
    /// bound again. Connections already accepted go on.
    pub fn close(&self) {
        let accept_loops = std::mem::take(&mut *self.accept_loops.borrow_mut());
        for task in accept_loops {
            // Each accept loop owns its listener: dropping it closes it.
            task.cancel_now();
        }
        if !self.closed.closed.replace(true) {
            self.closed.waiters.notify_all();
        }
    }

    /// Closes every connection the server accepted, once what its writer
    /// buffered is sent (`Server.close_clients()`, Python 3.13): the
    /// clients and the handlers' readers see the end of the stream. The
    /// server goes on listening unless it was closed.
    ///
    /// # Examples
    ///
    /// ```
    /// corio::run(async {
    ///     let server = corio::start_server(
    ///         |mut reader, mut writer| async move {
    ///             writer.write(b"hello\n");
    ///             let _ = reader.read_to_end().await;
    ///         },
    ///         "127.0.0.1",
    ///         0,
    ///     )
    ///     .await
    ///     .unwrap();
    ///     let port = server.local_addrs()[0].port();
    ///     let (mut reader, _writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
    ///     assert_eq!(reader.readline().await.unwrap(), b"hello\n");
    ///     server.close_clients();
    ///     assert!(reader.read_to_end().await.unwrap().is_empty());
    /// });
    /// ```
    pub fn close_clients(&self) {
        for client in self.take_clients() {
            client.close();
        }
    }

    /// As [`close_clients`](Server::close_clients), dropping what the
    /// writers buffered (`Server.abort_clients()`, Python 3.13).
    pub fn abort_clients(&self) {
        for client in self.take_clients() {
            client.abort();
        }
    }

    fn take_clients(&self) -> Vec<Client> {
        std::mem::take(&mut *self.clients.borrow_mut())
    }

    /// Waits until [`close`](Server::close) was called.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait_closed(&self) {
        let flag = &self.closed;
        wait_until(&flag.waiters, WaitingOn::Closed, || flag.closed.get()).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addrs", &self.addrs)
            .field("closed", &self.closed.closed.get())
            .finish()
    }
}
