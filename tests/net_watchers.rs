//! `add_reader` / `add_writer` on descriptors corio does not own: the
//! CPython twin (`tests/asyncio/fd_watchers.py`, on a socket pair where it
//! has a pipe), replacing a watcher, a panicking callback, bad
//! descriptors, and the descriptor left open.

mod support;

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::rc::Rc;

use support::{expected_log, py_bool, Log};

#[test]
fn watchers_are_level_triggered_as_asyncio_s() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = reader.as_raw_fd();
        let reader = RefCell::new(reader);
        let read_all = Rc::new(corio::Event::new());
        {
            let (log, read_all) = (log.clone(), read_all.clone());
            corio::add_reader(fd, move || {
                let mut byte = [0];
                reader.borrow_mut().read_exact(&mut byte).unwrap();
                log.push(format!("read {}", byte[0] as char));
                if byte == *b"c" {
                    log.push(format!("reader removed {}", py_bool(corio::remove_reader(fd))));
                    read_all.set();
                }
            })
            .unwrap();
        }
        log.push("reader added");
        corio::yield_now().await;
        log.push("a turn, nothing written");
        writer.write_all(b"abc").unwrap();
        read_all.wait().await;
        log.push(format!("reader removed again {}", py_bool(corio::remove_reader(fd))));

        let wfd = writer.as_raw_fd();
        let calls = Rc::new(Cell::new(0));
        let twice = Rc::new(corio::Event::new());
        {
            let (log, calls, twice) = (log.clone(), calls.clone(), twice.clone());
            corio::add_writer(wfd, move || {
                calls.set(calls.get() + 1);
                log.push(format!("writable {}", calls.get()));
                if calls.get() == 2 {
                    log.push(format!("writer removed {}", py_bool(corio::remove_writer(wfd))));
                    twice.set();
                }
            })
            .unwrap();
        }
        twice.wait().await;
        for _ in 0..3 {
            corio::yield_now().await;
        }
        log.push(format!("writer calls {}", calls.get()));
    });
    assert_eq!(log.take(), expected_log("fd_watchers"));
}

/// A new reader for the same descriptor replaces the old one; a reader and
/// a writer on one descriptor share its registration.
#[test]
fn a_second_reader_replaces_the_first_and_a_writer_sits_beside() {
    corio::run(async {
        let (stream, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
        stream.set_nonblocking(true).unwrap();
        let fd = stream.as_raw_fd();
        let log = Log::new();
        let pusher = |event: &'static str| {
            let log = log.clone();
            move || log.push(event)
        };
        corio::add_reader(fd, pusher("first")).unwrap();
        corio::add_reader(fd, pusher("second")).unwrap();
        corio::add_writer(fd, pusher("writable")).unwrap();
        peer.write_all(b"x").unwrap();
        corio::yield_now().await;
        corio::yield_now().await;
        assert!(corio::remove_writer(fd));
        let events = log.take();
        assert!(events.contains(&"second".to_string()), "{events:?}");
        assert!(!events.contains(&"first".to_string()), "{events:?}");
        assert!(events.contains(&"writable".to_string()), "{events:?}");
        assert!(corio::remove_reader(fd));
        // corio never closed it: the socket still works.
        let mut byte = [0];
        (&stream).read_exact(&mut byte).unwrap();
        assert_eq!(&byte, b"x");
    });
}

/// A panic in a callback is reported, as asyncio logs an exception in a
/// callback, and the watcher keeps watching.
#[test]
fn a_panicking_callback_is_reported_and_the_watcher_goes_on() {
    let reports = Rc::new(RefCell::new(Vec::new()));
    let seen = reports.clone();
    corio::run(async move {
        corio::set_exception_handler(Some(Rc::new(move |context: &corio::ExceptionContext| {
            seen.borrow_mut().push(context.message.clone());
        })));
        let (reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = reader.as_raw_fd();
        let reader = RefCell::new(reader);
        let calls = Rc::new(Cell::new(0));
        let counted = calls.clone();
        corio::add_reader(fd, move || {
            let mut byte = [0];
            reader.borrow_mut().read_exact(&mut byte).unwrap();
            counted.set(counted.get() + 1);
            if byte == *b"!" {
                panic!("bad byte");
            }
        })
        .unwrap();
        writer.write_all(b"!ok").unwrap();
        while calls.get() < 3 {
            corio::yield_now().await;
        }
        assert!(corio::remove_reader(fd));
    });
    assert_eq!(*reports.borrow(), ["Exception in callback"]);
}

#[test]
fn bad_descriptors_are_errors() {
    corio::run(async {
        assert_eq!(corio::add_reader(-1, || {}).unwrap_err().raw_os_error(), Some(libc_ebadf()));
        let file = std::fs::File::open(std::env::current_exe().unwrap()).unwrap();
        // epoll cannot watch a regular file (asyncio's selectors cannot either).
        assert!(corio::add_reader(file.as_raw_fd(), || {}).is_err());
        assert!(!corio::remove_reader(file.as_raw_fd()));
        let socket = corio::TcpListener::bind("127.0.0.1:0").unwrap();
        let err = corio::add_reader(socket.as_raw_fd(), || {}).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(err.to_string().contains("already used by a corio socket"), "{err}");
    });
    assert!(corio::add_reader(0, || {}).is_err(), "no running loop");
}

fn libc_ebadf() -> i32 {
    9
}

/// A reader that removes itself, closes its descriptor and watches a new
/// one (POSIX gives the new socket the lowest free number: usually the
/// same) is called for the new one, and the old watcher's end does not take
/// the new registration off epoll.
#[test]
fn a_reader_replaced_on_a_reused_descriptor_number_is_called() {
    corio::run(async {
        let (first, mut first_peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = first.as_raw_fd();
        let second_peer: Rc<RefCell<Option<std::os::unix::net::UnixStream>>> = Rc::new(RefCell::new(None));
        let called = Rc::new(corio::Event::new());
        let first = RefCell::new(Some(first));
        {
            let (second_peer, called) = (second_peer.clone(), called.clone());
            corio::add_reader(fd, move || {
                assert!(corio::remove_reader(fd));
                drop(first.borrow_mut().take());
                let (second, peer) = std::os::unix::net::UnixStream::pair().unwrap();
                let new_fd = second.as_raw_fd();
                let called = called.clone();
                let second = RefCell::new(second);
                corio::add_reader(new_fd, move || {
                    let mut byte = [0];
                    second.borrow_mut().read_exact(&mut byte).unwrap();
                    called.set();
                    corio::remove_reader(new_fd);
                })
                .unwrap();
                *second_peer.borrow_mut() = Some(peer);
            })
            .unwrap();
        }
        first_peer.write_all(b"1").unwrap();
        while second_peer.borrow().is_none() {
            corio::yield_now().await;
        }
        // Let the first watcher's task end (it was still running above).
        corio::yield_now().await;
        corio::yield_now().await;
        second_peer.borrow_mut().as_mut().unwrap().write_all(b"2").unwrap();
        corio::wait_for(std::time::Duration::from_secs(10), called.wait())
            .await
            .expect("the new reader was never called");
    });
}
