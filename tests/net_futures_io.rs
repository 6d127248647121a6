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
