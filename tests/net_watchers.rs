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
    });
    assert!(corio::add_reader(0, || {}).is_err(), "no running loop");
}

fn libc_ebadf() -> i32 {
    9
}
