//! Making connections and endpoints for protocols: asyncio's
//! `loop.create_server`, `create_connection`, their Unix-domain twins, and
//! `create_datagram_endpoint`.

use std::cell::RefCell;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::rc::Rc;

use super::datagram::{self, DatagramTransport};
use super::driver;
use super::transport::Transport;
use super::{DatagramProtocol, StreamProtocol};
use crate::net::byte_socket::ByteSocket;
use crate::net::happy_eyeballs::{connect_host, Staggering};
use crate::net::server::{OnAccept, Server};
use crate::net::udp::UdpSocket;
use crate::net::unix::UnixStream;
use crate::runtime::context;
use crate::task::promise::{promise, Promise};

/// Listens on `host:port` and serves each connection with a protocol made
/// by `factory`: `loop.create_server(protocol_factory, host, port)`. Takes
/// a [`Protocol`](crate::Protocol) or a [`BufferedProtocol`](crate::BufferedProtocol).
/// Connections are accepted as soon as this returns; port 0 picks a free
/// port ([`Server::local_addrs`] tells which). A panic in `factory` is
/// reported and that connection closed; the server goes on.
///
/// # Errors
///
/// The resolver's error, or the first address that cannot be bound.
///
/// # Examples
///
/// See [`Protocol`](crate::Protocol).
pub async fn create_server<F, P, Kind>(factory: F, host: &str, port: u16) -> io::Result<Server>
where
    F: FnMut() -> P + 'static,
    P: StreamProtocol<Kind>,
    Kind: 'static,
{
    Server::bind_tcp(host, port, serve_with(factory)).await
}

/// As [`create_server`], on the Unix-domain socket at `path`:
/// `loop.create_unix_server(protocol_factory, path)`.
///
/// # Errors
///
/// The OS's error, such as `AddrInUse` if `path` exists.
pub async fn create_unix_server<F, P, Kind>(factory: F, path: impl AsRef<Path>) -> io::Result<Server>
where
    F: FnMut() -> P + 'static,
    P: StreamProtocol<Kind>,
    Kind: 'static,
{
    Server::bind_unix(path.as_ref(), serve_with(factory))
}

/// Starts a transport for each accepted connection, with a protocol from
/// `factory`.
fn serve_with<F, P, Kind>(factory: F) -> OnAccept
where
    F: FnMut() -> P + 'static,
    P: StreamProtocol<Kind>,
    Kind: 'static,
{
    let factory = RefCell::new(factory);
    Rc::new(move |socket| match catch_unwind(AssertUnwindSafe(|| (factory.borrow_mut())())) {
        Ok(protocol) => {
            Some(Box::new(driver::start(socket, Rc::new(RefCell::new(protocol)), None).downgrade()))
        }
        Err(payload) => {
            let message = "Error on transport creation for incoming connection";
            context::with_current_borrowed(|core| core.exceptions().report_panic(message, None, &*payload));
            None
        }
    })
}

/// Connects to `host:port` and runs a protocol made by `factory` on the
/// connection: `loop.create_connection(protocol_factory, host, port)`.
/// Returns once `connection_made` has run, with the transport and the
/// protocol (borrow it between callbacks only: a callback that finds it
/// borrowed fails, and closes the transport).
///
/// A host name is resolved on the loop's thread pool, and its addresses
/// tried in turn, as [`open_connection`](crate::open_connection) does.
///
/// # Errors
///
/// The last address's error (such as `ConnectionRefused`), or the
/// resolver's.
///
/// # Cancel safety
///
/// Dropping the future after the connection is made closes it.
///
/// # Examples
///
/// ```
/// #[derive(Default)]
/// struct Collect(Vec<u8>);
///
/// impl corio::Protocol for Collect {
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.extend_from_slice(data);
///     }
/// }
///
/// corio::run(async {
///     let server = corio::start_server(
///         |_reader, mut writer| async move {
///             writer.write(b"hello");
///             writer.close();
///         },
///         "127.0.0.1",
///         0,
///     )
///     .await
///     .unwrap();
///     let port = server.local_addrs()[0].port();
///     let (transport, collect) =
///         corio::create_connection(Collect::default, "127.0.0.1", port).await.unwrap();
///     while !transport.is_closing() {
///         corio::sleep(std::time::Duration::from_millis(1)).await;
///     }
///     assert_eq!(collect.borrow().0, b"hello");
/// });
/// ```
pub async fn create_connection<F, P, Kind>(
    factory: F,
    host: &str,
    port: u16,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: StreamProtocol<Kind>,
    Kind: 'static,
{
    let stream = connect_host(host, port, Staggering::default()).await?;
    connected(Rc::new(stream), factory).await
}

/// As [`create_connection`], to the Unix-domain socket at `path`:
/// `loop.create_unix_connection(protocol_factory, path)`.
///
/// # Errors
///
/// The OS's error, such as `NotFound`.
///
/// # Cancel safety
///
/// As [`create_connection`].
pub async fn create_unix_connection<F, P, Kind>(
    factory: F,
    path: impl AsRef<Path>,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: StreamProtocol<Kind>,
    Kind: 'static,
{
    connected(Rc::new(UnixStream::connect(path).await?), factory).await
}

async fn connected<F, P, Kind>(
    socket: Rc<dyn ByteSocket>,
    factory: F,
) -> io::Result<(Transport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: StreamProtocol<Kind>,
    Kind: 'static,
{
    let protocol = Rc::new(RefCell::new(factory()));
    let (made, resolver) = promise();
    let transport = driver::start(socket, protocol.clone(), Some(resolver));
    Ok((until_made(transport, made, Transport::close).await?, protocol))
}

/// Makes a UDP endpoint bound to `local` (any port of the unspecified
/// address of `remote`'s family if `None`), connected to `remote` if given,
/// and runs a protocol made by `factory` on it:
/// `loop.create_datagram_endpoint(protocol_factory, local_addr, remote_addr)`.
/// Returns once `connection_made` has run.
///
/// # Errors
///
/// `InvalidInput` if both addresses are `None`; else the OS's error, such
/// as `AddrInUse`.
///
/// # Cancel safety
///
/// Dropping the future before it returns closes the endpoint.
///
/// # Examples
///
/// An echo endpoint, and a client of it:
///
/// ```
/// use std::net::SocketAddr;
///
/// struct Echo(Option<corio::DatagramTransport>);
///
/// impl corio::DatagramProtocol for Echo {
///     fn connection_made(&mut self, transport: corio::DatagramTransport) {
///         self.0 = Some(transport);
///     }
///     fn datagram_received(&mut self, data: &[u8], addr: SocketAddr) {
///         self.0.as_ref().unwrap().sendto(data, Some(addr));
///     }
/// }
///
/// corio::run(async {
///     let local = "127.0.0.1:0".parse().ok();
///     let (server, _) = corio::create_datagram_endpoint(|| Echo(None), local, None).await.unwrap();
///     let client = corio::UdpSocket::bind("127.0.0.1:0").unwrap();
///     client.send_to(b"ping", server.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, _) = client.recv_from(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
/// });
/// ```
pub async fn create_datagram_endpoint<F, P>(
    factory: F,
    local: Option<SocketAddr>,
    remote: Option<SocketAddr>,
) -> io::Result<(DatagramTransport, Rc<RefCell<P>>)>
where
    F: FnOnce() -> P,
    P: DatagramProtocol,
{
    let local = match (local, remote) {
        (Some(local), _) => local,
        (None, Some(SocketAddr::V4(_))) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        (None, Some(SocketAddr::V6(_))) => (Ipv6Addr::UNSPECIFIED, 0).into(),
        (None, None) => {
            let message = "create_datagram_endpoint needs a local or a remote address";
            return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        }
    };
    let socket = UdpSocket::bind(local)?;
    if let Some(remote) = remote {
        socket.connect(remote)?;
    }
    let protocol = Rc::new(RefCell::new(factory()));
    let (made, resolver) = promise();
    let transport = datagram::start(socket, remote, protocol.clone(), resolver);
    Ok((until_made(transport, made, DatagramTransport::close).await?, protocol))
}

/// Waits until the driver of `transport` has called `connection_made`;
/// closes the transport if dropped first.
async fn until_made<T>(transport: T, made: Promise<()>, close: fn(&T)) -> io::Result<T> {
    struct CloseOnDrop<T> {
        transport: Option<T>,
        close: fn(&T),
    }
    impl<T> Drop for CloseOnDrop<T> {
        fn drop(&mut self) {
            if let Some(transport) = &self.transport {
                (self.close)(transport);
            }
        }
    }
    let mut guard = CloseOnDrop { transport: Some(transport), close };
    match made.await {
        Ok(()) => Ok(guard.transport.take().expect("taken once")),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the loop closed the connection before it was made",
        )),
    }
}
