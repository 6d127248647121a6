//! `futures_io::AsyncRead` / `AsyncWrite` on corio streams (feature
//! `futures-io`): generic code written against the traits runs on corio.
#![cfg(feature = "futures-io")]

use futures_lite::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn generic_futures_io_code_runs_on_corio_sockets() {
    corio::run(async {
        let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = corio::create_task(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut request = String::new();
            conn.read_to_string(&mut request).await.unwrap(); // until the client closes its half
            conn.write_all(request.to_uppercase().as_bytes()).await.unwrap();
        });
        let mut client = corio::TcpStream::connect(addr).await.unwrap();
        client.write_all(b"shout this").await.unwrap();
        client.close().await.unwrap();
        let mut reply = String::new();
        client.read_to_string(&mut reply).await.unwrap();
        assert_eq!(reply, "SHOUT THIS");
        server.await.unwrap();
    });
}

/// A stream that, as a TLS stream, takes bytes before it sends them: a
/// write is only held until `poll_flush`, which sends on its second call
/// (the first says the socket is full, and wakes at once).
#[derive(Default)]
struct HoldsBack {
    held: Vec<u8>,
    sent: std::rc::Rc<std::cell::RefCell<Vec<u8>>>,
    flushes: usize,
}

impl futures_io::AsyncWrite for HoldsBack {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.held.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.flushes += 1;
        if self.flushes % 2 == 1 {
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        let held = std::mem::take(&mut self.held);
        self.sent.borrow_mut().extend(held);
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_close(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}

/// What the stream holds back after taking it is flushed by the writer,
/// though its own buffer is empty and nothing more is written (a TLS
/// stream's last records would otherwise wait for the next write).
#[test]
fn a_stream_writer_flushes_what_its_stream_held_back() {
    corio::run(async {
        let stream = HoldsBack::default();
        let sent = stream.sent.clone();
        let mut writer = corio::StreamWriter::new(stream);
        writer.write(b"taken, not yet sent");
        assert_eq!(writer.get_write_buffer_size(), 0, "the stream took it all");
        for _ in 0..3 {
            corio::yield_now().await;
        }
        assert_eq!(*sent.borrow(), b"taken, not yet sent");
    });
}
