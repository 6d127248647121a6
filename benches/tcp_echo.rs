//! TCP echo: 100 connections, each with one 64-byte request in flight, for
//! 5 seconds, against echo servers on corio (raw `TcpStream`, asyncio
//! streams, and a `Protocol`), tokio's current-thread runtime and smol,
//! plus Python's asyncio streams and uvloop (`Protocol` and streams) as
//! anchors when installed.
//!
//! ```text
//! cargo bench --bench tcp_echo
//! ```
//!
//! Every server runs in a process of its own, and so does the load
//! generator (pinned to the other core with `taskset` when there is one).
//! On two cores the load generator saturates its core first, so messages
//! per second say little; the server's CPU time per message (read from
//! `/proc/self/stat` when it exits) is what separates servers.

use std::io::Read;
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "support/processes.rs"]
mod processes;

use processes::{announce, finish, measure, median, this_exe_on, Run};

const CONNECTIONS: usize = 100;
const MESSAGE: usize = 64;
const SECONDS: u64 = 5;

async fn corio_raw(mut stream: corio::TcpStream) {
    let mut buf = [0; MESSAGE];
    while stream.read_exact(&mut buf).await.is_ok() {
        if stream.write_all(&buf).await.is_err() {
            return;
        }
    }
}

async fn corio_streams(mut reader: corio::StreamReader, mut writer: corio::StreamWriter) {
    while let Ok(message) = reader.readexactly(MESSAGE).await {
        writer.write(&message);
        if writer.drain().await.is_err() {
            return;
        }
    }
}

/// The `Protocol` server: no task of the user's per connection, and none
/// woken per message.
struct Echo(Option<corio::Transport>);

impl corio::Protocol for Echo {
    fn connection_made(&mut self, transport: corio::Transport) {
        self.0 = Some(transport);
    }
    fn data_received(&mut self, data: &[u8]) {
        self.0.as_ref().unwrap().write(data);
    }
}

fn serve(kind: &str) {
    match kind {
        "corio" => corio::run(async {
            let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
            announce(listener.local_addr().unwrap().port());
            let stop = corio::to_thread(|| std::io::stdin().read_to_end(&mut Vec::new()));
            let accept = corio::create_task(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    corio::create_task(corio_raw(stream));
                }
            });
            let _ = stop.await;
            accept.cancel();
        }),
        "corio-streams" => corio::run(async {
            let server = corio::start_server(corio_streams, "127.0.0.1", 0).await.unwrap();
            announce(server.local_addrs()[0].port());
            let _ = corio::to_thread(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
        }),
        "corio-protocol" => corio::run(async {
            let server = corio::create_server(|| Echo(None), "127.0.0.1", 0).await.unwrap();
            announce(server.local_addrs()[0].port());
            let _ = corio::to_thread(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
        }),
        "tokio" => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                announce(listener.local_addr().unwrap().port());
                let stop = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()));
                let accept = tokio::spawn(async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    loop {
                        let (mut stream, _) = listener.accept().await.unwrap();
                        stream.set_nodelay(true).unwrap();
                        tokio::spawn(async move {
                            let mut buf = [0; MESSAGE];
                            while stream.read_exact(&mut buf).await.is_ok() {
                                if stream.write_all(&buf).await.is_err() {
                                    return;
                                }
                            }
                        });
                    }
                });
                let _ = stop.await;
                accept.abort();
            });
        }
        "smol" => {
            let executor = async_executor::LocalExecutor::new();
            futures_lite::future::block_on(executor.run(async {
                use futures_lite::{AsyncReadExt, AsyncWriteExt};
                let listener = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
                announce(listener.get_ref().local_addr().unwrap().port());
                let accept = async {
                    while let Ok((mut stream, _)) = listener.accept().await {
                        stream.get_ref().set_nodelay(true).unwrap();
                        executor
                            .spawn(async move {
                                let mut buf = [0; MESSAGE];
                                while stream.read_exact(&mut buf).await.is_ok() {
                                    if stream.write_all(&buf).await.is_err() {
                                        return;
                                    }
                                }
                            })
                            .detach();
                    }
                };
                futures_lite::future::or(accept, blocking_stdin()).await;
            }));
        }
        other => panic!("unknown server {other}"),
    }
    finish();
}

/// Waits for stdin to close, on a thread, for runtimes without a pool.
async fn blocking_stdin() {
    let (tx, rx) = async_channel::bounded::<()>(1);
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = tx.send_blocking(());
    });
    let _ = rx.recv().await;
}

/// The load generator: `CONNECTIONS` connections, one message in flight
/// each, for `SECONDS`; prints how many round trips completed.
fn load(port: u16) {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let done = corio::run(async move {
        let deadline = corio::time() + Duration::from_secs(SECONDS);
        let clients = (0..CONNECTIONS).map(|_| async move {
            let mut stream = corio::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let message = [42u8; MESSAGE];
            let mut reply = [0u8; MESSAGE];
            let mut count = 0u64;
            while corio::time() < deadline {
                stream.write_all(&message).await.unwrap();
                stream.read_exact(&mut reply).await.unwrap();
                count += 1;
            }
            count
        });
        corio::gather(clients).await.into_iter().sum::<u64>()
    });
    println!("{done}");
}

const PY_ASYNCIO_STREAMS: &str = r#"
import asyncio, os, resource, sys
async def handle(reader, writer):
    try:
        while True:
            data = await reader.readexactly(64)
            writer.write(data)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
if sys.argv[1].startswith("uvloop"):
    import uvloop
    uvloop.install()
if sys.argv[1] == "uvloop-protocol":
    class Echo(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport
        def data_received(self, data):
            self.transport.write(data)
    async def main():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(Echo, "127.0.0.1", 0)
        print(server.sockets[0].getsockname()[1], flush=True)
        await loop.run_in_executor(None, sys.stdin.read)
asyncio.run(main())
usage = resource.getrusage(resource.RUSAGE_SELF)
print(usage.ru_utime, usage.ru_stime)
"#;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|arg| arg == "--serve") {
        return serve(&args[i + 1]);
    }
    if let Some(i) = args.iter().position(|arg| arg == "--load") {
        return load(args[i + 1].parse().unwrap());
    }
    if args.iter().any(|arg| arg == "--list" || arg == "--test") {
        return;
    }
    // Each server runs ROUNDS times, the servers taking turns; the run
    // with the median CPU per message is reported.
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(3);
    println!(
        "tcp echo: {CONNECTIONS} connections, {MESSAGE}-byte messages, one in flight each, {SECONDS} s, median of {rounds}"
    );
    println!("{:<18} {:>10} {:>24} {:>10} {:>10}", "server", "msg/s", "server CPU per msg", "user", "system");
    let started = Instant::now();
    let corio_and_peers = ["corio", "corio-streams", "corio-protocol", "tokio", "smol"];
    let pythons = ["asyncio-streams", "uvloop-streams", "uvloop-protocol"];
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); corio_and_peers.len() + pythons.len()];
    for _ in 0..rounds {
        for (kind, runs) in corio_and_peers.iter().zip(&mut runs) {
            runs.extend(measure(&mut this_exe_on("0", &["--serve", kind]), &[]));
        }
        for (kind, runs) in pythons.iter().zip(&mut runs[corio_and_peers.len()..]) {
            let mut server = Command::new("python3");
            server.args(["-c", PY_ASYNCIO_STREAMS, kind]);
            runs.extend(measure(&mut server, &[]));
        }
    }
    for (kind, runs) in corio_and_peers.iter().chain(&pythons).zip(runs) {
        report(kind, median(runs));
    }
    println!("({:.0?} in all)", started.elapsed());
}

fn report(kind: &str, run: Option<Run>) {
    let Some(run) = run else {
        return println!("{kind:<18} {:>10} (could not run)", "-");
    };
    println!("{kind:<18} {}", run.columns(SECONDS));
}
