//! The event loop: its state and turn, the thread-local running loop, the
//! cross-thread side, and the public runners and handles.

pub(crate) mod callback;
pub(crate) mod context;
pub(crate) mod core;
pub(crate) mod event_loop;
pub(crate) mod exception;
pub(crate) mod handle;
mod main_waker;
pub(crate) mod runner;
pub(crate) mod running;
pub(crate) mod shared;

pub(crate) use self::core::Runnable;
