//! TLS in the streams (feature `tls`), against Python's `ssl`: a corio
//! server answering `asyncio.open_connection(ssl=ctx)`, a corio client of
//! an asyncio TLS server, a certificate for another name, handshakes that
//! never complete (on either side), TLS options without TLS, and
//! `start_tls` against CPython's.
//!
//! The certificate is made at start-up (rcgen) for `localhost`, and each
//! side trusts it explicitly.

#![cfg(feature = "tls")]

use std::io;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use corio::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use corio::rustls::{ClientConfig, RootCertStore, ServerConfig};

/// A self-signed certificate for `localhost`, as DER for rustls and as PEM
/// files for Python.
struct Certificate {
    der: CertificateDer<'static>,
    key: Vec<u8>,
    dir: PathBuf,
}

impl Certificate {
    fn new(name: &str) -> Certificate {
        let rcgen::CertifiedKey { cert, key_pair } =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let dir = std::env::temp_dir().join(format!("corio-tls-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), key_pair.serialize_pem()).unwrap();
        Certificate { der: cert.der().clone(), key: key_pair.serialize_der(), dir }
    }

    fn pem(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    fn server_config(&self) -> Arc<ServerConfig> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let config = ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![self.der.clone()], key)
            .unwrap();
        Arc::new(config)
    }

    fn client_config(&self) -> Arc<ClientConfig> {
        let mut roots = RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        Arc::new(ClientConfig::builder().with_root_certificates(roots).with_no_client_auth())
    }
}

impl Drop for Certificate {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An upper-casing line echo, one line per connection.
async fn shout(mut reader: corio::StreamReader, mut writer: corio::StreamWriter) {
    let line = reader.readline().await.unwrap();
    writer.write(&line.to_ascii_uppercase());
    writer.close();
    writer.wait_closed().await.unwrap();
}

const PYTHON_CLIENT: &str = r#"
import asyncio, ssl, sys
async def main():
    context = ssl.create_default_context(cafile=sys.argv[2])
    reader, writer = await asyncio.open_connection('localhost', int(sys.argv[1]), ssl=context)
    writer.write(b'hello from python\n')
    print((await reader.readline()).decode().strip())
    print('then eof', await reader.read() == b'')
    writer.close()
asyncio.run(main())
"#;

#[test]
fn a_corio_tls_server_answers_python_s_open_connection() {
    let certificate = Certificate::new("server");
    corio::run(async {
        let server =
            corio::start_server(shout, "127.0.0.1", 0).ssl(certificate.server_config()).await.unwrap();
        let port = server.local_addrs()[0].port().to_string();
        let mut python = corio::create_subprocess_exec(
            "python3",
            ["-c", PYTHON_CLIENT, &port, &certificate.pem("cert.pem")],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .await
        .unwrap();
        let (out, err) = python.communicate(None).await.unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "HELLO FROM PYTHON\nthen eof True\n",
            "{}",
            String::from_utf8_lossy(&err)
        );
    });
}

const PYTHON_SERVER: &str = r#"
import asyncio, ssl, sys
async def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    served = asyncio.Event()
    async def handle(reader, writer):
        line = await reader.readline()
        writer.write(b'python says ' + line)
        await writer.drain()
        writer.close()
        served.set()
    server = await asyncio.start_server(handle, '127.0.0.1', 0, ssl=context)
    print(server.sockets[0].getsockname()[1], flush=True)
    await served.wait()
asyncio.run(main())
"#;

/// Starts a Python server `script` with the certificate's files; returns
/// it and the port it printed.
async fn python_server(script: &str, certificate: &Certificate) -> (corio::Process, u16) {
    let mut python = corio::create_subprocess_exec(
        "python3",
        ["-c", script, &certificate.pem("cert.pem"), &certificate.pem("key.pem")],
    )
    .stdout(Stdio::piped())
    .kill_on_drop(true)
    .await
    .unwrap();
    let line = python.stdout.as_mut().unwrap().readline().await.unwrap();
    let port = String::from_utf8(line).unwrap().trim().parse().unwrap();
    (python, port)
}

#[test]
fn a_corio_tls_client_talks_to_an_asyncio_tls_server() {
    let certificate = Certificate::new("client");
    corio::run(async {
        let (mut python, port) = python_server(PYTHON_SERVER, &certificate).await;
        let (mut reader, mut writer) =
            corio::open_connection("localhost", port).ssl(certificate.client_config()).await.unwrap();
        assert_eq!(writer.peer_addr().unwrap().port(), port);
        writer.write(b"hello from corio\n");
        assert_eq!(reader.readline().await.unwrap(), b"python says hello from corio\n");
        assert!(python.wait().await.unwrap().success());
    });
}

#[test]
fn a_certificate_for_another_name_is_refused_clearly() {
    let certificate = Certificate::new("name");
    corio::run(async {
        let (_python, port) = python_server(PYTHON_SERVER, &certificate).await;
        let error = corio::open_connection("127.0.0.1", port)
            .ssl(certificate.client_config())
            .server_hostname("elsewhere.example")
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(
            error.to_string().contains("certificate not valid for name \"elsewhere.example\""),
            "{error}"
        );
    });
}

/// A server that accepts one connection and never says a word (nor
/// answers a ClientHello); returns its port.
fn silent_server() -> u16 {
    let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(corio::create_task(async move {
        let (stream, _) = listener.accept().await.unwrap();
        corio::sleep(Duration::from_secs(3600)).await;
        drop(stream);
    }));
    port
}

#[test]
fn a_client_handshake_that_never_completes_times_out() {
    let certificate = Certificate::new("silent-server");
    corio::run(async {
        let port = silent_server();
        let error = corio::open_connection("localhost", port)
            .ssl(certificate.client_config())
            .ssl_handshake_timeout(Duration::from_millis(100))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(error.to_string().contains("SSL handshake is taking longer than 0.1 seconds"), "{error}");
    });
}

#[test]
fn a_server_handshake_that_never_completes_closes_that_connection() {
    let certificate = Certificate::new("silent-client");
    corio::run(async {
        let server = corio::start_server(shout, "127.0.0.1", 0)
            .ssl(certificate.server_config())
            .ssl_handshake_timeout(Duration::from_millis(100))
            .await
            .unwrap();
        let port = server.local_addrs()[0].port();
        // A client that never sends its hello: the server gives up on it.
        let mut silent = corio::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        assert_eq!(silent.read(&mut [0; 16]).await.unwrap(), 0);
        // And serves the next one.
        let (mut reader, mut writer) =
            corio::open_connection("localhost", port).ssl(certificate.client_config()).await.unwrap();
        writer.write(b"still serving\n");
        assert_eq!(reader.readline().await.unwrap(), b"STILL SERVING\n");
    });
}

#[test]
fn tls_options_without_ssl_are_refused() {
    corio::run(async {
        let server = corio::start_server(shout, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addrs()[0].port();
        let error = corio::open_connection("127.0.0.1", port).server_hostname("localhost").await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(error.to_string(), "server_hostname is only meaningful with ssl");
        let timeout = Duration::from_secs(1);
        let error =
            corio::start_server(shout, "127.0.0.1", 0).ssl_handshake_timeout(timeout).await.unwrap_err();
        assert_eq!(error.to_string(), "ssl_handshake_timeout is only meaningful with ssl");
    });
}

const PYTHON_STARTTLS_SERVER: &str = r#"
import asyncio, ssl, sys
async def main():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    served = asyncio.Event()
    async def handle(reader, writer):
        writer.write(b'220 hello, plain\n')
        assert await reader.readline() == b'STARTTLS\n'
        writer.write(b'220 go ahead\n')
        await writer.drain()
        await writer.start_tls(context)
        line = await reader.readline()
        writer.write(b'over tls: ' + line)
        await writer.drain()
        writer.close()
        served.set()
    server = await asyncio.start_server(handle, '127.0.0.1', 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await served.wait()
asyncio.run(main())
"#;

#[test]
fn start_tls_upgrades_a_plain_connection_as_asyncio_s() {
    let certificate = Certificate::new("starttls");
    corio::run(async {
        let (mut python, port) = python_server(PYTHON_STARTTLS_SERVER, &certificate).await;
        let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        assert_eq!(reader.readline().await.unwrap(), b"220 hello, plain\n");
        writer.write(b"STARTTLS\n");
        assert_eq!(reader.readline().await.unwrap(), b"220 go ahead\n");
        writer.start_tls(&mut reader, certificate.client_config(), "localhost").await.unwrap();
        writer.write(b"secret\n");
        assert_eq!(reader.readline().await.unwrap(), b"over tls: secret\n");
        assert!(python.wait().await.unwrap().success());
    });
}

/// `close_clients` on a TLS server closes each connection as its writer
/// does: what was buffered is sent, then `close_notify`, so the client
/// reads everything and a clean end of stream.
#[test]
fn close_clients_on_a_tls_server_sends_the_buffer_then_close_notify() {
    let certificate = Certificate::new("close-clients");
    corio::run(async {
        let server = corio::start_server(
            |_reader, mut writer: corio::StreamWriter| async move {
                writer.write(&vec![3; 4 << 20]);
                let _ = writer.wait_closed().await;
            },
            "127.0.0.1",
            0,
        )
        .ssl(certificate.server_config())
        .await
        .unwrap();
        let port = server.local_addrs()[0].port();
        let (mut reader, _writer) =
            corio::open_connection("localhost", port).ssl(certificate.client_config()).await.unwrap();
        assert_eq!(reader.readexactly(1).await.unwrap(), [3]);
        server.close_clients();
        let rest = reader.read_to_end().await.expect("a clean end, after close_notify");
        assert_eq!(rest.len(), (4 << 20) - 1);
    });
}

#[test]
fn a_start_tls_handshake_that_never_completes_times_out() {
    let certificate = Certificate::new("silent-starttls");
    corio::run(async {
        let port = silent_server();
        let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        let error = writer
            .start_tls(&mut reader, certificate.client_config(), "localhost")
            .ssl_handshake_timeout(Duration::from_millis(100))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    });
}
