//! Protocols and transports: the CPython twins of callback order
//! (`tests/asyncio/protocol_order.py`) and flow control
//! (`protocol_flow.py`), then what asyncio's tests check without a twin:
//! abort, a panic in a callback, a reset, the loop closing, buffered
//! protocols, Unix-domain sockets, and `close_clients`.

mod support;

use std::io;
use std::rc::Rc;

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
