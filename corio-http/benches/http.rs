//! HTTP/1.1 keep-alive GETs of a small body, on 1 and on 50 connections:
//! hyper's server on corio (`corio::hyper`, no glue) against hyper's server
//! on tokio's current-thread runtime (hyper-util's `TokioIo` and
//! `TokioTimer`, as a tokio user writes it).
//!
//! ```text
//! cargo bench -p corio-http --bench http
//! ```
//!
//! Each server runs in a process of its own on core 0; the load generator
//! (a corio client, each connection with one request in flight) runs in
//! another on core 1. The figure is the server's CPU time per request.

use std::convert::Infallible;
use std::io::Read;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::Bytes;

#[path = "../../benches/support/processes.rs"]
mod processes;

use processes::{announce, finish, measure, median, this_exe_on, Run};

const SECONDS: u64 = 5;
const BODY: &str = "hello, world";

async fn hello<B>(_request: hyper::Request<B>) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    Ok(hyper::Response::new(Full::new(Bytes::from_static(BODY.as_bytes()))))
}

fn serve(kind: &str) {
    match kind {
        "corio" => corio::run(async {
            use corio::hyper::{CorioIo, CorioTimer};
            let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
            announce(listener.local_addr().unwrap().port());
            let accept = corio::create_task(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    drop(corio::create_task(async move {
                        let mut builder = hyper::server::conn::http1::Builder::new();
                        builder.timer(CorioTimer);
                        let service = hyper::service::service_fn(hello);
                        let _ = builder.serve_connection(CorioIo::new(stream), service).await;
                    }));
                }
            });
            let _ = corio::to_thread(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
            accept.cancel();
        }),
        "tokio" => {
            use hyper_util::rt::{TokioIo, TokioTimer};
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                announce(listener.local_addr().unwrap().port());
                let accept = tokio::spawn(async move {
                    loop {
                        let (stream, _) = listener.accept().await.unwrap();
                        stream.set_nodelay(true).unwrap();
                        tokio::spawn(async move {
                            let mut builder = hyper::server::conn::http1::Builder::new();
                            builder.timer(TokioTimer::new());
                            let service = hyper::service::service_fn(hello);
                            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                        });
                    }
                });
                let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
                accept.abort();
            });
        }
        other => panic!("unknown server {other}"),
    }
    finish();
}

/// `connections` keep-alive connections, one GET in flight on each, for
/// `SECONDS`; prints how many responses came.
fn load(port: u16, connections: usize) {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let done = corio::run(async move {
        let deadline = corio::time() + Duration::from_secs(SECONDS);
        let clients = (0..connections).map(|_| async move {
            let stream = corio::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut reader, mut writer) = corio::split_stream(stream);
            let mut count = 0u64;
            while corio::time() < deadline {
                writer.write(request);
                let head = reader.readuntil(b"\r\n\r\n").await.unwrap();
                assert!(head.starts_with(b"HTTP/1.1 200"));
                reader.readexactly(BODY.len()).await.unwrap();
                count += 1;
            }
            count
        });
        corio::gather(clients).await.into_iter().sum::<u64>()
    });
    println!("{done}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|arg| arg == "--serve") {
        return serve(&args[i + 1]);
    }
    if let Some(i) = args.iter().position(|arg| arg == "--load") {
        return load(args[i + 1].parse().unwrap(), args[i + 2].parse().unwrap());
    }
    if args.iter().any(|arg| arg == "--list" || arg == "--test") {
        return;
    }
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    println!(
        "http/1.1 keep-alive GETs of {} bytes, one in flight per connection, {SECONDS} s, median of {rounds}",
        BODY.len()
    );
    println!(
        "{:<8} {:>12} {:>10} {:>24} {:>10} {:>10}",
        "server", "connections", "req/s", "server CPU per req", "user", "system"
    );
    let started = Instant::now();
    for connections in ["1", "50"] {
        let servers = ["corio", "tokio"];
        let mut runs: Vec<Vec<Run>> = vec![Vec::new(); servers.len()];
        for _ in 0..rounds {
            for (kind, runs) in servers.iter().zip(&mut runs) {
                runs.extend(measure(&mut this_exe_on("0", &["--serve", kind]), &[connections]));
            }
        }
        for (kind, runs) in servers.iter().zip(runs) {
            let Some(run) = median(runs) else {
                println!("{kind:<8} {connections:>12} (could not run)");
                continue;
            };
            println!("{kind:<8} {connections:>12} {}", run.columns(SECONDS));
        }
    }
    println!("({:.0?} in all)", started.elapsed());
}
