//! `TcpListener` and `TcpStream` over loopback.

use std::io::ErrorKind;
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

fn listener() -> (corio::TcpListener, SocketAddr) {
    let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Serves one connection: echoes until end of stream.
async fn echo(mut conn: corio::TcpStream) {
    let mut buf = [0; 4096];
    loop {
        match conn.read(&mut buf).await.unwrap() {
            0 => return,
            n => conn.write_all(&buf[..n]).await.unwrap(),
        }
    }
}

#[test]
fn an_echo_round_trip() {
    corio::run(async {
        let (listener, addr) = listener();
        let server = corio::create_task(async move {
            let (conn, peer) = listener.accept().await.unwrap();
            assert_eq!(peer.ip(), addr.ip());
            echo(conn).await;
        });
        let mut client = corio::TcpStream::connect(addr).await.unwrap();
        client.set_nodelay(true).unwrap();
        assert_eq!(client.peer_addr().unwrap(), addr);
        for i in 0..100u32 {
            let message = format!("message {i}");
            client.write_all(message.as_bytes()).await.unwrap();
            let mut reply = vec![0; message.len()];
            client.read_exact(&mut reply).await.unwrap();
            assert_eq!(reply, message.as_bytes());
        }
        drop(client);
        server.await.unwrap();
    });
}

#[test]
fn connection_refused_is_an_io_error_of_that_kind() {
    corio::run(async {
        let (listener, addr) = listener();
        drop(listener);
        let err = corio::TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
    });
}

#[test]
fn a_half_close_lets_the_peer_read_to_the_end_and_still_reply() {
    corio::run(async {
        let (listener, addr) = listener();
        let server = corio::create_task(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0; 64];
            loop {
                match conn.read(&mut buf).await.unwrap() {
                    0 => break, // the client's write half is closed
                    n => request.extend_from_slice(&buf[..n]),
                }
            }
            conn.write_all(format!("got {} bytes", request.len()).as_bytes()).await.unwrap();
        });
        let mut client = corio::TcpStream::connect(addr).await.unwrap();
        client.write_all(&[7; 1000]).await.unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut reply = Vec::new();
        let mut buf = [0; 64];
        loop {
            match client.read(&mut buf).await.unwrap() {
                0 => break,
                n => reply.extend_from_slice(&buf[..n]),
            }
        }
        assert_eq!(reply, b"got 1000 bytes");
        server.await.unwrap();
    });
}

#[test]
fn writing_to_a_peer_that_went_away_fails_with_an_error() {
    corio::run(async {
        let (listener, addr) = listener();
        let mut client = corio::TcpStream::connect(addr).await.unwrap();
        let (conn, _) = listener.accept().await.unwrap();
        drop(conn);
        let mut reads_eof = [0; 8];
        assert_eq!(client.read(&mut reads_eof).await.unwrap(), 0, "the peer's close reads as end of stream");
        // The first write may still be accepted; the peer answers it with a
        // reset, and a later write fails.
        let mut outcome = Ok(0);
        for _ in 0..1_000 {
            outcome = client.write(b"data").await;
            if outcome.is_err() {
                break;
            }
            corio::sleep(Duration::from_millis(1)).await;
        }
        let kind = outcome.unwrap_err().kind();
        assert!(matches!(kind, ErrorKind::BrokenPipe | ErrorKind::ConnectionReset), "{kind:?}");
    });
}

#[test]
fn one_loop_serves_two_hundred_connections_at_once() {
    corio::run(async {
        let (listener, addr) = listener();
        let server = corio::create_task(async move {
            for _ in 0..200 {
                let (conn, _) = listener.accept().await.unwrap();
                corio::create_task(echo(conn));
            }
        });
        let clients = (0..200u32).map(|i| async move {
            let mut stream = corio::TcpStream::connect(addr).await.unwrap();
            let message = i.to_be_bytes();
            stream.write_all(&message).await.unwrap();
            let mut reply = [0; 4];
            stream.read_exact(&mut reply).await.unwrap();
            u32::from_be_bytes(reply)
        });
        let replies = corio::gather(clients).await;
        assert_eq!(replies, (0..200).collect::<Vec<_>>());
        server.await.unwrap();
    });
}

#[test]
fn a_read_dropped_while_waiting_loses_no_bytes() {
    corio::run(async {
        let (listener, addr) = listener();
        let mut client = corio::TcpStream::connect(addr).await.unwrap();
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut buf = [0; 16];
        // Nothing to read yet: the read times out and is dropped.
        assert!(corio::wait_for(Duration::from_millis(5), client.read(&mut buf)).await.is_err());
        conn.write_all(b"after the timeout").await.unwrap();
        let mut got = [0; 17];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"after the timeout");
    });
}

#[test]
fn a_socket_used_after_its_loop_closed_errs_instead_of_hanging() {
    let mut runner = corio::Runner::new();
    let (stream, _listener) = runner.run(async {
        let (listener, addr) = listener();
        let stream = corio::TcpStream::connect(addr).await.unwrap();
        (stream, listener)
    });
    runner.close();
    let mut stream = stream;
    let err = corio::run(async move {
        let mut buf = [0; 4];
        stream.read(&mut buf).await.unwrap_err()
    });
    assert_eq!(err.to_string(), "event loop is closed");
}

#[test]
fn binding_outside_a_loop_is_an_error() {
    let err = corio::TcpListener::bind("127.0.0.1:0").unwrap_err();
    assert_eq!(err.to_string(), "no running event loop");
}

/// A read that comes back short has drained the socket, and corio then
/// waits for the next edge instead of asking again; but when the end of
/// stream arrived with the last bytes, no edge follows, and the next read
/// must still see the end.
#[test]
fn a_short_read_just_before_the_end_of_stream_still_sees_the_end() {
    corio::run(async {
        let (listener, addr) = listener();
        let mut client = corio::TcpStream::connect(addr).await.unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        let reader = corio::create_task(async move {
            let mut buf = [0; 64];
            // Parked here first: the data and the end arrive as one event.
            let n = client.read(&mut buf).await.unwrap();
            let first = buf[..n].to_vec();
            let end = corio::wait_for(Duration::from_secs(30), client.read(&mut buf)).await;
            (first, end.map(Result::unwrap))
        });
        corio::yield_now().await;
        server.write_all(b"last words").await.unwrap();
        // On loopback the FIN is queued behind the data before `drop` returns.
        drop(server);
        let (first, end) = reader.await.unwrap();
        assert_eq!(first, b"last words");
        assert_eq!(end, Ok(0), "the end of stream, not a hang");
    });
}

/// `TcpStream::connect` takes host names as well as addresses (resolved on
/// the thread pool), and says clearly what it cannot parse.
#[test]
fn connect_takes_a_host_name_and_port() {
    corio::run(async {
        let (listener, addr) = listener();
        let port = addr.port();
        let accepting = corio::create_task(async move {
            for _ in 0..4 {
                drop(listener.accept().await.unwrap());
            }
        });
        for target in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
            let stream = corio::TcpStream::connect(target.as_str()).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap().port(), port);
        }
        corio::TcpStream::connect(("localhost", port)).await.unwrap();
        corio::TcpStream::connect(&[addr][..]).await.unwrap();
        accepting.await.unwrap();
        let err = corio::TcpStream::connect("no port here").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let none: &[std::net::SocketAddr] = &[];
        assert_eq!(corio::TcpStream::connect(none).await.unwrap_err().kind(), ErrorKind::NotFound);
    });
}
