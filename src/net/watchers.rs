//! Watching a file descriptor that someone else owns: asyncio's
//! `loop.add_reader`, `remove_reader`, `add_writer`, `remove_writer`.
//!
//! Each watched descriptor is registered once with the running loop's
//! reactor (edge-triggered, as every source), and each direction watched
//! has a task that runs the callback. asyncio's watchers are
//! level-triggered: the callback runs on every turn while the descriptor
//! stays ready. So before each call the task asks the kernel (a
//! zero-timeout `poll`) whether it is ready: if so it calls back, and looks
//! again on the next turn; if not it waits for the reactor's next edge. The
//! descriptor is never read, written or closed here.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::poll_fn;
use std::io;
use std::os::fd::RawFd;
use std::rc::{Rc, Weak};

use super::io::{no_running_loop, Fd, Io};
use crate::reactor::sources::Direction;
use crate::runtime::context;
use crate::sys;
use crate::task::handle::Task;
use crate::task::spawn::create_internal_task;

/// One watched descriptor: its registration and the task of each direction.
/// The tasks hold it; it is deregistered when both are gone.
struct Entry {
    /// The descriptor, borrowed: never closed here.
    io: Io<Fd<RawFd>>,
    reader: RefCell<Option<Task<()>>>,
    writer: RefCell<Option<Task<()>>>,
}

thread_local! {
    /// The watched descriptors of this thread's loops, by loop id and fd.
    static WATCHED: RefCell<HashMap<(u32, RawFd), Weak<Entry>>> = RefCell::new(HashMap::new());
}

/// Calls `callback` on the loop's thread whenever `fd` is readable (each
/// turn while it stays so): `loop.add_reader(fd, callback)`. Replaces a
/// reader the running loop had for `fd`. corio neither reads nor closes
/// `fd`: call [`remove_reader`] before closing it.
///
/// # Errors
///
/// Outside a running loop, or if epoll cannot watch `fd` (`EBADF` for a
/// closed descriptor, `EPERM` for a regular file).
///
/// # Examples
///
/// One end of a socket pair, read a byte at a time as bytes come (see also
/// `examples/fd_watcher.rs`, a descriptor that another library owns):
///
/// ```
/// use std::cell::Cell;
/// use std::os::fd::AsRawFd;
/// use std::rc::Rc;
///
/// corio::run(async {
///     let (mut reader, mut writer) = std::os::unix::net::UnixStream::pair().unwrap();
///     let fd = reader.as_raw_fd();
///     let got = Rc::new(Cell::new(0));
///     let counter = got.clone();
///     corio::add_reader(fd, move || {
///         let mut byte = [0];
///         std::io::Read::read_exact(&mut reader, &mut byte).unwrap();
///         counter.set(counter.get() + 1);
///     })
///     .unwrap();
///     std::io::Write::write_all(&mut writer, b"ab").unwrap();
///     while got.get() < 2 {
///         corio::yield_now().await;
///     }
///     assert!(corio::remove_reader(fd));
/// });
/// ```
pub fn add_reader(fd: RawFd, callback: impl FnMut() + 'static) -> io::Result<()> {
    watch(fd, Direction::Read, Box::new(callback))
}

/// As [`add_reader`], for `fd` becoming writable: `loop.add_writer`.
///
/// # Errors
///
/// As [`add_reader`].
pub fn add_writer(fd: RawFd, callback: impl FnMut() + 'static) -> io::Result<()> {
    watch(fd, Direction::Write, Box::new(callback))
}

/// Stops watching `fd` for reading; returns whether it was watched.
pub fn remove_reader(fd: RawFd) -> bool {
    unwatch(fd, Direction::Read)
}

/// Stops watching `fd` for writing; returns whether it was watched.
pub fn remove_writer(fd: RawFd) -> bool {
    unwatch(fd, Direction::Write)
}

fn watch(fd: RawFd, direction: Direction, callback: Box<dyn FnMut()>) -> io::Result<()> {
    let loop_id = context::with_current_borrowed(|core| core.id()).ok_or_else(no_running_loop)?;
    let entry = match WATCHED.with(|watched| watched.borrow().get(&(loop_id, fd)).and_then(Weak::upgrade)) {
        Some(entry) => entry,
        None => {
            let entry = Rc::new(Entry {
                io: Io::new(Fd(fd)).map_err(|err| {
                    if err.kind() == io::ErrorKind::AlreadyExists {
                        // asyncio: "File descriptor … is used by transport".
                        io::Error::new(
                            err.kind(),
                            format!("descriptor {fd} is already used by a corio socket"),
                        )
                    } else {
                        err
                    }
                })?,
                reader: RefCell::new(None),
                writer: RefCell::new(None),
            });
            WATCHED.with(|watched| {
                let mut watched = watched.borrow_mut();
                watched.retain(|_, entry| entry.strong_count() > 0);
                watched.insert((loop_id, fd), Rc::downgrade(&entry));
            });
            entry
        }
    };
    let name = match direction {
        Direction::Read => "corio: reader",
        Direction::Write => "corio: writer",
    };
    let task = create_internal_task(name, run_callback(entry.clone(), fd, direction, callback));
    let replaced = entry.slot(direction).replace(Some(task));
    if let Some(replaced) = replaced {
        replaced.cancel_now();
    }
    Ok(())
}

fn unwatch(fd: RawFd, direction: Direction) -> bool {
    let Some(loop_id) = context::with_current_borrowed(|core| core.id()) else { return false };
    let Some(entry) = WATCHED.with(|watched| watched.borrow().get(&(loop_id, fd)).and_then(Weak::upgrade))
    else {
        return false;
    };
    let Some(task) = entry.slot(direction).take() else { return false };
    task.cancel_now();
    if entry.reader.borrow().is_none() && entry.writer.borrow().is_none() {
        // Off epoll and out of the map now, even if the task (still running
        // the callback that removed it) holds the entry a little longer: the
        // caller may close the descriptor and watch a new one of that number.
        WATCHED.with(|watched| watched.borrow_mut().remove(&(loop_id, fd)));
        entry.io.deregister_now();
    }
    true
}

impl Entry {
    fn slot(&self, direction: Direction) -> &RefCell<Option<Task<()>>> {
        match direction {
            Direction::Read => &self.reader,
            Direction::Write => &self.writer,
        }
    }
}

/// The task of one direction: once a turn while the kernel says the
/// descriptor is ready, calls back; else waits for the next edge.
async fn run_callback(entry: Rc<Entry>, fd: RawFd, direction: Direction, mut callback: Box<dyn FnMut()>) {
    let events = match direction {
        Direction::Read => libc::POLLIN,
        Direction::Write => libc::POLLOUT,
    };
    loop {
        let called = poll_fn(|cx| {
            entry.io.poll_io(cx, direction, |_| match sys::poll_now(fd, events) {
                Ok(true) => {
                    // A panic is reported, as asyncio logs an exception in
                    // a callback, and the watcher goes on.
                    let core = context::current().expect("a watcher runs on its loop");
                    core.guarded("Exception in callback", &mut callback);
                    Ok(())
                }
                Ok(false) => Err(io::ErrorKind::WouldBlock.into()),
                Err(err) => Err(err),
            })
        })
        .await;
        if called.is_err() {
            // The descriptor was closed under the watcher (or its loop):
            // nothing more will come.
            return;
        }
        crate::yield_now().await;
    }
}
