//! hyper 1.x on corio (feature `hyper`), with no glue of the user's:
//! [`CorioIo`] makes any corio stream hyper's I/O, [`CorioExecutor`] runs
//! hyper's background futures as corio tasks, and [`CorioTimer`] gives
//! hyper the loop's clock, so virtual time drives hyper's timeouts too.
//! What `hyper-util`'s `TokioIo`, `TokioExecutor` and `TokioTimer` are for
//! tokio.
//!
//! # Examples
//!
//! A server, and a client of it:
//!
//! ```
//! use corio::hyper::{CorioExecutor, CorioIo, CorioTimer};
//! use http_body_util::{BodyExt, Full};
//! use hyper::body::Bytes;
//!
//! corio::run(async {
//!     let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     corio::create_task(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let hello = hyper::service::service_fn(|_request| async {
//!             Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from("hello"))))
//!         });
//!         let connection = hyper::server::conn::http1::Builder::new()
//!             .timer(CorioTimer)
//!             .serve_connection(CorioIo::new(stream), hello);
//!         connection.await.unwrap();
//!     });
//!     let stream = corio::TcpStream::connect(addr).await.unwrap();
//!     let (mut sender, connection) =
//!         hyper::client::conn::http1::handshake::<_, Full<Bytes>>(CorioIo::new(stream)).await.unwrap();
//!     corio::create_task(connection);
//!     let request = hyper::Request::get("/").header("host", "localhost").body(Full::default()).unwrap();
//!     let response = sender.send_request(request).await.unwrap();
//!     let body = response.into_body().collect().await.unwrap().to_bytes();
//!     assert_eq!(body, "hello");
//!     # let _ = CorioExecutor;
//! });
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ::hyper::rt::{Executor, Read, ReadBufCursor, Sleep as HyperSleep, Timer, Write};
use futures_io::{AsyncRead, AsyncWrite};

/// A corio stream (a `TcpStream`, a `UnixStream`, a TLS stream: any
/// `futures_io` stream) as hyper's I/O: hyper-util's `TokioIo` for corio.
///
/// hyper reads into a buffer that may not be initialized yet; corio keeps
/// `unsafe` out of everything but its task cell and its system calls, so
/// a read lands in a scratch buffer of the `CorioIo`'s (zeroed once) and
/// is copied into hyper's: one copy of each read, which a request of a few
/// kilobytes does not feel.
#[derive(Debug)]
pub struct CorioIo<T> {
    inner: T,
    scratch: Box<[u8]>,
}

/// Reads hyper asks for are made at most this large.
const SCRATCH: usize = 16 * 1024;

impl<T> CorioIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> CorioIo<T> {
        CorioIo { inner, scratch: Box::default() }
    }

    /// The stream inside.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> Read for CorioIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.scratch.is_empty() {
            this.scratch = vec![0; SCRATCH].into_boxed_slice();
        }
        let len = buf.remaining().min(this.scratch.len());
        let n = std::task::ready!(Pin::new(&mut this.inner).poll_read(cx, &mut this.scratch[..len]))?;
        buf.put_slice(&this.scratch[..n]);
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> Write for CorioIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}

/// Runs hyper's background futures (an HTTP/2 connection's streams, a
/// client connection's task) as corio tasks of the running loop. They need
/// not be `Send`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorioExecutor;

impl<F: Future + 'static> Executor<F> for CorioExecutor {
    /// # Panics
    ///
    /// Outside a running loop, as [`create_task`](crate::create_task).
    fn execute(&self, future: F) {
        drop(crate::create_task(future));
    }
}

/// hyper's timer on the running loop's clock: its sleeps are corio's
/// [`Sleep`](crate::Sleep)s and its `now()` is [`corio::time()`](crate::time),
/// so under virtual time (`#[corio::test(virtual_time)]`) hyper's timeouts
/// (header read, keep-alive) pass as the loop's clock does.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorioTimer;

impl HyperSleep for crate::Sleep {}

impl Timer for CorioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn HyperSleep>> {
        Box::pin(crate::sleep(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn HyperSleep>> {
        Box::pin(crate::sleep_until(deadline))
    }

    /// The loop's time, or the system's outside a loop.
    fn now(&self) -> Instant {
        crate::runtime::context::with_current_borrowed(|core| core.now()).unwrap_or_else(Instant::now)
    }

    /// Moves the timer of a corio sleep instead of making a new one.
    fn reset(&self, sleep: &mut Pin<Box<dyn HyperSleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<crate::Sleep>() {
            Some(sleep) => sleep.get_mut().reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
