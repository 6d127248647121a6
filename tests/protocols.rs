//! Protocols and transports: the CPython twins of callback order
//! (`tests/asyncio/protocol_order.py`) and flow control
//! (`protocol_flow.py`), then what asyncio's tests check without a twin:
//! abort, a panic in a callback, a reset, the loop closing, buffered
//! protocols, Unix-domain sockets, and `close_clients`.

mod support;

use std::cell::{Cell, RefCell};
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::Duration;

use corio::{Protocol, Queue, Transport};
use support::{expected_log, py_bool, py_bytes, Log};

/// asyncio prints `None` for no error, else the error's text.
fn py_error(error: &Option<io::Error>) -> String {
    error.as_ref().map_or("None".to_owned(), ToString::to_string)
}

struct OrderServer {
    log: Log,
    transport: Option<Transport>,
}

impl Protocol for OrderServer {
    fn connection_made(&mut self, transport: Transport) {
        self.log.push("server made");
        transport.write(b"hello\n");
        self.transport = Some(transport);
    }
    fn data_received(&mut self, data: &[u8]) {
        self.log.push(format!("server data {}", py_bytes(data)));
        self.transport.as_ref().unwrap().write(&data.to_ascii_uppercase());
    }
    fn eof_received(&mut self) -> bool {
        self.log.push("server eof");
        self.transport.as_ref().unwrap().write(b"bye\n");
        false
    }
    fn connection_lost(&mut self, error: Option<io::Error>) {
        self.log.push(format!("server lost {}", py_error(&error)));
    }
}

struct OrderClient {
    log: Log,
    events: Rc<Queue<&'static str>>,
}

impl Protocol for OrderClient {
    fn connection_made(&mut self, transport: Transport) {
        self.log.push(format!("client made, closing {}", py_bool(transport.is_closing())));
    }
    fn data_received(&mut self, data: &[u8]) {
        self.log.push(format!("client data {}", py_bytes(data)));
        self.events.put_nowait("data").unwrap();
    }
    fn eof_received(&mut self) -> bool {
        self.log.push("client eof");
        self.events.put_nowait("eof").unwrap();
        true
    }
    fn connection_lost(&mut self, error: Option<io::Error>) {
        self.log.push(format!("client lost {}", py_error(&error)));
        self.events.put_nowait("lost").unwrap();
    }
}

#[test]
fn callbacks_come_in_asyncio_s_order() {
    let (server_log, client_log) = (Log::new(), Log::new());
    let (server_side, client_side) = (server_log.clone(), client_log.clone());
    corio::run(async move {
        let log = server_side.clone();
        let server =
            corio::create_server(move || OrderServer { log: log.clone(), transport: None }, "127.0.0.1", 0)
                .await
                .unwrap();
        let port = server.local_addrs()[0].port();
        let events = Rc::new(Queue::new(0));
        let (log, queue) = (client_side.clone(), events.clone());
        let (transport, _protocol) =
            corio::create_connection(move || OrderClient { log, events: queue }, "127.0.0.1", port)
                .await
                .unwrap();
        let log = client_side;
        log.push(format!("connected, can_write_eof {}", py_bool(transport.can_write_eof())));
        events.get().await.unwrap();
        transport.write(b"abc");
        events.get().await.unwrap();
        log.push("client writes eof");
        transport.write_eof();
        while events.get().await.unwrap() != "eof" {}
        log.push(format!("client closing {}", py_bool(transport.is_closing())));
        transport.close();
        log.push(format!("client closing {}", py_bool(transport.is_closing())));
        transport.close();
        events.get().await.unwrap();
        log.push(format!("client lost once {}", py_bool(events.empty())));
        server.close();
        server.wait_closed().await;
    });
    let mut log = server_log.take();
    log.extend(client_log.take());
    assert_eq!(log, expected_log("protocol_order"));
}

const FLOW_SIZE: usize = 16 << 20;

struct FlowReader {
    log: Log,
    transport: Rc<RefCell<Option<Transport>>>,
    received: Rc<Cell<usize>>,
    done: Rc<corio::Event>,
}

impl Protocol for FlowReader {
    fn connection_made(&mut self, transport: Transport) {
        transport.pause_reading();
        self.log.push(format!("server reading {}", py_bool(transport.is_reading())));
        *self.transport.borrow_mut() = Some(transport);
    }
    fn data_received(&mut self, data: &[u8]) {
        self.received.set(self.received.get() + data.len());
    }
    fn eof_received(&mut self) -> bool {
        self.log.push(format!("server got all {}", py_bool(self.received.get() == FLOW_SIZE)));
        self.done.set();
        false
    }
}

struct FlowWriter {
    log: Log,
    transport: Option<Transport>,
    resumed: Rc<corio::Event>,
}

impl Protocol for FlowWriter {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }
    fn pause_writing(&mut self) {
        let size = self.transport.as_ref().unwrap().get_write_buffer_size();
        self.log.push(format!("pause_writing, above high {}", py_bool(size > 65536)));
    }
    fn resume_writing(&mut self) {
        let size = self.transport.as_ref().unwrap().get_write_buffer_size();
        self.log.push(format!("resume_writing, at most low {}", py_bool(size <= 16384)));
        self.resumed.set();
    }
}

#[test]
fn flow_control_pauses_and_resumes_at_the_marks_as_asyncio() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        let server_transport: Rc<RefCell<Option<Transport>>> = Rc::default();
        let (received, done) = (Rc::new(Cell::new(0)), Rc::new(corio::Event::new()));
        let reader = {
            let (log, transport, received, done) =
                (log.clone(), server_transport.clone(), received.clone(), done.clone());
            move || FlowReader {
                log: log.clone(),
                transport: transport.clone(),
                received: received.clone(),
                done: done.clone(),
            }
        };
        let server = corio::create_server(reader, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addrs()[0].port();
        let resumed = Rc::new(corio::Event::new());
        let writer = {
            let (log, resumed) = (log.clone(), resumed.clone());
            move || FlowWriter { log, transport: None, resumed }
        };
        let (transport, _) = corio::create_connection(writer, "127.0.0.1", port).await.unwrap();
        transport.set_write_buffer_limits(Some(65536), None);
        let (low, high) = transport.get_write_buffer_limits();
        log.push(format!("limits ({low}, {high})"));
        transport.write(&vec![b'x'; FLOW_SIZE]);
        log.push("write returned");
        transport.write(b"");
        for _ in 0..3 {
            corio::yield_now().await;
        }
        log.push(format!("still paused, server received {}", received.get()));
        let server_transport = server_transport.borrow().clone().unwrap();
        server_transport.resume_reading();
        log.push(format!("server reading {}", py_bool(server_transport.is_reading())));
        resumed.wait().await;
        transport.write_eof();
        done.wait().await;
        transport.close();
        server.close();
        server.wait_closed().await;
    });
    assert_eq!(log.take(), expected_log("protocol_flow"));
}

struct DatagramEcho {
    log: Log,
    transport: Option<corio::DatagramTransport>,
}

impl corio::DatagramProtocol for DatagramEcho {
    fn connection_made(&mut self, transport: corio::DatagramTransport) {
        self.log.push("server made");
        self.transport = Some(transport);
    }
    fn datagram_received(&mut self, data: &[u8], addr: SocketAddr) {
        self.log.push(format!("server got {}", py_bytes(data)));
        self.transport.as_ref().unwrap().sendto(&data.to_ascii_uppercase(), Some(addr));
    }
    fn connection_lost(&mut self, error: Option<io::Error>) {
        self.log.push(format!("server lost {}", py_error(&error)));
    }
}

struct DatagramClient {
    log: Log,
    events: Rc<Queue<&'static str>>,
    server: Option<SocketAddr>,
}

impl corio::DatagramProtocol for DatagramClient {
    fn connection_made(&mut self, _transport: corio::DatagramTransport) {
        self.log.push("client made");
    }
    fn datagram_received(&mut self, data: &[u8], addr: SocketAddr) {
        let from_server = py_bool(Some(addr) == self.server);
        self.log.push(format!("client got {} from the server {from_server}", py_bytes(data)));
        self.events.put_nowait("datagram").unwrap();
    }
    fn error_received(&mut self, error: io::Error) {
        assert_eq!(error.kind(), io::ErrorKind::ConnectionRefused, "{error}");
        self.log.push("client error ConnectionRefusedError");
        self.events.put_nowait("error").unwrap();
    }
    fn connection_lost(&mut self, error: Option<io::Error>) {
        self.log.push(format!("client lost {}", py_error(&error)));
        self.events.put_nowait("lost").unwrap();
    }
}

#[test]
fn datagram_endpoints_call_back_as_asyncio_s() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        let echo = {
            let log = log.clone();
            move || DatagramEcho { log, transport: None }
        };
        let (server, _) =
            corio::create_datagram_endpoint(echo, "127.0.0.1:0".parse().ok(), None).await.unwrap();
        let server_addr = server.local_addr().unwrap();
        let events = Rc::new(Queue::new(0));
        let client_of = |remote: SocketAddr| {
            let (log, events) = (log.clone(), events.clone());
            corio::create_datagram_endpoint(
                move || DatagramClient { log, events, server: None },
                None,
                Some(remote),
            )
        };
        let (client, protocol) = client_of(server_addr).await.unwrap();
        protocol.borrow_mut().server = Some(server_addr);
        log.push(format!("connected to the server {}", py_bool(client.peer_addr().unwrap() == server_addr)));
        for word in [&b"one"[..], b"two", b"three"] {
            client.sendto(word, None);
            events.get().await.unwrap();
        }
        // A port nobody listens on: the kernel answers with ICMP, which a
        // connected UDP socket reports as ECONNREFUSED on its next receive.
        let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let (refused, _) = client_of(dead).await.unwrap();
        refused.sendto(b"anyone?", None);
        events.get().await.unwrap();
        log.push(format!("refused endpoint closing {}", py_bool(refused.is_closing())));
        refused.close();
        events.get().await.unwrap();
        client.close();
        events.get().await.unwrap();
        server.close();
        corio::yield_now().await;
    });
    assert_eq!(log.take(), expected_log("datagram_echo"));
}

/// A protocol that records its callbacks and, for `data_received`, the
/// bytes; it echoes what it gets when `echo` is set, and panics on
/// `b"boom"`.
struct Recorder {
    log: Log,
    transport: Option<Transport>,
    echo: bool,
}

impl Recorder {
    fn factory(log: &Log, echo: bool) -> impl FnMut() -> Recorder + 'static {
        let log = log.clone();
        move || Recorder { log: log.clone(), transport: None, echo }
    }
}

impl Protocol for Recorder {
    fn connection_made(&mut self, transport: Transport) {
        self.log.push("made");
        self.transport = Some(transport);
    }
    fn data_received(&mut self, data: &[u8]) {
        if data == b"boom" {
            panic!("boom");
        }
        self.log.push(format!("data {}", py_bytes(data)));
        if self.echo {
            self.transport.as_ref().unwrap().write(data);
        }
    }
    fn eof_received(&mut self) -> bool {
        self.log.push("eof");
        false
    }
    fn connection_lost(&mut self, error: Option<io::Error>) {
        self.log.push(format!("lost {}", py_error(&error)));
    }
}

/// Turns the loop until `log` holds `event`.
async fn until_logged(log: &Log, event: &str) {
    while !log.events().iter().any(|logged| logged.starts_with(event)) {
        corio::yield_now().await;
    }
}

#[test]
fn abort_drops_the_buffer_and_connection_lost_comes_once() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        // A server that never reads: the client's buffer stays full.
        let server =
            corio::start_server(|_reader, _writer| corio::sleep(Duration::from_secs(3600)), "127.0.0.1", 0)
                .await
                .unwrap();
        let port = server.local_addrs()[0].port();
        let (transport, _) =
            corio::create_connection(Recorder::factory(&log, false), "127.0.0.1", port).await.unwrap();
        transport.write(&vec![0; 16 << 20]);
        assert!(transport.get_write_buffer_size() > 0);
        transport.abort();
        assert_eq!(transport.get_write_buffer_size(), 0, "the buffer is dropped at once");
        assert!(transport.is_closing());
        transport.write(b"after abort");
        transport.close();
        transport.abort();
        assert_eq!(transport.get_write_buffer_size(), 0, "a lost transport writes nothing");
        until_logged(&log, "lost").await;
        for _ in 0..5 {
            corio::yield_now().await;
        }
    });
    assert_eq!(log.take(), ["made", "lost None"]);
}

#[test]
fn a_panic_in_a_callback_is_reported_and_closes_that_transport_only() {
    let (log, reports) = (Log::new(), Rc::new(RefCell::new(Vec::new())));
    let (inner, seen) = (log.clone(), reports.clone());
    corio::run(async move {
        corio::set_exception_handler(Some(Rc::new(move |context: &corio::ExceptionContext| {
            seen.borrow_mut().push((context.message.clone(), context.panic.clone()));
        })));
        let server = corio::create_server(Recorder::factory(&inner, true), "127.0.0.1", 0).await.unwrap();
        let port = server.local_addrs()[0].port();
        let (mut good_reader, mut good_writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        let (mut bad_reader, mut bad_writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        bad_writer.write(b"boom");
        assert_eq!(bad_reader.read_to_end().await.unwrap(), b"", "the failed transport is closed");
        good_writer.write(b"still here\n");
        assert_eq!(good_reader.readline().await.unwrap(), b"still here\n");
    });
    let log = log.take();
    assert!(log.contains(&"lost protocol.data_received() panicked: boom".to_owned()), "{log:?}");
    assert_eq!(log.iter().filter(|event| event.starts_with("lost")).count(), 2, "{log:?}");
    let reports = reports.borrow();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].0, "Fatal error: protocol.data_received() call failed.");
    assert!(reports[0].1.as_deref().is_some_and(|panic| panic.contains("boom")), "{reports:?}");
}

#[test]
fn a_reset_reaches_connection_lost_as_the_error() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        struct Greeter(Log);
        impl Protocol for Greeter {
            fn connection_made(&mut self, transport: Transport) {
                transport.write(b"unread");
            }
            fn connection_lost(&mut self, error: Option<io::Error>) {
                let kind = error.map(|error| error.kind());
                self.0.push(format!("lost {kind:?}"));
            }
        }
        let greeter = {
            let log = log.clone();
            move || Greeter(log.clone())
        };
        let server = corio::create_server(greeter, "127.0.0.1", 0).await.unwrap();
        let peer = std::net::TcpStream::connect(server.local_addrs()[0]).unwrap();
        peer.set_nonblocking(true).unwrap();
        // Closing a socket with unread bytes sends a reset, not a FIN.
        while peer.peek(&mut [0; 1]).map_or(true, |n| n == 0) {
            corio::yield_now().await;
        }
        drop(peer);
        until_logged(&log, "lost").await;
    });
    assert_eq!(log.take(), ["lost Some(ConnectionReset)"]);
}

#[test]
fn the_loop_closing_calls_connection_lost_once_on_each_side() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let server = corio::create_server(Recorder::factory(&inner, false), "127.0.0.1", 0).await.unwrap();
        let port = server.local_addrs()[0].port();
        let (transport, _) =
            corio::create_connection(Recorder::factory(&inner, false), "127.0.0.1", port).await.unwrap();
        while inner.events().len() < 2 {
            corio::yield_now().await;
        }
        std::mem::forget(transport);
        std::mem::forget(server);
    });
    assert_eq!(log.take(), ["made", "made", "lost None", "lost None"]);
}

#[test]
fn a_buffered_protocol_reads_into_its_own_buffer() {
    struct Chunks {
        buffer: [u8; 7],
        chunks: Rc<RefCell<Vec<Vec<u8>>>>,
        ended: Rc<corio::Event>,
    }
    impl corio::BufferedProtocol for Chunks {
        fn get_buffer(&mut self, size_hint: usize) -> &mut [u8] {
            assert_eq!(size_hint, 0);
            &mut self.buffer
        }
        fn buffer_updated(&mut self, nbytes: usize) {
            self.chunks.borrow_mut().push(self.buffer[..nbytes].to_vec());
        }
        fn eof_received(&mut self) -> bool {
            self.ended.set();
            false
        }
    }
    corio::run(async {
        let message: Vec<u8> = (0..100).collect();
        let sent = message.clone();
        let server = corio::start_server(
            move |_reader, mut writer| {
                writer.write(&sent);
                writer.close();
                async {}
            },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let chunks: Rc<RefCell<Vec<Vec<u8>>>> = Rc::default();
        let ended = Rc::new(corio::Event::new());
        let protocol = {
            let (chunks, ended) = (chunks.clone(), ended.clone());
            move || Chunks { buffer: [0; 7], chunks, ended }
        };
        let (transport, _) =
            corio::create_connection(protocol, "127.0.0.1", server.local_addrs()[0].port()).await.unwrap();
        ended.wait().await;
        let chunks = chunks.borrow();
        assert!(chunks.iter().all(|chunk| !chunk.is_empty() && chunk.len() <= 7), "{chunks:?}");
        assert_eq!(chunks.concat(), message);
        assert!(transport.is_closing(), "eof_received returned false");
    });
}

#[test]
fn unix_domain_sockets_serve_protocols_too() {
    let dir = std::env::temp_dir().join(format!("corio-protocols-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("echo.sock");
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let server = corio::create_unix_server(Recorder::factory(&inner, true), &path).await.unwrap();
        let client_log = Log::new();
        let (transport, _) =
            corio::create_unix_connection(Recorder::factory(&client_log, false), &path).await.unwrap();
        assert_eq!(transport.peer_addr().unwrap_err().kind(), io::ErrorKind::Unsupported);
        transport.write(b"over unix");
        until_logged(&client_log, "data").await;
        assert_eq!(client_log.take(), ["made", "data b'over unix'"]);
        transport.close();
        until_logged(&inner, "lost").await;
        server.close();
    });
    assert_eq!(log.take(), ["made", "data b'over unix'", "eof", "lost None"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn close_clients_closes_the_protocols_connections() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let server = corio::create_server(Recorder::factory(&inner, false), "127.0.0.1", 0).await.unwrap();
        server.start_serving().await;
        assert!(server.is_serving());
        let (mut reader, mut writer) =
            corio::open_connection("127.0.0.1", server.local_addrs()[0].port()).await.unwrap();
        writer.write(b"hi");
        until_logged(&inner, "data").await;
        server.close_clients();
        assert!(server.is_serving(), "closing the clients leaves the server listening");
        assert_eq!(reader.read_to_end().await.unwrap(), b"");
        until_logged(&inner, "lost").await;
        server.close();
        assert!(!server.is_serving());
    });
    assert_eq!(log.take(), ["made", "data b'hi'", "lost None"]);
}

#[test]
fn a_panicking_factory_is_reported_and_the_server_goes_on() {
    let reports = Rc::new(RefCell::new(Vec::new()));
    let seen = reports.clone();
    corio::run(async move {
        corio::set_exception_handler(Some(Rc::new(move |context: &corio::ExceptionContext| {
            seen.borrow_mut().push(context.message.clone());
        })));
        let log = Log::new();
        let mut made = 0;
        let mut echo = Recorder::factory(&log, true);
        let factory = move || {
            made += 1;
            assert!(made > 1, "the first connection fails");
            echo()
        };
        let server = corio::create_server(factory, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addrs()[0].port();
        let (mut first, _w) = corio::open_connection("127.0.0.1", port).await.unwrap();
        assert_eq!(first.read_to_end().await.unwrap(), b"", "dropped");
        let (mut reader, mut writer) = corio::open_connection("127.0.0.1", port).await.unwrap();
        writer.write(b"ok\n");
        assert_eq!(reader.readline().await.unwrap(), b"ok\n");
    });
    assert_eq!(*reports.borrow(), ["Error on transport creation for incoming connection"]);
}

#[test]
#[should_panic(expected = "Transport::write after write_eof")]
fn write_after_write_eof_panics_as_asyncio_raises() {
    corio::run(async {
        let server = corio::start_server(|_, _| async {}, "127.0.0.1", 0).await.unwrap();
        let (transport, _) = corio::create_connection(
            || Recorder { log: Log::new(), transport: None, echo: false },
            "127.0.0.1",
            server.local_addrs()[0].port(),
        )
        .await
        .unwrap();
        transport.write_eof();
        transport.write(b"late");
    });
}

/// The events epoll watches `fd` for, from the kernel's own account
/// (`/proc/self/fdinfo` of the epoll descriptor).
fn epoll_events_of(fd: std::os::fd::RawFd) -> Option<u32> {
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let entry = entry.unwrap();
        let Ok(target) = std::fs::read_link(entry.path()) else { continue };
        if target.to_string_lossy() != "anon_inode:[eventpoll]" {
            continue;
        }
        let info =
            std::fs::read_to_string(format!("/proc/self/fdinfo/{}", entry.file_name().to_string_lossy()))
                .unwrap();
        for line in info.lines() {
            let mut words = line.split_whitespace();
            if words.next() == Some("tfd:") && words.next() == Some(&fd.to_string()) {
                let events = words.nth(1).unwrap();
                return Some(u32::from_str_radix(events, 16).unwrap());
            }
        }
    }
    None
}

/// This process's descriptor of the TCP socket bound to local `port`: the
/// inodes of the sockets on that port from `/proc/net/tcp` (an old
/// connection in `TIME_WAIT` may share it), then the descriptor linked to
/// one of them.
fn fd_of_tcp_port(port: u16) -> std::os::fd::RawFd {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
    let sockets: Vec<String> = table
        .lines()
        .skip(1)
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|fields| fields[1].ends_with(&format!(":{port:04X}")))
        .map(|fields| format!("socket:[{}]", fields[9]))
        .collect();
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .map(|entry| entry.unwrap())
        .find(|entry| {
            std::fs::read_link(entry.path())
                .is_ok_and(|target| sockets.contains(&target.to_string_lossy().into()))
        })
        .map(|entry| entry.file_name().to_string_lossy().parse().unwrap())
        .unwrap()
}

#[test]
fn pause_reading_takes_the_read_interest_off_epoll() {
    const EPOLLIN: u32 = 0x1;
    corio::run(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Log::new();
        let (transport, _) =
            corio::create_connection(Recorder::factory(&log, false), "127.0.0.1", addr.port()).await.unwrap();
        // The kernel completed the connection: accepting does not block.
        let mut peer = listener.accept().unwrap().0;
        let fd = fd_of_tcp_port(transport.local_addr().unwrap().port());
        assert_eq!(epoll_events_of(fd).unwrap() & EPOLLIN, EPOLLIN);
        transport.pause_reading();
        assert!(!transport.is_reading());
        assert_eq!(epoll_events_of(fd).unwrap() & EPOLLIN, 0, "paused: no read events asked for");
        std::io::Write::write_all(&mut peer, b"while paused").unwrap();
        for _ in 0..10 {
            corio::yield_now().await;
        }
        assert_eq!(log.take(), ["made"], "nothing read while paused");
        transport.resume_reading();
        assert_eq!(epoll_events_of(fd).unwrap() & EPOLLIN, EPOLLIN);
        until_logged(&log, "data").await;
        assert_eq!(log.take(), ["data b'while paused'"]);
    });
}

struct Closer {
    log: Log,
    woken: Rc<corio::Event>,
    transport: Option<Transport>,
}

impl Protocol for Closer {
    fn connection_made(&mut self, transport: Transport) {
        self.transport = Some(transport);
    }
    fn data_received(&mut self, data: &[u8]) {
        let transport = self.transport.as_ref().unwrap();
        self.log.push(format!("server data {}", py_bytes(data)));
        self.woken.set();
        transport.close();
        transport.write(b"after close");
        self.log.push(format!("server closing {}", py_bool(transport.is_closing())));
    }
    fn connection_lost(&mut self, error: Option<io::Error>) {
        let transport = self.transport.as_ref().unwrap();
        transport.write(b"from connection_lost");
        self.log.push(format!(
            "server lost {}, closing {}",
            py_error(&error),
            py_bool(transport.is_closing())
        ));
    }
}

struct Peer {
    log: Log,
    done: Rc<corio::Event>,
}

impl Protocol for Peer {
    fn data_received(&mut self, data: &[u8]) {
        self.log.push(format!("peer data {}", py_bytes(data)));
    }
    fn eof_received(&mut self) -> bool {
        self.log.push("peer eof");
        false
    }
    fn connection_lost(&mut self, _error: Option<io::Error>) {
        self.log.push("peer lost");
        self.done.set();
    }
}

#[test]
fn closing_from_a_callback_drops_later_writes_and_loses_after_the_woken_task() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        let woken = Rc::new(corio::Event::new());
        let closer = {
            let (log, woken) = (log.clone(), woken.clone());
            move || Closer { log: log.clone(), woken: woken.clone(), transport: None }
        };
        let server = corio::create_server(closer, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addrs()[0].port();
        let done = Rc::new(corio::Event::new());
        let peer = {
            let (log, done) = (log.clone(), done.clone());
            move || Peer { log, done }
        };
        let (transport, _) = corio::create_connection(peer, "127.0.0.1", port).await.unwrap();
        transport.write(b"hi");
        woken.wait().await;
        log.push("woken task resumed");
        done.wait().await;
        server.close();
        server.wait_closed().await;
    });
    assert_eq!(log.take(), expected_log("protocol_closing"));
}

/// asyncio leaves transports open when its loop closes; corio calls
/// `connection_lost` then, and the transport it sees is as in any
/// `connection_lost`: closing, dropping writes.
#[test]
fn at_the_loop_s_close_connection_lost_sees_a_closing_transport() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        struct Writes(Log, Option<Transport>);
        impl Protocol for Writes {
            fn connection_made(&mut self, transport: Transport) {
                self.1 = Some(transport);
            }
            fn connection_lost(&mut self, _error: Option<io::Error>) {
                let transport = self.1.as_ref().unwrap();
                transport.write(b"written in connection_lost");
                self.0.push(format!("closing {}", py_bool(transport.is_closing())));
                self.0.push(format!("buffered {}", transport.get_write_buffer_size()));
            }
        }
        let server = corio::start_server(|_, _| async {}, "127.0.0.1", 0).await.unwrap();
        let port = server.local_addrs()[0].port();
        let log = inner.clone();
        let (_transport, _) =
            corio::create_connection(move || Writes(log, None), "127.0.0.1", port).await.unwrap();
        std::mem::forget(server);
    });
    assert_eq!(log.take(), ["closing True", "buffered 0"]);
}

#[test]
fn resume_writing_may_write_the_last_chunk_after_close() {
    let received = Rc::new(Cell::new(0));
    let seen = received.clone();
    corio::run(async move {
        struct Last(Option<Transport>);
        impl Protocol for Last {
            fn connection_made(&mut self, transport: Transport) {
                transport.set_write_buffer_limits(Some(1024), None);
                transport.write(&vec![1; 8 << 20]);
                transport.close();
                self.0 = Some(transport);
            }
            fn resume_writing(&mut self) {
                self.0.as_ref().unwrap().write(b"the last chunk");
            }
        }
        let server = corio::create_server(|| Last(None), "127.0.0.1", 0).await.unwrap();
        let (mut reader, _writer) =
            corio::open_connection("127.0.0.1", server.local_addrs()[0].port()).await.unwrap();
        let all = reader.read_to_end().await.unwrap();
        assert!(all.ends_with(b"the last chunk"), "the chunk written in resume_writing was sent");
        seen.set(all.len());
    });
    assert_eq!(received.get(), (8 << 20) + b"the last chunk".len());
}

#[test]
fn a_datagram_endpoint_s_limits_are_asyncio_s() {
    corio::run(async {
        struct Paused(Rc<Cell<bool>>);
        impl corio::DatagramProtocol for Paused {
            fn pause_writing(&mut self) {
                self.0.set(true);
            }
        }
        let paused = Rc::new(Cell::new(false));
        let flag = paused.clone();
        let local = "127.0.0.1:0".parse().ok();
        let (transport, _) =
            corio::create_datagram_endpoint(move || Paused(flag), local, None).await.unwrap();
        assert_eq!(transport.get_write_buffer_limits(), (16 * 1024, 64 * 1024));
        transport.set_write_buffer_limits(Some(0), None);
        assert_eq!(transport.get_write_buffer_limits(), (0, 0));
        assert!(!paused.get(), "nothing queued: not above the mark");
        transport.close();
    });
}
