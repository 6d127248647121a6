//! A session's connections, kept per origin: idle keep-alive connections
//! wait for the next request to the same origin, and a semaphore per
//! origin caps how many are open at once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::rc::Rc;

use corio::hyper::CorioIo;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;

pub(crate) type Sender = SendRequest<Full<Bytes>>;

/// Where a connection goes: scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    pub(crate) https: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
}

/// The connections of every origin a session has talked to.
pub(crate) struct Pool {
    origins: RefCell<HashMap<Origin, Rc<Slot>>>,
    limit_per_host: usize,
    #[cfg(feature = "tls")]
    tls: std::sync::Arc<corio::rustls::ClientConfig>,
}

/// One origin's connections: the idle ones, and the permits of the cap
/// (one per request in flight, so at most that many connections).
struct Slot {
    idle: RefCell<Vec<Sender>>,
    permits: Rc<corio::Semaphore>,
}

/// A connection lent to one request; back to its origin's idle list when
/// dropped, unless it closed meanwhile.
pub(crate) struct Checkout {
    sender: Option<Sender>,
    slot: Rc<Slot>,
    _permit: corio::OwnedSemaphorePermit,
    /// It served a request before: it may have gone stale since.
    pub(crate) reused: bool,
}

impl Pool {
    pub(crate) fn new(
        limit_per_host: usize,
        #[cfg(feature = "tls")] tls: std::sync::Arc<corio::rustls::ClientConfig>,
    ) -> Pool {
        Pool {
            origins: RefCell::default(),
            limit_per_host,
            #[cfg(feature = "tls")]
            tls,
        }
    }

    /// A connection to `origin`: an idle one if there is one (and `fresh`
    /// is false), else a new one; waits while the origin's cap is reached.
    pub(crate) async fn checkout(&self, origin: &Origin, fresh: bool) -> io::Result<Checkout> {
        let slot = self.slot(origin);
        let permit = slot.permits.clone().acquire_owned().await;
        // A connection the server closed while it was idle is dropped here,
        // if hyper has seen the close already (else sending finds out).
        let idle = if fresh { None } else { slot.take_idle() };
        let (sender, reused) = match idle {
            Some(sender) => (sender, true),
            None => (self.connect(origin).await?, false),
        };
        Ok(Checkout { sender: Some(sender), slot, _permit: permit, reused })
    }

    fn slot(&self, origin: &Origin) -> Rc<Slot> {
        let mut origins = self.origins.borrow_mut();
        let slot = origins.entry(origin.clone()).or_insert_with(|| {
            Rc::new(Slot {
                idle: RefCell::default(),
                permits: Rc::new(corio::Semaphore::new(self.limit_per_host)),
            })
        });
        slot.clone()
    }

    /// Opens a connection and runs hyper's side of it as a task.
    async fn connect(&self, origin: &Origin) -> io::Result<Sender> {
        let stream = corio::TcpStream::connect((origin.host.as_str(), origin.port)).await?;
        stream.set_nodelay(true)?;
        if origin.https {
            return self.connect_tls(stream, origin).await;
        }
        handshake(CorioIo::new(stream)).await
    }

    #[cfg(feature = "tls")]
    async fn connect_tls(&self, stream: corio::TcpStream, origin: &Origin) -> io::Result<Sender> {
        let name = corio::rustls::pki_types::ServerName::try_from(origin.host.clone())
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidInput, err))?;
        let stream = futures_rustls::TlsConnector::from(self.tls.clone()).connect(name, stream).await?;
        handshake(CorioIo::new(stream)).await
    }

    #[cfg(not(feature = "tls"))]
    async fn connect_tls(&self, _stream: corio::TcpStream, _origin: &Origin) -> io::Result<Sender> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "https:// needs corio-http's `tls` feature"))
    }
}

async fn handshake<T>(io: CorioIo<T>) -> io::Result<Sender>
where
    CorioIo<T>: hyper::rt::Read + hyper::rt::Write + Unpin + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(io).await.map_err(io::Error::other)?;
    drop(corio::create_task(connection));
    Ok(sender)
}

impl Slot {
    fn take_idle(&self) -> Option<Sender> {
        let mut idle = self.idle.borrow_mut();
        std::iter::from_fn(|| idle.pop()).find(|sender| !sender.is_closed())
    }
}

impl Checkout {
    pub(crate) fn sender(&mut self) -> &mut Sender {
        self.sender.as_mut().expect("the connection is lent until dropped")
    }

    /// The connection failed: it is not given back.
    pub(crate) fn discard(mut self) {
        self.sender = None;
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take().filter(|sender| !sender.is_closed()) {
            self.slot.idle.borrow_mut().push(sender);
        }
    }
}
