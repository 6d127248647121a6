//! `StreamWriter`: buffering, backpressure, half-close and closing.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// A server whose handler is given; returns the port.
async fn serve<F: std::future::Future<Output = ()> + 'static>(
    handler: impl Fn(corio::StreamReader, corio::StreamWriter) -> F + 'static,
) -> (corio::Server, u16) {
    let server = corio::start_server(handler, "127.0.0.1", 0).await.unwrap();
    let port = server.local_addrs()[0].port();
    (server, port)
}

#[test]
fn drain_holds_a_fast_writer_back_for_a_slow_reader() {
    corio::run(async {
        let total = 8 * 1024 * 1024;
        let received = Rc::new(Cell::new(0));
        let count = received.clone();
        let (_server, port) = serve(move |mut reader, _writer| {
            let count = count.clone();
            async move {
                loop {
                    let chunk = reader.read(4096).await.unwrap();
                    if chunk.is_empty() {
                        return;
                    }
                    count.set(count.get() + chunk.len());
                    corio::sleep(Duration::from_micros(50)).await; // a slow reader
                }
            }
        })
        .await;
        let (_reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        let block = vec![7u8; 64 * 1024];
        let mut peak = 0;
        for _ in 0..total / block.len() {
            writer.write(&block);
            writer.drain().await.unwrap();
            // After drain the writer holds at most about the high-water mark
            // plus one block, however slow the reader.
            peak = peak.max(writer.get_write_buffer_size());
        }
        assert!(peak <= 128 * 1024, "buffered {peak} bytes");
        writer.close();
        writer.wait_closed().await.unwrap();
        while received.get() < total {
            corio::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(received.get(), total);
    });
}

#[test]
fn write_eof_is_a_half_close_the_peer_can_answer() {
    corio::run(async {
        let (_server, port) = serve(|mut reader, mut writer| async move {
            let request = reader.read_to_end().await.unwrap();
            writer.write(format!("{} bytes", request.len()).as_bytes());
            writer.close();
        })
        .await;
        let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"twelve bytes");
        writer.write_eof().unwrap();
        assert_eq!(reader.read_to_end().await.unwrap(), b"12 bytes");
    });
}

#[test]
fn close_sends_what_is_buffered_then_closes() {
    corio::run(async {
        let (_server, port) = serve(|_reader, mut writer| async move {
            writer.writelines([&b"a\n"[..], b"b\n", b"c\n"]);
            writer.close();
            assert!(writer.is_closing());
            writer.wait_closed().await.unwrap();
        })
        .await;
        let (mut reader, writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        assert_eq!(reader.read_to_end().await.unwrap(), b"a\nb\nc\n");
        assert_eq!(writer.peer_addr().unwrap().port(), port);
    });
}

#[test]
fn writing_to_a_peer_that_reset_fails_drain() {
    corio::run(async {
        let (_server, port) = serve(|reader, writer| async move {
            drop((reader, writer)); // both halves gone: the connection closes
        })
        .await;
        let (_reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        let block = vec![0u8; 256 * 1024];
        let mut failed = None;
        for _ in 0..1_000 {
            writer.write(&block);
            if let Err(err) = writer.drain().await {
                failed = Some(err.kind());
                break;
            }
            corio::sleep(Duration::from_millis(1)).await;
        }
        let kind = failed.expect("the reset must surface");
        assert!(
            matches!(kind, std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset),
            "{kind:?}"
        );
    });
}
