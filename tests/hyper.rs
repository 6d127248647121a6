//! hyper 1.x on corio with no glue (feature `hyper`): a server answering
//! curl (HTTP/1.1 and HTTP/2) and Python's `urllib`, hyper's client against
//! Python's `http.server`, HTTP/2 both ways on corio, and hyper's header
//! timeout under virtual time.

#![cfg(feature = "hyper")]

use std::convert::Infallible;
use std::process::Stdio;
use std::time::Duration;

use corio::hyper::{CorioExecutor, CorioIo, CorioTimer};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};

/// Answers with the method, the path and the HTTP version it was asked with.
async fn echo_request(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let text = format!("{} {} {:?}\n", request.method(), request.uri().path(), request.version());
    Ok(Response::new(Full::new(Bytes::from(text))))
}

/// Serves HTTP/1.1 (or HTTP/2, with `http2`) on a fresh port, a task per
/// connection; returns the port.
fn serve(http2: bool) -> u16 {
    let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(corio::create_task(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let io = CorioIo::new(stream);
            let service = hyper::service::service_fn(echo_request);
            drop(corio::create_task(async move {
                let _ = if http2 {
                    hyper::server::conn::http2::Builder::new(CorioExecutor)
                        .timer(CorioTimer)
                        .serve_connection(io, service)
                        .await
                } else {
                    hyper::server::conn::http1::Builder::new()
                        .timer(CorioTimer)
                        .serve_connection(io, service)
                        .await
                };
            }));
        }
    }));
    port
}

/// Runs `program` with `args`; returns what it printed.
async fn output_of(program: &str, args: &[&str]) -> String {
    let mut child = corio::create_subprocess_exec(program, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .await
        .unwrap();
    let (out, err) = child.communicate(None).await.unwrap();
    assert!(child.wait().await.unwrap().success(), "{program}: {}", String::from_utf8_lossy(&err));
    String::from_utf8(out).unwrap()
}

#[test]
fn a_hyper_server_answers_curl_and_urllib() {
    corio::run(async {
        let port = serve(false);
        let url = format!("http://127.0.0.1:{port}/from-curl");
        assert_eq!(output_of("curl", &["-s", &url]).await, "GET /from-curl HTTP/1.1\n");
        let url = format!("http://127.0.0.1:{port}/from-urllib");
        let script =
            "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode(), end='')";
        assert_eq!(output_of("python3", &["-c", script, &url]).await, "GET /from-urllib HTTP/1.1\n");
        let port = serve(true);
        let url = format!("http://127.0.0.1:{port}/over-h2");
        let out = output_of("curl", &["-s", "--http2-prior-knowledge", &url]).await;
        assert_eq!(out, "GET /over-h2 HTTP/2.0\n");
    });
}

const PYTHON_HTTP_SERVER: &str = r#"
import http.server, os, sys
os.chdir(sys.argv[1])
server = http.server.HTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)
print(server.server_address[1], flush=True)
server.handle_request()
"#;

#[test]
fn the_hyper_client_fetches_from_python_s_http_server() {
    let dir = std::env::temp_dir().join(format!("corio-hyper-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("page.txt"), "served by python\n").unwrap();
    corio::run(async {
        let mut python =
            corio::create_subprocess_exec("python3", ["-c", PYTHON_HTTP_SERVER, dir.to_str().unwrap()])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .await
                .unwrap();
        let line = python.stdout.as_mut().unwrap().readline().await.unwrap();
        let port: u16 = String::from_utf8(line).unwrap().trim().parse().unwrap();
        let stream = corio::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake::<_, Full<Bytes>>(CorioIo::new(stream)).await.unwrap();
        drop(corio::create_task(connection));
        let request = Request::get("/page.txt").header("host", "127.0.0.1").body(Full::default()).unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "served by python\n");
        assert!(python.wait().await.unwrap().success());
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn http2_runs_both_ways_on_corio() {
    corio::run(async {
        let port = serve(true);
        let stream = corio::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let (sender, connection) = hyper::client::conn::http2::Builder::new(CorioExecutor)
            .timer(CorioTimer)
            .handshake::<_, Full<Bytes>>(CorioIo::new(stream))
            .await
            .unwrap();
        drop(corio::create_task(connection));
        // Ten requests at once, multiplexed on the one connection.
        let requests = (0..10).map(|i| {
            let mut sender = sender.clone();
            async move {
                let request = Request::get(format!("http://127.0.0.1/{i}")).body(Full::default()).unwrap();
                let response = sender.send_request(request).await.unwrap();
                response.into_body().collect().await.unwrap().to_bytes()
            }
        });
        let bodies = corio::gather(requests).await;
        for (i, body) in bodies.iter().enumerate() {
            assert_eq!(body, &format!("GET /{i} HTTP/2.0\n"));
        }
    });
}

#[corio::test(virtual_time)]
async fn hyper_s_timeouts_follow_the_loop_s_virtual_clock() {
    let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = corio::create_task(async move {
        let (stream, _) = listener.accept().await.unwrap();
        hyper::server::conn::http1::Builder::new()
            .timer(CorioTimer)
            .header_read_timeout(Duration::from_secs(30))
            .serve_connection(CorioIo::new(stream), hyper::service::service_fn(echo_request))
            .await
    });
    let started = corio::time();
    // A client that never sends its request: hyper gives up after 30 s of
    // the loop's time, which virtual time passes at once.
    let mut silent = corio::TcpStream::connect(addr).await.unwrap();
    let outcome = server.await.unwrap();
    assert!(outcome.unwrap_err().is_timeout());
    assert!(corio::time() - started >= Duration::from_secs(30));
    assert_eq!(silent.read(&mut [0; 64]).await.unwrap(), 0, "the server closed the connection");
}
