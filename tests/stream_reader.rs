//! `StreamReader`: asyncio's buffered reads over a real connection.

mod support;

use std::io::ErrorKind;
use std::time::Duration;

use corio::{IncompleteReadError, LimitOverrunError, StreamReader, StreamWriter};
use support::counting_alloc::{bytes_asked_here, Counting};
use support::{py_bool, py_bytes};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A connected pair over loopback: what the server side writes, in
/// `chunks` with a pause between them, the returned reader reads.
async fn reader_fed(chunks: Vec<Vec<u8>>) -> (StreamReader, StreamWriter) {
    let server = corio::start_server(
        move |_reader, mut writer: StreamWriter| {
            let chunks = chunks.clone();
            async move {
                for chunk in chunks {
                    writer.write(&chunk);
                    writer.drain().await.unwrap();
                    corio::sleep(Duration::from_millis(1)).await;
                }
                writer.close();
                writer.wait_closed().await.unwrap();
            }
        },
        "127.0.0.1",
        0,
    )
    .await
    .unwrap();
    let port = server.local_addrs()[0].port();
    let pair = corio::open_connection("127.0.0.1", port).await.unwrap();
    std::mem::forget(server); // keep listening for the test's lifetime
    pair
}

#[test]
fn lines_come_out_the_same_whatever_the_chunk_boundaries() {
    let text = b"first\nsecond line\n\nlast without newline".to_vec();
    corio::run(async move {
        for split in 0..=text.len() {
            let chunks = vec![text[..split].to_vec(), text[split..].to_vec()];
            let (mut reader, _writer) = reader_fed(chunks.clone()).await;
            let mut lines = Vec::new();
            loop {
                let line = reader.readline().await.unwrap();
                if line.is_empty() {
                    break;
                }
                lines.push(line);
            }
            assert_eq!(
                lines,
                [&b"first\n"[..], b"second line\n", b"\n", b"last without newline"],
                "split at {split}"
            );
            let (mut reader, _writer) = reader_fed(chunks).await;
            assert_eq!(reader.readuntil(b"line").await.unwrap(), b"first\nsecond line", "split at {split}");
        }
    });
}

#[test]
fn readexactly_at_the_end_reports_the_partial_bytes() {
    corio::run(async {
        let (mut reader, _writer) = reader_fed(vec![vec![1; 18]]).await;
        let err = reader.readexactly(36).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
        let incomplete = err.get_ref().unwrap().downcast_ref::<IncompleteReadError>().unwrap();
        assert_eq!(incomplete.partial, vec![1; 18]);
        assert_eq!(incomplete.expected, Some(36));
        assert_eq!(err.to_string(), "18 bytes read on a total of 36 expected bytes");
        assert!(reader.at_eof());
    });
}

#[test]
fn readuntil_past_the_limit_keeps_the_buffer_and_readline_discards_the_line() {
    corio::run(async {
        let (mut reader, _writer) = reader_fed(vec![b"0123456789\nrest\n".to_vec()]).await;
        reader.set_limit(5);
        let err = reader.readuntil(b"\n").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert!(err.get_ref().unwrap().downcast_ref::<LimitOverrunError>().is_some());
        // The bytes are all still there for another kind of read.
        assert_eq!(reader.readexactly(3).await.unwrap(), b"012");
        // readline, as asyncio's, drops the over-long line up to its newline.
        assert_eq!(reader.readline().await.unwrap_err().kind(), ErrorKind::InvalidData);
        assert_eq!(reader.readline().await.unwrap(), b"rest\n");
    });
}

#[test]
fn a_read_dropped_halfway_loses_no_bytes() {
    corio::run(async {
        // The server sends half a line, then waits for `go` to send the rest.
        let go = std::rc::Rc::new(corio::Event::new());
        let release = go.clone();
        let server = corio::start_server(
            move |_reader, mut writer: StreamWriter| {
                let go = go.clone();
                async move {
                    writer.write(b"partial ");
                    go.wait().await;
                    writer.write(b"line\n");
                    writer.close();
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();
        let (mut reader, _writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        // Wait until the first half is readable, then drop a readline that
        // has buffered it.
        let timed_out = corio::wait_for(Duration::from_millis(20), reader.readline()).await;
        assert!(timed_out.is_err(), "the line is not complete yet");
        release.set();
        assert_eq!(reader.readline().await.unwrap(), b"partial line\n");
        assert_eq!(reader.read(100).await.unwrap(), b"", "then end of stream");
    });
}

#[test]
fn read_returns_what_is_there_and_read_to_end_the_rest() {
    corio::run(async {
        let (mut reader, _writer) = reader_fed(vec![b"abcdef".to_vec(), b"ghij".to_vec()]).await;
        assert_eq!(reader.read(3).await.unwrap(), b"abc");
        assert_eq!(reader.read_to_end().await.unwrap(), b"defghij");
        assert!(reader.at_eof());
        assert_eq!(reader.read(10).await.unwrap(), b"");
    });
}

/// `tests/asyncio/stream_limits.py`: the limit bounds the bytes before the
/// separator, `LimitOverrunError::consumed` is asyncio's, and readline
/// drops what asyncio drops; a reader is at its end once its own writer has
/// closed, and drain after close reports the lost connection.
#[test]
fn limits_at_eof_and_drain_after_close_as_asyncio() {
    fn payload(case: u8) -> &'static [u8] {
        match case {
            b'1' => b"1234567\n12345678\nnext\n",
            b'2' => b"some dataAA",
            b'3' => b"some dataAAA",
            b'4' => b"123456",
            _ => b"",
        }
    }
    fn message(err: &std::io::Error) -> String {
        let overrun = err.get_ref().and_then(|inner| inner.downcast_ref::<LimitOverrunError>()).unwrap();
        format!("{overrun}: consumed {}", overrun.consumed)
    }
    let log = corio::run(async {
        let server = corio::start_server(
            |mut reader: StreamReader, mut writer: StreamWriter| async move {
                let case = reader.read(1).await.unwrap();
                let case = case.first().copied().unwrap_or(b'5');
                writer.write(payload(case));
                if case != b'4' {
                    reader.read_to_end().await.unwrap();
                }
                writer.close();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();
        let client = |case: u8, limit: usize| async move {
            let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
            reader.set_limit(limit);
            writer.write(&[case]);
            (reader, writer)
        };
        let close = |writer: StreamWriter| async move {
            writer.close();
            writer.wait_closed().await.unwrap();
        };
        let mut log = Vec::new();

        let (mut reader, writer) = client(b'1', 7).await;
        log.push(format!("limit 7: {}", py_bytes(&reader.readline().await.unwrap())));
        let err = reader.readline().await.unwrap_err();
        log.push(format!("limit 7, 8 bytes: {}", err));
        log.push(format!("then {}", py_bytes(&reader.readline().await.unwrap())));
        close(writer).await;

        for case in [b'2', b'3'] {
            let (mut reader, writer) = client(case, 3).await;
            log.push(message(&reader.readuntil(b"AAA").await.unwrap_err()));
            log.push(format!("buffered {}", py_bytes(&reader.read(100).await.unwrap())));
            close(writer).await;
        }

        let (mut reader, writer) = client(b'4', 4).await;
        log.push(format!("limit 4, no newline: {}", reader.readline().await.unwrap_err()));
        let rest = reader.read(100).await.unwrap();
        log.push(format!("then {}, at_eof {}", py_bytes(&rest), py_bool(reader.at_eof())));
        close(writer).await;

        let (reader, mut writer) = client(b'5', 100).await;
        writer.close();
        log.push(format!("at_eof after close: {}", py_bool(reader.at_eof())));
        writer.wait_closed().await.unwrap();
        log.push(format!("at_eof after wait_closed: {}", py_bool(reader.at_eof())));
        writer.write(b"after close");
        match writer.drain().await {
            Ok(()) => log.push("drain after close: ok".to_string()),
            Err(err) if err.kind() == ErrorKind::ConnectionReset => {
                log.push(format!("drain after close: ConnectionResetError {err}"))
            }
            Err(err) => panic!("drain after close: {err}"),
        }
        server.close();
        server.wait_closed().await;
        log
    });
    assert_eq!(log, support::expected_log("stream_limits"));
}

/// Reading many short lines off a long buffer costs what the lines take,
/// not what is left each time (it was quadratic: each line copied the rest
/// of the buffer). Measured in bytes asked of the allocator, not in time.
#[test]
fn many_short_lines_cost_what_they_take() {
    const LINES: usize = 64 * 1024;
    corio::run(async {
        let (mut reader, _writer) = reader_fed(vec![vec![b'\n'; LINES]]).await;
        let asked_before = bytes_asked_here();
        let mut lines = 0;
        while !reader.readline().await.unwrap().is_empty() {
            lines += 1;
        }
        let asked = bytes_asked_here() - asked_before;
        assert_eq!(lines, LINES);
        // The lines themselves, the buffer, the writer's side: a few times
        // the data. Copying the rest per line asked for about 2 GiB.
        assert!(asked < 16 * LINES, "{asked} bytes asked for {LINES} one-byte lines");
    });
}
