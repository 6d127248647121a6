//! Scale and faults over loopback: 10 000 connections on one loop, 1 GiB
//! through a slow reader in bounded memory, a reset mid-stream.

use std::time::Duration;

/// Raises the open-file limit to `wanted`: the hard limit too where the
/// process may (as root, as CI runs), else up to the hard limit.
fn raise_fd_limit(wanted: u64) -> u64 {
    let (_soft, hard) = rlimit::Resource::NOFILE.get().unwrap();
    if hard < wanted && rlimit::Resource::NOFILE.set(wanted, wanted).is_ok() {
        return wanted;
    }
    let target = wanted.min(hard);
    rlimit::Resource::NOFILE.set(target, hard).unwrap();
    target
}

/// The client side of the 10 000 connections, in a process of its own so
/// each process needs only one descriptor per connection: connect them all,
/// then send a byte on each, then read every echo.
const CLIENTS: &str = r#"
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
for i, s in enumerate(socks):
    s.sendall(bytes([i % 251]))
ok = sum(1 for i, s in enumerate(socks) if s.recv(1) == bytes([i % 251]))
print(ok)
"#;

#[test]
fn one_loop_serves_ten_thousand_connections_at_once() {
    const CONNECTIONS: usize = 10_000;
    let limit = raise_fd_limit(2 * CONNECTIONS as u64);
    assert!(limit >= CONNECTIONS as u64 + 100, "the fd limit {limit} is too low for this test");
    let (echoed, peak) = corio::run(async {
        let open = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let peak = std::rc::Rc::new(std::cell::Cell::new(0usize));
        // No handler answers before every connection has its handler.
        let all_in = std::rc::Rc::new(corio::Barrier::new(CONNECTIONS));
        let (counter, high) = (open.clone(), peak.clone());
        let server = corio::start_server(
            move |mut reader: corio::StreamReader, mut writer: corio::StreamWriter| {
                let (open, peak, all_in) = (counter.clone(), high.clone(), all_in.clone());
                async move {
                    open.set(open.get() + 1);
                    peak.set(peak.get().max(open.get()));
                    all_in.wait().await.unwrap();
                    let byte = reader.readexactly(1).await.unwrap();
                    writer.write(&byte);
                    writer.close();
                    writer.wait_closed().await.unwrap();
                    open.set(open.get() - 1);
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();
        let output = corio::to_thread(move || {
            std::process::Command::new("python3")
                .args(["-c", CLIENTS, &port.to_string(), &CONNECTIONS.to_string()])
                .output()
                .expect("python3 runs the clients")
        })
        .await
        .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let echoed: usize = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap();
        (echoed, peak.get())
    });
    assert_eq!(echoed, CONNECTIONS, "every connection got its byte back");
    assert_eq!(peak, CONNECTIONS, "all the connections were served at once");
}

#[test]
fn a_gibibyte_through_a_slow_reader_keeps_the_writer_small() {
    const TOTAL: usize = 1 << 30;
    corio::run(async {
        let server = corio::start_server(
            |mut reader: corio::StreamReader, mut writer: corio::StreamWriter| async move {
                let mut received = 0usize;
                let mut reads = 0u64;
                loop {
                    let chunk = reader.read(1 << 20).await.unwrap();
                    if chunk.is_empty() {
                        break;
                    }
                    received += chunk.len();
                    reads += 1;
                    if reads % 64 == 0 {
                        corio::sleep(Duration::from_millis(1)).await; // a slow reader
                    }
                }
                writer.write(received.to_string().as_bytes());
                writer.close();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();
        let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        let block = vec![0x5a; 256 * 1024];
        let mut peak = 0;
        for _ in 0..TOTAL / block.len() {
            writer.write(&block);
            writer.drain().await.unwrap();
            peak = peak.max(writer.get_write_buffer_size());
        }
        writer.write_eof().unwrap();
        assert_eq!(reader.read_to_end().await.unwrap(), TOTAL.to_string().as_bytes());
        // After each drain the writer holds at most the high-water mark plus
        // one block: well under a few MiB for a gibibyte.
        assert!(peak <= 64 * 1024 + block.len(), "peak buffer {peak}");
    });
}

#[test]
fn a_reset_mid_stream_is_an_error_of_the_right_kind() {
    corio::run(async {
        let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut client = corio::TcpStream::connect(addr).await.unwrap();
        let (mut conn, _) = listener.accept().await.unwrap();
        // Data the server never reads: closing over it sends a reset.
        client.write_all(b"unread").await.unwrap();
        conn.write_all(b"half of the answer").await.unwrap();
        corio::sleep(Duration::from_millis(10)).await;
        drop(conn);
        let mut buf = [0; 64];
        let mut outcome = Ok(1);
        for _ in 0..100 {
            outcome = client.read(&mut buf).await;
            if !matches!(outcome, Ok(n) if n > 0) {
                break;
            }
        }
        let err = outcome.expect_err("a reset, not a clean end of stream");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    });
}
