//! `Server`: the listening sockets and accept loops under asyncio's
//! `start_server` and `create_server`, and the connections they accepted.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;

use super::byte_socket::ByteSocket;
use super::resolve::resolve;
use super::tcp::TcpListener;
use super::unix::UnixListener;
use crate::runtime::task::info::WaitingOn;
use crate::runtime::wait_queue::{wait_until, WaitQueue};
use crate::task::handle::Task;

/// What a server does with each connection it accepts: starts serving it
/// (a handler task, a protocol) and returns what `close_clients` needs.
/// `None` if it could not (the connection is dropped then).
pub(crate) type OnAccept = Rc<dyn Fn(Rc<dyn ByteSocket>) -> Option<Box<dyn Served>>>;

/// A connection a server accepted, as `close_clients` sees it.
pub(crate) trait Served {
    /// False once the connection is closed: it is forgotten then.
    fn is_open(&self) -> bool;
    /// Closes once what is buffered is sent.
    fn close(&self);
    /// Closes at once, dropping what is buffered.
    fn abort(&self);
}

/// What a server accepts connections from.
trait Listener: 'static {
    async fn accept_stream(&self) -> io::Result<Rc<dyn ByteSocket>>;
}

impl Listener for TcpListener {
    /// With `TCP_NODELAY` set, as asyncio sets it on every TCP transport.
    async fn accept_stream(&self) -> io::Result<Rc<dyn ByteSocket>> {
        let (stream, _) = self.accept().await?;
        stream.set_nodelay(true)?;
        Ok(Rc::new(stream))
    }
}

impl Listener for UnixListener {
    async fn accept_stream(&self) -> io::Result<Rc<dyn ByteSocket>> {
        Ok(Rc::new(self.accept().await?.0))
    }
}

/// A listening server (`asyncio.Server`), made by
/// [`start_server`](crate::start_server) or
/// [`create_server`](crate::create_server) and their Unix-domain twins.
pub struct Server {
    addrs: Vec<SocketAddr>,
    accept_loops: RefCell<Vec<Task<()>>>,
    closed: Rc<ClosedFlag>,
    /// The connections accepted, for `close_clients`.
    clients: Rc<RefCell<Vec<Box<dyn Served>>>>,
}

struct ClosedFlag {
    closed: Cell<bool>,
    waiters: WaitQueue,
}

impl Server {
    fn new(addrs: Vec<SocketAddr>) -> Server {
        Server {
            addrs,
            accept_loops: RefCell::new(Vec::new()),
            closed: Rc::new(ClosedFlag { closed: Cell::new(false), waiters: WaitQueue::new() }),
            clients: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// Listens on every address of `host:port` and hands each connection
    /// to `on_accept`, which starts serving it and returns what
    /// `close_clients` needs of it.
    ///
    /// # Errors
    ///
    /// The resolver's error, or the first address that cannot be bound.
    pub(crate) async fn bind_tcp(host: &str, port: u16, on_accept: OnAccept) -> io::Result<Server> {
        let mut addrs = Vec::new();
        let mut listeners = Vec::new();
        for addr in resolve(&(host, port)).await? {
            let listener = TcpListener::bind(addr)?;
            addrs.push(listener.local_addr()?);
            listeners.push(listener);
        }
        let server = Server::new(addrs);
        for listener in listeners {
            server.serve(listener, on_accept.clone());
        }
        Ok(server)
    }

    /// As [`bind_tcp`](Server::bind_tcp), on the Unix-domain socket at
    /// `path`.
    ///
    /// # Errors
    ///
    /// The OS's error, such as `AddrInUse` if `path` exists.
    pub(crate) fn bind_unix(path: &Path, on_accept: OnAccept) -> io::Result<Server> {
        let server = Server::new(Vec::new());
        server.serve(UnixListener::bind(path)?, on_accept);
        Ok(server)
    }

    /// Runs an accept loop for `listener` as a task. A failed accept
    /// (`EMFILE`: out of descriptors, say) waits a little and goes on.
    fn serve(&self, listener: impl Listener, on_accept: OnAccept) {
        let clients = self.clients.clone();
        let task = crate::task::spawn::create_internal_task("corio: accept loop", async move {
            loop {
                match listener.accept_stream().await {
                    Ok(socket) => {
                        if let Some(client) = on_accept(socket) {
                            let mut clients = clients.borrow_mut();
                            // Pruned when full only: O(1) a connection on
                            // average, at most twice the open ones kept.
                            if clients.len() == clients.capacity() {
                                clients.retain(|client| client.is_open());
                            }
                            clients.push(client);
                        }
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

    /// True until [`close`](Server::close) (`Server.is_serving()`): a
    /// server accepts from the moment it is made, as asyncio's with its
    /// default `start_serving=True`.
    pub fn is_serving(&self) -> bool {
        !self.closed.closed.get()
    }

    /// Returns at once (`Server.start_serving()`): corio's servers are
    /// serving already when made. Kept so that a port of asyncio code that
    /// calls it reads the same.
    pub async fn start_serving(&self) {}

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
    /// (or transport) buffered is sent (`Server.close_clients()`, Python
    /// 3.13): the clients and the handlers' readers see the end of the
    /// stream; a protocol's `connection_lost` is called. The server goes on
    /// listening unless it was closed.
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
    /// writers (or transports) buffered (`Server.abort_clients()`, Python 3.13).
    pub fn abort_clients(&self) {
        for client in self.take_clients() {
            client.abort();
        }
    }

    fn take_clients(&self) -> Vec<Box<dyn Served>> {
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
