//! Sockets on the running loop's reactor: TCP, UDP and Unix-domain, the
//! transports under asyncio's streams, in the shape Rust users expect.
//!
//! With the `futures-io` feature, `TcpStream` and `UnixStream` implement
//! `futures_io::AsyncRead` and `AsyncWrite`.

/// The byte-stream methods `TcpStream` and `UnixStream` share, delegating
/// to their `io` field.
macro_rules! byte_stream_methods {
    () => {
        /// Reads into `buf`; returns how many bytes, 0 at end of stream.
        ///
        /// # Errors
        ///
        /// The OS's error, such as `ConnectionReset`.
        ///
        /// # Cancel safety
        ///
        /// Dropping the future loses no bytes: bytes read are returned in
        /// the same poll.
        pub async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.io.read(buf).await
        }

        /// Reads exactly `buf.len()` bytes.
        ///
        /// # Errors
        ///
        /// `UnexpectedEof` if the stream ends first; else the OS's error.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: bytes already read are lost if the future is
        /// dropped.
        pub async fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
            self.io.read_exact(buf).await
        }

        /// Writes from `buf`; returns how many bytes were written.
        ///
        /// # Errors
        ///
        /// The OS's error, such as `BrokenPipe` after the peer closed.
        ///
        /// # Cancel safety
        ///
        /// Dropping the future writes nothing more: what was written is
        /// returned in the same poll.
        pub async fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.io.write(buf).await
        }

        /// Writes all of `buf`.
        ///
        /// # Errors
        ///
        /// As `write`; `WriteZero` if the OS takes nothing.
        ///
        /// # Cancel safety
        ///
        /// Not cancel safe: a prefix of `buf` may have been written.
        pub async fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
            self.io.write_all(buf).await
        }

        /// Shuts down the read half, the write half (the peer reads end of
        /// stream: a half-close), or both.
        ///
        /// # Errors
        ///
        /// The OS's error.
        pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
            self.io.get_ref().shutdown(how)
        }
    };
}

pub(crate) mod byte_socket;
pub(crate) mod happy_eyeballs;
pub(crate) mod io;
pub(crate) mod resolve;
pub(crate) mod server;
pub(crate) mod tcp;
pub(crate) mod udp;
pub(crate) mod unix;
pub(crate) mod watchers;

/// `AsRawFd` and `AsFd` for each socket type (its `io` field), as the
/// standard library's and tokio's sockets have them: for `setsockopt`
/// through another crate, or to tell a descriptor apart.
macro_rules! as_fd {
    ($($socket:ty),*) => {$(
        impl std::os::fd::AsRawFd for $socket {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }

        impl std::os::fd::AsFd for $socket {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }
    )*};
}

as_fd!(
    tcp::TcpListener,
    tcp::TcpStream,
    udp::UdpSocket,
    unix::UnixListener,
    unix::UnixStream,
    unix::UnixDatagram
);

/// `futures_io::AsyncRead` and `AsyncWrite` for a stream type with an `io`
/// field of type `Io<S>`, where `&S` reads and writes.
#[cfg(feature = "futures-io")]
macro_rules! impl_futures_io {
    ($stream:ty) => {
        impl futures_io::AsyncRead for $stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_read(cx, buf)
            }
        }

        impl futures_io::AsyncWrite for $stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.io.poll_write(cx, buf)
            }

            /// Writes are not buffered: nothing to flush.
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            /// Shuts the write half down: the peer reads end of stream.
            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(self.shutdown(std::net::Shutdown::Write))
            }
        }
    };
}

#[cfg(feature = "futures-io")]
impl_futures_io!(tcp::TcpStream);
#[cfg(feature = "futures-io")]
impl_futures_io!(unix::UnixStream);
