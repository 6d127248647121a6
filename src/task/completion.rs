//! A one-shot slot settled from any thread, awaited on a loop or waited for
//! with a blocking call: the core of `Promise`, `ConcurrentFuture` and the
//! thread pool's results.

use std::task::{Context, Poll, Waker};
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use crate::error::TaskError;
use crate::runtime::context::note_waiting;
use crate::runtime::task::info::WaitingOn;

pub(crate) struct Completion<T> {
    state: Mutex<State<T>>,
    settled: Condvar,
}

struct State<T> {
    /// `Some` from settling until the result is taken.
    result: Option<Result<T, TaskError>>,
    settled: bool,
    cancelled: bool,
    /// The awaiter's waker.
    waker: Option<Waker>,
    /// Wakers of done-callback watchers, woken once on settling.
    watchers: Vec<Waker>,
}

impl<T> Completion<T> {
    pub(crate) fn new() -> Completion<T> {
        Completion {
            state: Mutex::new(State {
                result: None,
                settled: false,
                cancelled: false,
                waker: None,
                watchers: Vec::new(),
            }),
            settled: Condvar::new(),
        }
    }

    /// Stores `result` and wakes whoever waits; false if already settled.
    pub(crate) fn settle(&self, result: Result<T, TaskError>) -> bool {
        let (waker, watchers) = {
            let mut state = self.state.lock();
            if state.settled {
                return false;
            }
            state.settled = true;
            state.cancelled = matches!(&result, Err(err) if err.is_cancelled());
            state.result = Some(result);
            (state.waker.take(), std::mem::take(&mut state.watchers))
        };
        self.settled.notify_all();
        // Woken outside the lock: a waker may run code that settles or polls.
        waker.into_iter().chain(watchers).for_each(Waker::wake);
        true
    }

    pub(crate) fn is_settled(&self) -> bool {
        self.state.lock().settled
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.state.lock().cancelled
    }

    /// # Panics
    ///
    /// Panics if the result was already taken.
    pub(crate) fn poll_result(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>> {
        let mut state = self.state.lock();
        if state.settled {
            return Poll::Ready(take(&mut state));
        }
        match &state.waker {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        drop(state);
        note_waiting(WaitingOn::Promise);
        Poll::Pending
    }

    /// Ready once settled, without taking the result.
    pub(crate) fn poll_settled(&self, cx: &mut Context<'_>, registered: &mut bool) -> Poll<()> {
        let mut state = self.state.lock();
        if state.settled {
            return Poll::Ready(());
        }
        if !*registered {
            state.watchers.push(cx.waker().clone());
            *registered = true;
        }
        Poll::Pending
    }

    /// Blocks the thread until settled or `deadline`; `None` on timeout.
    ///
    /// # Panics
    ///
    /// Panics if the result was already taken.
    pub(crate) fn wait(&self, deadline: Option<Instant>) -> Option<Result<T, TaskError>> {
        let mut state = self.state.lock();
        while !state.settled {
            match deadline {
                Some(deadline) => {
                    if self.settled.wait_until(&mut state, deadline).timed_out() && !state.settled {
                        return None;
                    }
                }
                None => self.settled.wait(&mut state),
            }
        }
        Some(take(&mut state))
    }
}

fn take<T>(state: &mut State<T>) -> Result<T, TaskError> {
    state.result.take().expect("the result was already taken")
}
