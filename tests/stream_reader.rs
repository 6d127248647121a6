//! `StreamReader`: asyncio's buffered reads over a real connection.

use std::io::ErrorKind;
use std::time::Duration;

use corio::{IncompleteReadError, LimitOverrunError, StreamReader, StreamWriter};

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
