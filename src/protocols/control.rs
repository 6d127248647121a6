//! What stream and datagram transports share with their drivers: the
//! write buffer's marks, closing, the one `connection_lost`, and a
//! `pause_writing` that waits for the protocol's running callback.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::task::Waker;

use super::call;
use super::limits::WriteLimits;

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
    /// Call `connection_lost` with this error, and stop.
    Lose(Option<io::Error>),
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
        match std::mem::replace(&mut self.lost, Lost::Done) {
            Lost::Due(error) => {
                self.driver = None;
                Next::Lose(error)
            }
            other => {
                self.lost = other;
                Next::Serve
            }
        }
    }

    pub(crate) fn wake_driver(&self) {
        if let Some(driver) = &self.driver {
            driver.wake_by_ref();
        }
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

    /// `connection_lost` was called (or will never be).
    pub(crate) fn lost(&mut self) {
        self.lost = Lost::Done;
        self.driver = None;
    }

    fn pause_later(&mut self) {
        self.pause_due = true;
        self.wake_driver();
    }
}

/// Calls the protocol's `pause_writing` from the transport; false if the
/// protocol is busy.
pub(crate) type PauseWriting = Box<dyn Fn() -> Result<bool, io::Error>>;

/// A [`PauseWriting`] for `protocol`, which `pause` calls back.
pub(crate) fn pause_writing<P: 'static>(protocol: &Rc<RefCell<P>>, pause: fn(&mut P)) -> PauseWriting {
    let protocol = Rc::downgrade(protocol);
    Box::new(move || {
        let Some(protocol) = protocol.upgrade() else { return Ok(true) };
        if protocol.try_borrow_mut().is_err() {
            return Ok(false);
        }
        call(&protocol, "pause_writing", pause).map(|()| true)
    })
}

/// Calls `pause` now, or has the driver call it once the protocol's
/// callback returns; a panic in it closes the transport (`fail`).
pub(crate) fn pause_now_or_later(
    control: &RefCell<Control>,
    pause: &PauseWriting,
    fail: impl FnOnce(io::Error),
) {
    match pause() {
        Ok(true) => {}
        Ok(false) => control.borrow_mut().pause_later(),
        Err(error) => fail(error),
    }
}
