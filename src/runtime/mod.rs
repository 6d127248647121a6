//! The event loop: its state and turn, the thread-local running loop, the
//! cross-thread side, and the public runners and handles.

pub(crate) mod context;
pub(crate) mod core;
pub(crate) mod current;
mod deadlock;
pub(crate) mod event_loop;
pub(crate) mod exception;
pub(crate) mod handles;
pub(crate) mod loop_handle;
pub(crate) mod runner;
pub(crate) mod shared;
mod shuffle;
pub(crate) mod task;
pub(crate) mod wait_queue;
