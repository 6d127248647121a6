//! What stream and datagram transports share with their drivers: the
//! write buffer's marks, closing, the one `connection_lost`, and a
//! `pause_writing` that waits for the protocol's running callback.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use super::call;
use super::limits::WriteLimits;
use crate::task::promise::Resolver;

#[derive(Debug)]
pub(crate) struct Control {
    pub(crate) limits: WriteLimits,
    /// `close` or `abort` was called, or the connection failed.
    pub(crate) closing: bool,
    lost: Lost,
    /// `pause_writing` is due but the protocol was busy (its callback is
    /// running): the driver calls it when the callback returns.
    pause_due: bool,
    driver: Option<Waker>,
}

/// Where the connection is in its ending.
#[derive(Debug)]
enum Lost {
    No,
    /// `connection_lost` is to be called, with this error.
    Due(Option<io::Error>),
    Done,
}

/// What the driver does next, as the transport's state says.
pub(crate) enum Next {
    /// Call `pause_writing`: the transport could not, the protocol was busy.
    Pause,
    /// Call `connection_lost` (with [`Control::take_lost`]'s error), and
    /// stop.
    Lose,
    /// Go on: send, then receive.
    Serve,
}

impl Control {
    pub(crate) fn new() -> Control {
        Control { limits: WriteLimits::new(), closing: false, lost: Lost::No, pause_due: false, driver: None }
    }

    /// The driver's turn: remembers its waker and says what is due.
    pub(crate) fn next(&mut self, waker: &Waker) -> Next {
        match &self.driver {
            Some(driver) if driver.will_wake(waker) => {}
            _ => self.driver = Some(waker.clone()),
        }
        if std::mem::take(&mut self.pause_due) {
            return Next::Pause;
        }
        match self.lost {
            Lost::Due(_) => Next::Lose,
            Lost::No | Lost::Done => Next::Serve,
        }
    }

    pub(crate) fn wake_driver(&self) {
        if let Some(driver) = &self.driver {
            driver.wake_by_ref();
        }
    }

    /// Starts closing (`close`); false if it was closing already. The
    /// caller stops reading.
    pub(crate) fn start_closing(&mut self) -> bool {
        if self.closing {
            return false;
        }
        self.closing = true;
        self.wake_driver();
        true
    }

    /// True once `connection_lost` is due or done.
    pub(crate) fn is_lost(&self) -> bool {
        !matches!(self.lost, Lost::No)
    }

    /// Closing, with `connection_lost(error)` due (unless it is already).
    pub(crate) fn lose_soon(&mut self, error: Option<io::Error>) {
        if !self.is_lost() {
            self.closing = true;
            self.lost = Lost::Due(error);
            self.wake_driver();
        }
    }

    /// The connection is lost from now on, before `connection_lost` is
    /// called (so that it sees a closing transport that drops writes, as
    /// asyncio's): the error that was due, if any.
    pub(crate) fn take_lost(&mut self) -> Option<io::Error> {
        self.closing = true;
        self.driver = None;
        match std::mem::replace(&mut self.lost, Lost::Done) {
            Lost::Due(error) => error,
            Lost::No | Lost::Done => None,
        }
    }

    fn pause_later(&mut self) {
        self.pause_due = true;
        self.wake_driver();
    }
}

/// Where a driver is in its transport's life: `connection_made` on its
/// first poll, `connection_lost` at the end, each once.
pub(crate) struct Life {
    /// Resolved once `connection_made` returned, for `create_connection`.
    made: Option<Resolver<()>>,
    started: bool,
    ended: bool,
}

impl Life {
    pub(crate) fn new(made: Option<Resolver<()>>) -> Life {
        Life { made, started: false, ended: false }
    }

    /// True on the driver's first poll only: it calls `connection_made`
    /// then, and [`made`](Life::made).
    pub(crate) fn starting(&mut self) -> bool {
        !std::mem::replace(&mut self.started, true)
    }

    /// `connection_made` returned: resolves who awaited it, and has the
    /// driver polled again on a later turn, before which it returns
    /// `Pending`. asyncio starts reading from a callback scheduled after
    /// `connection_made`, so what this turn made ready (the task awaiting
    /// the connection) runs first.
    pub(crate) fn made(&mut self, cx: &Context<'_>) {
        if let Some(made) = self.made.take() {
            made.resolve(());
        }
        cx.waker().wake_by_ref();
    }

    /// True the first time after the start: `connection_lost` is to be
    /// called now. The driver asks at the end, and when it is dropped (the
    /// loop closing, or its task cancelled).
    pub(crate) fn end(&mut self) -> bool {
        self.started && !std::mem::replace(&mut self.ended, true)
    }
}

/// A transport's driver, as [`poll_drive`] runs it.
pub(crate) trait Drive {
    fn life(&mut self) -> &mut Life;
    /// What is due (remembering `waker` for the transport to wake).
    fn next(&self, waker: &Waker) -> Next;
    fn connection_made(&mut self);
    fn pause_writing(&mut self);
    /// Calls `connection_lost` if [`Life::end`] says so (with the error
    /// [`Control::take_lost`] gives), and closes the socket.
    fn lose(&mut self);
    /// Sends and receives what it can: `Ready` to look at what is due and
    /// serve again, `Pending` to wait for a wake-up.
    fn serve(&mut self, cx: &mut Context<'_>) -> Poll<()>;
}

/// The poll of every driver: `connection_made` on the first, then before
/// each step of serving what is due — a `pause_writing` the transport could
/// not call, or the end.
pub(crate) fn poll_drive(driver: &mut impl Drive, cx: &mut Context<'_>) -> Poll<()> {
    if driver.life().starting() {
        driver.connection_made();
        driver.life().made(cx);
        return Poll::Pending;
    }
    let mut served = false;
    loop {
        match driver.next(cx.waker()) {
            Next::Pause => driver.pause_writing(),
            Next::Lose if served => {
                // A callback of this poll closed the transport: asyncio
                // calls `connection_lost` through `call_soon`, after what
                // that callback made ready (a task it woke).
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            Next::Lose => {
                driver.lose();
                return Poll::Ready(());
            }
            Next::Serve => {
                std::task::ready!(driver.serve(cx));
                served = true;
            }
        }
    }
}

/// The protocol's `pause_writing`, as its transport calls it (from
/// `write`, outside the driver).
pub(crate) struct Pauser(Box<dyn Fn() -> Result<bool, io::Error>>);

impl Pauser {
    /// A pauser of `protocol`, which `pause` calls back.
    pub(crate) fn new<P: 'static>(protocol: &Rc<RefCell<P>>, pause: fn(&mut P)) -> Pauser {
        let protocol = Rc::downgrade(protocol);
        Pauser(Box::new(move || {
            let Some(protocol) = protocol.upgrade() else { return Ok(true) };
            if protocol.try_borrow_mut().is_err() {
                return Ok(false);
            }
            call(&protocol, "pause_writing", pause).map(|()| true)
        }))
    }

    /// If `size` buffered bytes cross the high mark: pauses the protocol
    /// now, or has the driver do it once the protocol's running callback
    /// returns. A panic in it closes the transport (`fail`).
    pub(crate) fn pause_if_above(
        &self,
        control: &RefCell<Control>,
        size: usize,
        fail: impl FnOnce(io::Error),
    ) {
        if !control.borrow_mut().limits.pause_due(size) {
            return;
        }
        match (self.0)() {
            Ok(true) => {}
            Ok(false) => control.borrow_mut().pause_later(),
            Err(error) => fail(error),
        }
    }
}
