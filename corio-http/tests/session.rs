//! `ClientSession` against real servers on 127.0.0.1: the pool's cap under
//! 100 concurrent GETs, a server that closes idle keep-alive connections,
//! a chunked body, a 16 MiB body, redirects, a timeout, and https.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use corio_http::ClientSession;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};

/// Serves `handler` with `corio_http::serve`; returns the port.
fn serve_with<F>(handler: impl Fn(hyper::Request<hyper::body::Incoming>) -> F + 'static) -> u16
where
    F: std::future::Future<Output = Response<Full<Bytes>>> + 'static,
{
    let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(corio::create_task(corio_http::serve(listener, handler)));
    port
}

/// A raw HTTP/1.1 server: reads each request's head, answers `answer`,
/// and closes after each answer if `close_after` (with no
/// `Connection: close`: the client thinks it may keep the connection).
/// Returns the port, and the counts of connections accepted and closed.
fn raw_server(answer: &'static [u8], close_after: bool) -> (u16, Rc<Cell<usize>>, Rc<Cell<usize>>) {
    let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (accepted, closed) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let (accepts, closes) = (accepted.clone(), closed.clone());
    drop(corio::create_task(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            accepts.set(accepts.get() + 1);
            let (mut reader, mut writer) = corio::split_stream(stream);
            let closes = closes.clone();
            drop(corio::create_task(async move {
                while reader.readuntil(b"\r\n\r\n").await.is_ok() {
                    writer.write(answer);
                    if close_after {
                        writer.close();
                        let _ = writer.wait_closed().await;
                        closes.set(closes.get() + 1);
                        return;
                    }
                }
            }));
        }
    }));
    (port, accepted, closed)
}

#[test]
fn a_hundred_concurrent_gets_share_at_most_the_cap_of_connections() {
    corio::run(async {
        let (port, accepted, _) = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
        let session = ClientSession::builder().limit_per_host(4).build();
        let url = format!("http://127.0.0.1:{port}/");
        let bodies = corio::gather((0..100).map(|_| {
            let (session, url) = (session.clone(), url.clone());
            async move { session.get(&url).await?.text().await }
        }))
        .await;
        assert!(bodies.iter().all(|body| body.as_deref().ok() == Some("ok")), "{bodies:?}");
        assert!(accepted.get() <= 4, "{} connections for a cap of 4", accepted.get());
        assert!(accepted.get() >= 1);
    });
}

#[test]
fn connections_the_server_closed_while_idle_are_replaced() {
    corio::run(async {
        let (port, accepted, closed) = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nonce", true);
        let session = ClientSession::new();
        let url = format!("http://127.0.0.1:{port}/");
        for _ in 0..5 {
            assert_eq!(session.get(&url).await.unwrap().text().await.unwrap(), "once");
        }
        assert_eq!(accepted.get(), 5, "one connection per request: the server closed each");
        // A POST is not sent again once it may have been processed; but a
        // pooled connection that the server closed while idle has sent
        // nothing, and the POST goes on a new one.
        while closed.get() < 5 {
            corio::yield_now().await;
        }
        let response = session.request(hyper::Method::POST, &url, Bytes::from("form")).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "once");
        assert_eq!(accepted.get(), 6);
    });
}

#[test]
fn a_chunked_body_is_read_whole() {
    corio::run(async {
        let answer =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        let (port, _, _) = raw_server(answer, false);
        let body = ClientSession::new().get(&format!("http://127.0.0.1:{port}/")).await.unwrap();
        assert_eq!(body.text().await.unwrap(), "hello world");
    });
}

#[test]
fn a_sixteen_mebibyte_body_arrives_intact() {
    corio::run(async {
        let port = serve_with(|_| async {
            let body: Vec<u8> = (0..16 << 20).map(|i: u32| (i % 251) as u8).collect();
            Response::new(Full::new(Bytes::from(body)))
        });
        let body = ClientSession::new().get(&format!("http://127.0.0.1:{port}/")).await.unwrap();
        let body = body.bytes().await.unwrap();
        assert_eq!(body.len(), 16 << 20);
        assert!(body.iter().enumerate().all(|(i, byte)| *byte == (i % 251) as u8));
    });
}

fn redirect(to: &str) -> Response<Full<Bytes>> {
    Response::builder().status(StatusCode::FOUND).header("location", to).body(Full::default()).unwrap()
}

#[test]
fn redirects_are_followed_up_to_the_limit() {
    corio::run(async {
        let port = serve_with(|request| async move {
            match request.uri().path() {
                "/a" => redirect("/b"),
                "/b" => redirect("c"),
                "/c" => Response::new(Full::new(Bytes::from("at c"))),
                _ => redirect("/loop"),
            }
        });
        let session = ClientSession::builder().max_redirects(3).build();
        let response = session.get(&format!("http://127.0.0.1:{port}/a")).await.unwrap();
        assert_eq!(response.url().path(), "/c");
        assert_eq!(response.text().await.unwrap(), "at c");
        let error = session.get(&format!("http://127.0.0.1:{port}/loop")).await.unwrap_err();
        assert_eq!(error.to_string(), "too many redirects (more than 3)");
    });
}

#[corio::test(virtual_time)]
async fn a_request_slower_than_the_timeout_fails_with_timed_out() {
    let port = serve_with(|_| async {
        corio::sleep(Duration::from_secs(3600)).await;
        Response::new(Full::default())
    });
    let session = ClientSession::builder().timeout(Duration::from_secs(5)).build();
    let started = corio::time();
    let error = session.get(&format!("http://127.0.0.1:{port}/")).await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    assert_eq!(corio::time() - started, Duration::from_secs(5));
}

#[test]
fn a_url_that_is_not_http_is_refused() {
    corio::run(async {
        for url in ["ftp://example.com/", "http://127.0.0.1:99999/"] {
            let error = ClientSession::new().get(url).await.unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{url}: {error}");
        }
    });
}

#[test]
fn a_body_dropped_unread_does_not_fail_the_next_request() {
    corio::run(async {
        let port = serve_with(|request| async move {
            let body = if request.uri().path() == "/big" { vec![1; 4 << 20] } else { b"small".to_vec() };
            Response::new(Full::new(Bytes::from(body)))
        });
        let session = ClientSession::builder().limit_per_host(1).build();
        drop(session.get(&format!("http://127.0.0.1:{port}/big")).await.unwrap());
        let url = format!("http://127.0.0.1:{port}/");
        let response = session.request(hyper::Method::POST, &url, Bytes::new()).await.unwrap();
        assert_eq!(response.text().await.unwrap(), "small");
    });
}

#[test]
fn relative_redirects_resolve_as_rfc_3986_says() {
    corio::run(async {
        let port = serve_with(move |request| async move {
            let target =
                request.uri().path_and_query().map(|path| path.as_str().to_owned()).unwrap_or_default();
            match target.as_str() {
                "/a/b" => redirect("?page=2"),
                "/a/b?page=2" => redirect("/login?next=http://elsewhere.example/x"),
                "/login?next=http://elsewhere.example/x" => {
                    let port =
                        request.headers()["host"].to_str().unwrap().rsplit_once(':').unwrap().1.to_owned();
                    redirect(&format!("//127.0.0.1:{port}/final"))
                }
                _ => Response::new(Full::new(Bytes::from(target))),
            }
        });
        let response = ClientSession::new().get(&format!("http://127.0.0.1:{port}/a/b")).await.unwrap();
        assert_eq!(response.url().path(), "/final");
        assert_eq!(response.text().await.unwrap(), "/final");
    });
}

#[cfg(feature = "tls")]
#[test]
fn https_goes_through_corio_s_tls() {
    use corio::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use std::sync::Arc;

    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
    let server_config = corio::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .unwrap();
    let mut roots = corio::rustls::RootCertStore::empty();
    roots.add(cert.der().clone()).unwrap();
    let client_config =
        corio::rustls::ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    corio::run(async move {
        let server = corio::start_server(
            |mut reader, mut writer| async move {
                while reader.readuntil(b"\r\n\r\n").await.is_ok() {
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret");
                }
            },
            "127.0.0.1",
            0,
        )
        .ssl(Arc::new(server_config))
        .await
        .unwrap();
        let session = ClientSession::builder().tls(Arc::new(client_config)).build();
        let url = format!("https://localhost:{}/", server.local_addrs()[0].port());
        for _ in 0..2 {
            assert_eq!(session.get(&url).await.unwrap().text().await.unwrap(), "secret");
        }
    });
}
