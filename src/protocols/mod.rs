//! asyncio's lower half: protocols and the transports that call them
//! (`asyncio.protocols`, `asyncio.transports`).
//!
//! A protocol is an object whose methods the loop calls as bytes come; it
//! writes through the [`Transport`] it gets in `connection_made`. No task
//! runs user code per message, which is what makes asyncio's (and
//! uvloop's) fastest servers protocols.
//!
//! # Implementation
//!
//! Each transport is driven by one internal task of corio's (the driver):
//! it calls `connection_made`, reads into the protocol while reading is on,
//! sends the write buffer as the socket takes it, and calls
//! `connection_lost` once at the end. `Transport::write` tries the socket
//! at once when nothing is buffered, as asyncio's does, so an echo costs
//! one read and one write. Streams (`StreamReader`/`StreamWriter`) do not
//! go through these transports: their reads run in the reading task
//! itself, with no buffer in between (see `docs/design.md`).

pub(crate) mod control;
pub(crate) mod datagram;
pub(crate) mod driver;
pub(crate) mod endpoints;
pub(crate) mod limits;
pub(crate) mod transport;

use std::any::Any;
use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::panic_message;
use crate::runtime::context;
pub use datagram::DatagramTransport;
pub use transport::Transport;

/// The callbacks of a byte-stream connection (`asyncio.Protocol`). Every
/// method has a default that does nothing, as asyncio's base class.
///
/// The loop calls them on its thread, in asyncio's order:
/// `connection_made` first, then `data_received` any number of times, then
/// `eof_received` if the peer ended its side, and `connection_lost` last,
/// exactly once, also after [`Transport::abort`], a reset, a panic in a
/// callback, or the loop closing.
///
/// # Examples
///
/// An echo server:
///
/// ```
/// struct Echo(Option<corio::Transport>);
///
/// impl corio::Protocol for Echo {
///     fn connection_made(&mut self, transport: corio::Transport) {
///         self.0 = Some(transport);
///     }
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.as_ref().unwrap().write(data);
///     }
/// }
///
/// corio::run(async {
///     let server = corio::create_server(|| Echo(None), "127.0.0.1", 0).await.unwrap();
///     let port = server.local_addrs()[0].port();
///     let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
///     writer.write(b"ping\n");
///     assert_eq!(reader.readline().await.unwrap(), b"ping\n");
/// });
/// ```
pub trait Protocol: 'static {
    /// The connection is made; keep `transport` to write.
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }
    /// Bytes came (never empty).
    fn data_received(&mut self, data: &[u8]) {
        let _ = data;
    }
    /// The peer ended its side. `true` keeps the transport open for
    /// writing (asyncio's truthy return); `false`, the default, closes it.
    fn eof_received(&mut self) -> bool {
        false
    }
    /// The connection is closed: `None` after a close or an end of stream,
    /// the error after a failure.
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
    /// The transport's write buffer went above its high-water mark.
    fn pause_writing(&mut self) {}
    /// The transport's write buffer went down to its low-water mark.
    fn resume_writing(&mut self) {}
}

/// A protocol that lends the transport its own buffer to read into
/// (`asyncio.BufferedProtocol`): no copy between the socket and the
/// protocol. The other methods are [`Protocol`]'s.
///
/// # Examples
///
/// ```
/// struct Count { buffer: [u8; 4096], total: usize }
///
/// impl corio::BufferedProtocol for Count {
///     fn get_buffer(&mut self, _size_hint: usize) -> &mut [u8] {
///         &mut self.buffer
///     }
///     fn buffer_updated(&mut self, nbytes: usize) {
///         self.total += nbytes;
///     }
/// }
///
/// corio::run(async {
///     let server = corio::start_server(
///         |_reader, mut writer| async move {
///             writer.write(&[7; 10_000]);
///             writer.close();
///         },
///         "127.0.0.1",
///         0,
///     )
///     .await
///     .unwrap();
///     let port = server.local_addrs()[0].port();
///     let count = || Count { buffer: [0; 4096], total: 0 };
///     let (_transport, count) = corio::create_connection(count, "127.0.0.1", port).await.unwrap();
///     while count.borrow().total < 10_000 {
///         corio::sleep(std::time::Duration::from_millis(1)).await;
///     }
/// });
/// ```
pub trait BufferedProtocol: 'static {
    /// As [`Protocol::connection_made`].
    fn connection_made(&mut self, transport: Transport) {
        let _ = transport;
    }
    /// The buffer the next read goes into; it must not be empty. corio
    /// passes 0 as `size_hint`: any size will do (asyncio's -1).
    fn get_buffer(&mut self, size_hint: usize) -> &mut [u8];
    /// The first `nbytes` bytes of the last buffer were filled.
    fn buffer_updated(&mut self, nbytes: usize);
    /// As [`Protocol::eof_received`].
    fn eof_received(&mut self) -> bool {
        false
    }
    /// As [`Protocol::connection_lost`].
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
    /// As [`Protocol::pause_writing`].
    fn pause_writing(&mut self) {}
    /// As [`Protocol::resume_writing`].
    fn resume_writing(&mut self) {}
}

/// The callbacks of a datagram endpoint (`asyncio.DatagramProtocol`).
///
/// # Examples
///
/// See [`create_datagram_endpoint`](crate::create_datagram_endpoint).
pub trait DatagramProtocol: 'static {
    /// The endpoint is ready; keep `transport` to send.
    fn connection_made(&mut self, transport: DatagramTransport) {
        let _ = transport;
    }
    /// A datagram came from `addr`.
    fn datagram_received(&mut self, data: &[u8], addr: SocketAddr) {
        let _ = (data, addr);
    }
    /// A send or receive failed (say `ConnectionRefused` from a connected
    /// endpoint's peer); the endpoint stays open.
    fn error_received(&mut self, error: io::Error) {
        let _ = error;
    }
    /// The endpoint is closed.
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let _ = error;
    }
    /// The send buffer went above its high-water mark.
    fn pause_writing(&mut self) {}
    /// The send buffer went down to its low-water mark.
    fn resume_writing(&mut self) {}
}

/// Marks a [`Protocol`] in [`StreamProtocol`]'s parameter.
#[derive(Debug)]
pub enum Plain {}

/// Marks a [`BufferedProtocol`] in [`StreamProtocol`]'s parameter.
#[derive(Debug)]
pub enum Buffered {}

/// What [`create_server`](crate::create_server) and
/// [`create_connection`](crate::create_connection) take: every
/// [`Protocol`] (`Kind` = [`Plain`]) and every [`BufferedProtocol`]
/// (`Kind` = [`Buffered`]), as asyncio takes either. `Kind` is inferred;
/// a type that is both is ambiguous.
pub trait StreamProtocol<Kind>: feed::Feed<Kind> {}

impl<Kind, P: feed::Feed<Kind>> StreamProtocol<Kind> for P {}

/// How a transport's driver calls either kind of protocol (sealed).
pub(crate) mod feed {
    use std::io;
    use std::task::Poll;

    use super::{BufferedProtocol, Protocol, Transport};

    /// A read of the socket into a buffer.
    pub(crate) type Read<'a> = dyn FnMut(&mut [u8]) -> Poll<io::Result<usize>> + 'a;

    pub trait Feed<Kind>: 'static {
        /// The callback that receives, as reports name it.
        const RECEIVED: &'static str;
        fn made(&mut self, transport: Transport);
        /// Reads with `read` (into `shared`, or the protocol's own buffer)
        /// and hands what came to the protocol; returns `read`'s result and
        /// the buffer's length.
        fn receive(&mut self, shared: &mut [u8], read: &mut Read<'_>) -> (Poll<io::Result<usize>>, usize);
        fn eof(&mut self) -> bool;
        fn lost(&mut self, error: Option<io::Error>);
        fn pause(&mut self);
        fn resume(&mut self);
    }

    impl<P: Protocol> Feed<super::Plain> for P {
        const RECEIVED: &'static str = "data_received";
        fn made(&mut self, transport: Transport) {
            self.connection_made(transport);
        }
        fn receive(&mut self, shared: &mut [u8], read: &mut Read<'_>) -> (Poll<io::Result<usize>>, usize) {
            let result = read(shared);
            if let Poll::Ready(Ok(n @ 1..)) = result {
                self.data_received(&shared[..n]);
            }
            (result, shared.len())
        }
        fn eof(&mut self) -> bool {
            self.eof_received()
        }
        fn lost(&mut self, error: Option<io::Error>) {
            self.connection_lost(error);
        }
        fn pause(&mut self) {
            self.pause_writing();
        }
        fn resume(&mut self) {
            self.resume_writing();
        }
    }

    impl<P: BufferedProtocol> Feed<super::Buffered> for P {
        const RECEIVED: &'static str = "buffer_updated";
        fn made(&mut self, transport: Transport) {
            self.connection_made(transport);
        }
        fn receive(&mut self, _shared: &mut [u8], read: &mut Read<'_>) -> (Poll<io::Result<usize>>, usize) {
            let buffer = self.get_buffer(0);
            let len = buffer.len();
            // Reported and fatal to the transport, as asyncio's RuntimeError.
            assert!(len > 0, "get_buffer() returned an empty buffer");
            let result = read(buffer);
            if let Poll::Ready(Ok(n @ 1..)) = result {
                self.buffer_updated(n);
            }
            (result, len)
        }
        fn eof(&mut self) -> bool {
            self.eof_received()
        }
        fn lost(&mut self, error: Option<io::Error>) {
            self.connection_lost(error);
        }
        fn pause(&mut self) {
            self.pause_writing();
        }
        fn resume(&mut self) {
            self.resume_writing();
        }
    }
}

/// Calls `callback` on `protocol` (asyncio's `protocol.<what>()`). A panic
/// in it, or the protocol already borrowed, is reported as asyncio reports
/// an exception in a protocol callback, and comes back as the error to
/// close the transport with.
pub(crate) fn call<P: ?Sized, R>(
    protocol: &RefCell<P>,
    what: &str,
    callback: impl FnOnce(&mut P) -> R,
) -> Result<R, io::Error> {
    catch_unwind(AssertUnwindSafe(|| callback(&mut protocol.borrow_mut()))).map_err(|payload| {
        report(what, &*payload);
        io::Error::other(format!("protocol.{what}() panicked: {}", panic_message(&*payload)))
    })
}

fn report(what: &str, payload: &(dyn Any + Send)) {
    let message = format!("Fatal error: protocol.{what}() call failed.");
    context::with_current_borrowed(|core| core.exceptions().report_panic(&message, None, payload));
}
