//! `start_server`, `Server`, and the Unix-domain variants.

mod support;

use std::time::Duration;

#[test]
fn each_connection_gets_a_handler_task_and_close_stops_accepting() {
    corio::run(async {
        let server = corio::start_server(
            |mut reader: corio::StreamReader, mut writer: corio::StreamWriter| async move {
                while let Ok(line) = reader.readline().await {
                    if line.is_empty() {
                        break;
                    }
                    writer.write(&line);
                }
                writer.close();
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();
        let clients = (0..50).map(|i| async move {
            let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
            writer.write(format!("client {i}\n").as_bytes());
            let line = reader.readline().await.unwrap();
            writer.close();
            String::from_utf8(line).unwrap()
        });
        let replies = corio::gather(clients).await;
        assert_eq!(replies, (0..50).map(|i| format!("client {i}\n")).collect::<Vec<_>>());
        server.close();
        server.wait_closed().await;
        corio::sleep(Duration::from_millis(1)).await; // the accept loop's drop closes the socket
        let refused = corio::open_connection("127.0.0.1", port).await.unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    });
}

#[test]
fn serve_forever_returns_when_the_server_is_closed() {
    corio::run(async {
        let server = std::rc::Rc::new(
            corio::start_server(|_r: corio::StreamReader, _w: corio::StreamWriter| async {}, "127.0.0.1", 0)
                .await
                .unwrap(),
        );
        let closer = server.clone();
        corio::call_later(Duration::from_millis(5), move || closer.close());
        server.serve_forever().await;
    });
}

#[test]
fn a_unix_server_and_connection() {
    let dir = std::env::temp_dir().join(format!("corio-unix-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("server.sock");
    corio::run(async {
        let server = corio::start_unix_server(
            |mut reader: corio::StreamReader, mut writer: corio::StreamWriter| async move {
                let name = reader.readline().await.unwrap();
                writer.write(b"hello, ");
                writer.write(&name);
                writer.close();
            },
            &path,
        )
        .await
        .unwrap();
        assert!(server.local_addrs().is_empty());
        let (mut reader, mut writer) = corio::open_unix_connection(&path).await.unwrap();
        writer.write(b"unix\n");
        assert_eq!(reader.read_to_end().await.unwrap(), b"hello, unix\n");
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_host_name_is_resolved_off_the_loop() {
    corio::run(async {
        let server = corio::start_server(
            |_r: corio::StreamReader, mut w: corio::StreamWriter| async move {
                w.write(b"resolved");
                w.close();
            },
            "localhost",
            0,
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0];
        let (mut reader, _writer) =
            corio::open_connection(&addr.ip().to_string(), addr.port()).await.unwrap();
        assert_eq!(reader.read_to_end().await.unwrap(), b"resolved");
    });
}

/// `tests/asyncio/server_close.py`: `close` closes the listening sockets
/// before it returns.
#[test]
fn close_closes_the_listening_sockets_at_once() {
    let log = corio::run(async {
        let server = corio::start_server(
            |_reader, writer: corio::StreamWriter| async move { writer.close() },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let addr = server.local_addrs()[0];
        let mut log = Vec::new();
        if std::net::TcpStream::connect(addr).is_ok() {
            log.push("connect while serving: ok");
        }
        server.close();
        match std::net::TcpStream::connect(addr) {
            Ok(_) => log.push("connect after close: ok"),
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {
                log.push("connect after close: refused")
            }
            Err(err) => panic!("connect after close: {err}"),
        }
        if std::net::TcpListener::bind(addr).is_ok() {
            log.push("bind again: ok");
        }
        server.wait_closed().await;
        log
    });
    assert_eq!(log, support::expected_log("server_close"));
}

/// `tests/asyncio/server_clients.py`: `close_clients` and `abort_clients`.
#[test]
fn close_clients_and_abort_clients_as_asyncio() {
    let log = support::Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        let ended = corio::Queue::new(0);
        let reports = ended.clone();
        let server = corio::start_server(
            move |mut reader, mut writer| {
                let reports = reports.clone();
                async move {
                    writer.write(b"hello\n");
                    let data = reader.read_to_end().await.unwrap();
                    reports
                        .put_nowait(format!("a handler read {} to the end", support::py_bytes(&data)))
                        .unwrap();
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();

        let (mut reader, writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        log.push(format!("client got {}", support::py_bytes(&reader.readline().await.unwrap())));
        server.close_clients();
        log.push(format!(
            "after close_clients the client got {}",
            support::py_bytes(&reader.read_to_end().await.unwrap())
        ));
        log.push(ended.get().await.unwrap());
        writer.close();

        let (mut reader, writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        log.push(format!("client 2 got {}", support::py_bytes(&reader.readline().await.unwrap())));
        server.abort_clients();
        log.push(format!(
            "after abort_clients client 2 got {}",
            support::py_bytes(&reader.read_to_end().await.unwrap())
        ));
        log.push(ended.get().await.unwrap());
        writer.close();

        server.close();
        server.wait_closed().await;
    });
    assert_eq!(log.take(), support::expected_log("server_clients"));
}

/// `close_clients` also closes a connection whose handler dropped its
/// writer at once (it keeps only the reader), as asyncio tracks transports.
#[test]
fn close_clients_reaches_a_handler_that_dropped_its_writer() {
    corio::run(async {
        let accepted = std::rc::Rc::new(corio::Event::new());
        let signal = accepted.clone();
        let server = corio::start_server(
            move |mut reader, _writer| {
                signal.set();
                async move {
                    let _ = reader.read_to_end().await;
                }
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();
        let (mut reader, _writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        accepted.wait().await;
        server.close_clients();
        let rest = corio::wait_for(Duration::from_secs(10), reader.read_to_end()).await;
        assert!(rest.expect("the connection was closed").unwrap().is_empty());
    });
}
