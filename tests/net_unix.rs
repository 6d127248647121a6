//! `UnixListener`, `UnixStream` and `UnixDatagram`.

use std::io::ErrorKind;
use std::path::PathBuf;

/// A fresh directory for this test's socket files, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("corio-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_stream_echo_and_end_of_stream() {
    let dir = TempDir::new("unix-stream");
    let path = dir.0.join("echo.sock");
    corio::run(async move {
        let listener = corio::UnixListener::bind(&path).unwrap();
        let server = corio::create_task(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut buf = [0; 64];
            loop {
                match conn.read(&mut buf).await.unwrap() {
                    0 => return,
                    n => conn.write_all(&buf[..n]).await.unwrap(),
                }
            }
        });
        let mut client = corio::UnixStream::connect(&path).await.unwrap();
        for message in [&b"one"[..], b"two", b"three"] {
            client.write_all(message).await.unwrap();
            let mut reply = vec![0; message.len()];
            client.read_exact(&mut reply).await.unwrap();
            assert_eq!(reply, message);
        }
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let mut rest = [0; 8];
        assert_eq!(client.read(&mut rest).await.unwrap(), 0);
        server.await.unwrap();
    });
}

#[test]
fn connecting_to_a_missing_path_is_not_found() {
    let dir = TempDir::new("unix-missing");
    let path = dir.0.join("nobody.sock");
    let err = corio::run(async move { corio::UnixStream::connect(path).await.unwrap_err() });
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn datagrams_go_both_ways() {
    let dir = TempDir::new("unix-dgram");
    let (a_path, b_path) = (dir.0.join("a.sock"), dir.0.join("b.sock"));
    corio::run(async move {
        let a = corio::UnixDatagram::bind(&a_path).unwrap();
        let b = corio::UnixDatagram::bind(&b_path).unwrap();
        a.send_to(b"ping", &b_path).await.unwrap();
        let mut buf = [0; 8];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"ping");
        assert_eq!(from.as_pathname(), Some(a_path.as_path()));
        b.send_to(b"pong", &a_path).await.unwrap();
        let (n, _) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"pong");
    });
}
