//! Unix signals on the loop: `add_signal_handler`, `remove_signal_handler`
//! and `signal` (asyncio's `loop.add_signal_handler`).
//!
//! # Implementation
//!
//! Each loop that handles signals has a self-pipe registered with its
//! reactor. The process-wide C handler does only async-signal-safe work:
//! for each loop that wants the signal it writes the signal's number to that
//! loop's pipe, finding them in a lock-free table that grows with the number
//! of loops (`slots`).
//! A task on each loop reads the pipe and runs the handlers (with
//! `call_soon`) and feeds the `signal()` streams. The previous disposition
//! of a signal is restored when the last loop stops handling it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::future::poll_fn;
use std::io::{self, Read};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use futures_core::Stream;
use mio::unix::pipe;
use parking_lot::Mutex;

use crate::net::io::Io;
use crate::reactor::sources::Direction;
use crate::runtime::context;
use crate::sys;

pub mod numbers;
mod slots;

/// Signals are numbered below this (Linux has 64).
const NSIG: i32 = 65;

/// Per signal, how many loops handle it and the disposition to restore.
struct Installed {
    loops: usize,
    previous: sys::SigAction,
}

static INSTALLED: Mutex<Vec<Option<Installed>>> = Mutex::new(Vec::new());

/// The process-wide handler: only async-signal-safe work.
extern "C" fn on_signal(signal: libc::c_int) {
    if !(1..NSIG).contains(&signal) {
        return;
    }
    for slot in slots::all() {
        // A full pipe drops the byte, which is fine: the loop has a
        // delivery of this signal to read already.
        slot.deliver(signal, |pipe| sys::write_byte_from_handler(pipe, signal as u8));
    }
}

/// Installs `on_signal` for `signal` if no loop handles it yet.
fn install(signal: i32) -> io::Result<()> {
    let mut installed = INSTALLED.lock();
    if installed.is_empty() {
        installed.resize_with(NSIG as usize, || None);
    }
    if let Some(entry) = &mut installed[signal as usize] {
        entry.loops += 1;
        return Ok(());
    }
    let previous = sys::install_handler(signal, on_signal)?;
    installed[signal as usize] = Some(Installed { loops: 1, previous });
    Ok(())
}

/// Restores `signal`'s previous disposition when the last loop lets go.
fn uninstall(signal: i32) {
    let mut installed = INSTALLED.lock();
    let Some(entry) = installed.get_mut(signal as usize).and_then(Option::as_mut) else { return };
    entry.loops -= 1;
    if entry.loops == 0 {
        let previous = entry.previous;
        installed[signal as usize] = None;
        sys::restore_handler(signal, &previous);
    }
}

fn check(signal: i32) -> io::Result<()> {
    if signal <= 0 || signal >= NSIG || signal == libc::SIGKILL || signal == libc::SIGSTOP {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signal} cannot be handled"),
        ));
    }
    Ok(())
}

/// One loop's signal handling: its slot in the table, its pipe, handlers
/// and streams. Dropped (slot freed, dispositions restored) when the loop
/// closes, with the task that reads the pipe.
struct LoopSignals {
    loop_id: u32,
    slot: &'static slots::Slot,
    /// Closed (dropped) only after `slot` is given back.
    _sender: pipe::Sender,
    handlers: RefCell<HashMap<i32, Rc<dyn Fn()>>>,
    streams: RefCell<HashMap<i32, Vec<Weak<Deliveries>>>>,
}

thread_local! {
    /// The signal state of each loop of this thread, by loop id.
    static LOOPS: RefCell<HashMap<u32, Weak<LoopSignals>>> = RefCell::new(HashMap::new());
}

impl LoopSignals {
    /// The running loop's signal state, made (with its pipe and reader
    /// task) on first use.
    fn current() -> io::Result<Rc<LoopSignals>> {
        let core = context::current().ok_or_else(crate::net::io::no_running_loop)?;
        if let Some(existing) = LOOPS.with(|loops| loops.borrow().get(&core.id()).and_then(Weak::upgrade)) {
            return Ok(existing);
        }
        let (sender, receiver) = pipe::new()?;
        let receiver = Io::new(receiver)?;
        let slot = slots::claim(std::os::fd::AsRawFd::as_raw_fd(&sender));
        let signals = Rc::new(LoopSignals {
            loop_id: core.id(),
            slot,
            _sender: sender,
            handlers: RefCell::new(HashMap::new()),
            streams: RefCell::new(HashMap::new()),
        });
        LOOPS.with(|loops| loops.borrow_mut().insert(core.id(), Rc::downgrade(&signals)));
        drop(crate::task::spawn::create_internal_task(
            "corio: signal deliveries",
            read_deliveries(receiver, signals.clone()),
        ));
        Ok(signals)
    }

    fn want(&self, signal: i32) -> io::Result<()> {
        if !self.slot.wants(signal) {
            install(signal)?;
            self.slot.want(signal);
        }
        Ok(())
    }

    /// Stops wanting `signal` if no handler and no stream needs it.
    fn release(&self, signal: i32) {
        let has_handler = self.handlers.borrow().contains_key(&signal);
        let has_stream = self.streams.borrow().get(&signal).is_some_and(|streams| !streams.is_empty());
        if !has_handler && !has_stream && self.slot.unwant(signal) {
            uninstall(signal);
        }
    }

    fn deliver(&self, signal: i32) {
        let handler = self.handlers.borrow().get(&signal).cloned();
        if let Some(handler) = handler {
            crate::call_soon(move || handler());
        }
        let streams: Vec<Rc<Deliveries>> =
            self.streams.borrow().get(&signal).into_iter().flatten().filter_map(Weak::upgrade).collect();
        for stream in streams {
            stream.count.set(stream.count.get() + 1);
            if let Some(waker) = stream.waker.take() {
                waker.wake();
            }
        }
    }
}

impl Drop for LoopSignals {
    fn drop(&mut self) {
        let _ = LOOPS.try_with(|loops| loops.borrow_mut().remove(&self.loop_id));
        let wanted = self.slot.release();
        for signal in 1..NSIG {
            if wanted & slots::bit(signal) != 0 {
                uninstall(signal);
            }
        }
    }
}

/// The loop's task that reads signal numbers from the self-pipe.
async fn read_deliveries(receiver: Io<pipe::Receiver>, signals: Rc<LoopSignals>) {
    let mut buf = [0u8; 64];
    loop {
        let read = poll_fn(|cx| receiver.poll_io(cx, Direction::Read, |mut pipe| pipe.read(&mut buf))).await;
        match read {
            Ok(0) | Err(_) => return,
            Ok(n) => buf[..n].iter().for_each(|&signal| signals.deliver(i32::from(signal))),
        }
    }
}

/// Runs `handler` on the running loop each time `signal` arrives:
/// `loop.add_signal_handler(sig, callback)`. It replaces a handler the loop
/// had for that signal. The handler runs as a callback on the loop's
/// thread, never inside the OS's signal handler.
///
/// # Errors
///
/// `InvalidInput` for a signal that cannot be handled (`SIGKILL`,
/// `SIGSTOP`, out of range); the OS's error otherwise, or outside a running
/// loop.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// corio::run(async {
///     let got = Rc::new(Cell::new(false));
///     let flag = got.clone();
///     corio::add_signal_handler(libc_sigusr1(), move || flag.set(true)).unwrap();
///     std::process::Command::new("kill").args(["-USR1", &std::process::id().to_string()]).status().unwrap();
///     while !got.get() {
///         corio::sleep(std::time::Duration::from_millis(1)).await;
///     }
///     assert!(corio::remove_signal_handler(libc_sigusr1()));
/// });
/// # fn libc_sigusr1() -> i32 { 10 }
/// ```
pub fn add_signal_handler(signal: i32, handler: impl Fn() + 'static) -> io::Result<()> {
    check(signal)?;
    let signals = LoopSignals::current()?;
    signals.handlers.borrow_mut().insert(signal, Rc::new(handler));
    signals.want(signal)
}

/// Removes the running loop's handler for `signal`; returns whether there
/// was one. When nothing on any loop handles the signal any more, its
/// previous disposition is restored.
pub fn remove_signal_handler(signal: i32) -> bool {
    let Ok(signals) = LoopSignals::current() else { return false };
    let removed = signals.handlers.borrow_mut().remove(&signal).is_some();
    signals.release(signal);
    removed
}

/// The deliveries of `signal` to the running loop, as a stream that yields
/// `()` once per delivery (several deliveries between two polls may merge).
///
/// # Errors
///
/// As [`add_signal_handler`].
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
///
/// corio::run(async {
///     let mut hangups = corio::signal(1).unwrap(); // SIGHUP
///     std::process::Command::new("kill").args(["-HUP", &std::process::id().to_string()]).status().unwrap();
///     hangups.next().await;
/// });
/// ```
pub fn signal(signal: i32) -> io::Result<Signal> {
    check(signal)?;
    let signals = LoopSignals::current()?;
    let deliveries = Rc::new(Deliveries { count: Cell::new(0), waker: Cell::new(None) });
    signals.streams.borrow_mut().entry(signal).or_default().push(Rc::downgrade(&deliveries));
    signals.want(signal)?;
    Ok(Signal { signal, deliveries, signals })
}

struct Deliveries {
    count: Cell<usize>,
    waker: Cell<Option<Waker>>,
}

/// The stream of [`signal`]: `()` per delivery; it never ends.
pub struct Signal {
    signal: i32,
    deliveries: Rc<Deliveries>,
    signals: Rc<LoopSignals>,
}

impl Stream for Signal {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        let count = self.deliveries.count.get();
        if count > 0 {
            self.deliveries.count.set(count - 1);
            return Poll::Ready(Some(()));
        }
        self.deliveries.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let Some(streams) = self.signals.streams.borrow_mut().get_mut(&self.signal) {
            streams.retain(|stream| {
                stream.strong_count() > 0 && !std::ptr::eq(stream.as_ptr(), &*self.deliveries)
            });
        }
        self.signals.release(self.signal);
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal").field("signal", &self.signal).finish()
    }
}
