//! TLS in asyncio's streams (feature `tls`): the handshakes behind
//! `open_connection(...).ssl(config)` and `start_server(...).ssl(config)`,
//! on rustls (its `ring` provider) through futures-rustls.

use std::io;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_rustls::{TlsAcceptor, TlsConnector};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

use super::foreign::{Foreign, SocketIo};
use super::reader::StreamReader;
use super::split;
use super::writer::StreamWriter;
use crate::net::byte_socket::ByteSocket;
use crate::net::tcp::TcpStream;

/// asyncio's `ssl_handshake_timeout` default.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(60);

/// A client's TLS options, from the `open_connection` builder.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientTls {
    /// `None`: no TLS.
    pub(crate) config: Option<Arc<ClientConfig>>,
    /// The name the certificate must have; the host connected to if `None`.
    pub(crate) server_hostname: Option<String>,
    pub(crate) handshake_timeout: Option<Duration>,
}

impl ClientTls {
    /// The config to shake hands with, if any.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a TLS option without `ssl`, as asyncio's
    /// `ValueError`.
    pub(crate) fn config(&self) -> io::Result<Option<&Arc<ClientConfig>>> {
        if self.config.is_none() {
            if self.server_hostname.is_some() {
                return Err(without_ssl("server_hostname"));
            }
            if self.handshake_timeout.is_some() {
                return Err(without_ssl("ssl_handshake_timeout"));
            }
        }
        Ok(self.config.as_ref())
    }
}

/// A client config that trusts the usual web roots (Mozilla's, compiled in
/// from webpki-roots), as Python's `ssl.create_default_context()` trusts
/// the system's (feature `tls`). Made once per process, on rustls's `ring`
/// provider named explicitly, so that another provider turned on elsewhere
/// in the program does not leave rustls to guess.
///
/// # Examples
///
/// ```
/// let config = corio::create_default_context();
/// assert!(config.alpn_protocols.is_empty());
/// ```
pub fn create_default_context() -> Arc<ClientConfig> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("ring supports rustls's default protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// A TLS option given without `ssl`: asyncio's `ValueError`.
pub(crate) fn without_ssl(option: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{option} is only meaningful with ssl"))
}

/// The client's handshake on `stream`, connected to `host`.
///
/// # Errors
///
/// `InvalidInput` for a name that cannot be a server name; rustls's error
/// (`InvalidData`, such as "invalid peer certificate: certificate not valid for name …");
/// `TimedOut` after the handshake timeout.
pub(crate) async fn connect(
    stream: TcpStream,
    host: &str,
    config: &Arc<ClientConfig>,
    tls: &ClientTls,
) -> io::Result<(StreamReader, StreamWriter)> {
    let name = server_name(tls.server_hostname.as_deref().unwrap_or(host))?;
    let (peer, local) = (stream.peer_addr().ok(), stream.local_addr().ok());
    let handshake = TlsConnector::from(config.clone()).connect(name, stream);
    let stream = within(tls.handshake_timeout.unwrap_or(HANDSHAKE_TIMEOUT), handshake).await?;
    Ok(split(Rc::new(Foreign::new(stream, peer, local))))
}

impl StreamWriter {
    /// Upgrades the connection to TLS, as a client (feature `tls`):
    /// `await writer.start_tls(context, server_hostname=…)`; `.await` the
    /// [`StartTls`] this returns, after its options. What was written is
    /// sent first; then the handshake runs, and from then on this writer and
    /// `reader`, the connection's other half, talk TLS. Bytes `reader` had
    /// buffered before stay in it.
    ///
    /// # Errors
    ///
    /// As [`ssl`](crate::OpenConnection::ssl)'s handshake; `ConnectionReset`
    /// if the writer is closing.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn starttls(config: std::sync::Arc<corio::rustls::ClientConfig>) -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// let (mut reader, mut writer) = corio::open_connection("mail.example.com", 587).await?;
    /// reader.readline().await?; // the greeting
    /// writer.write(b"STARTTLS\r\n");
    /// reader.readline().await?; // 220 Ready to start TLS
    /// writer
    ///     .start_tls(&mut reader, config, "mail.example.com")
    ///     .ssl_handshake_timeout(Duration::from_secs(10))
    ///     .await?;
    /// writer.write(b"EHLO me\r\n"); // encrypted
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_tls<'a>(
        &'a mut self,
        reader: &'a mut StreamReader,
        config: Arc<ClientConfig>,
        server_hostname: &str,
    ) -> StartTls<'a> {
        StartTls {
            writer: self,
            reader,
            config,
            server_hostname: server_hostname.to_owned(),
            handshake_timeout: HANDSHAKE_TIMEOUT,
        }
    }
}

/// What [`StreamWriter::start_tls`] returns: options, then `.await` to
/// upgrade.
#[must_use = "the connection is upgraded when the builder is awaited"]
pub struct StartTls<'a> {
    writer: &'a mut StreamWriter,
    reader: &'a mut StreamReader,
    config: Arc<ClientConfig>,
    server_hostname: String,
    handshake_timeout: Duration,
}

impl StartTls<'_> {
    /// How long the handshake may take (asyncio's `ssl_handshake_timeout`,
    /// 60 s by default); after it, the upgrade fails with `TimedOut`.
    pub fn ssl_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    async fn upgrade(self) -> io::Result<()> {
        let socket = self.writer.flushed_socket().await?;
        let name = server_name(&self.server_hostname)?;
        let (peer, local) = (socket.peer_addr().ok(), socket.local_addr().ok());
        let handshake = TlsConnector::from(self.config).connect(name, SocketIo(socket));
        let stream = within(self.handshake_timeout, handshake).await?;
        let socket: Rc<dyn ByteSocket> = Rc::new(Foreign::new(stream, peer, local));
        let closed = Rc::new(std::cell::Cell::new(false));
        self.reader.switch_to(socket.clone(), closed.clone());
        self.writer.switch_to(socket, closed);
        Ok(())
    }
}

impl<'a> std::future::IntoFuture for StartTls<'a> {
    type Output = io::Result<()>;
    type IntoFuture = std::pin::Pin<Box<dyn std::future::Future<Output = io::Result<()>> + 'a>>;

    /// Flushes, then shakes hands (boxed: one allocation per upgrade).
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.upgrade())
    }
}

impl std::fmt::Debug for StartTls<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartTls")
            .field("server_hostname", &self.server_hostname)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish_non_exhaustive()
    }
}

fn server_name(name: &str) -> io::Result<ServerName<'static>> {
    ServerName::try_from(name.to_owned()).map_err(|err| {
        io::Error::new(io::ErrorKind::InvalidInput, format!("server_hostname {name:?}: {err}"))
    })
}

/// A server's TLS options, from the `start_server` builder.
#[derive(Debug, Clone)]
pub(crate) struct ServerTls {
    pub(crate) config: Arc<ServerConfig>,
    pub(crate) handshake_timeout: Duration,
}

/// The server's handshake on an accepted `socket`.
///
/// # Errors
///
/// rustls's error, or `TimedOut` after the handshake timeout.
pub(crate) async fn accept(
    socket: Rc<dyn ByteSocket>,
    tls: &ServerTls,
) -> io::Result<(StreamReader, StreamWriter)> {
    let (peer, local) = (socket.peer_addr().ok(), socket.local_addr().ok());
    let handshake = TlsAcceptor::from(tls.config.clone()).accept(SocketIo(socket));
    let stream = within(tls.handshake_timeout, handshake).await?;
    Ok(split(Rc::new(Foreign::new(stream, peer, local))))
}

/// `handshake`, or asyncio's error once `timeout` passed.
async fn within<T>(
    timeout: Duration,
    handshake: impl std::future::Future<Output = io::Result<T>>,
) -> io::Result<T> {
    crate::wait_for(timeout, handshake).await.unwrap_or_else(|_| {
        let message = format!(
            "SSL handshake is taking longer than {} seconds: aborting the connection",
            timeout.as_secs_f64()
        );
        Err(io::Error::new(io::ErrorKind::TimedOut, message))
    })
}
