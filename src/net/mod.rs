//! Sockets on the running loop's reactor: TCP, UDP and Unix-domain, the
//! transports under asyncio's streams, in the shape Rust users expect.
//!
//! With the `futures-io` feature, `TcpStream` and `UnixStream` implement
//! `futures_io::AsyncRead` and `AsyncWrite`.

pub(crate) mod io;
pub(crate) mod tcp;
pub(crate) mod udp;
pub(crate) mod unix;

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
