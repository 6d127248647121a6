//! The atomics of the protocols proved with loom (a task's state word, the
//! signal table's slots), and the spin hint and yield of a waiting thread:
//! loom's under `--cfg corio_loom`, so that its model checks them; std's
//! otherwise.

#[cfg(corio_loom)]
pub(crate) use loom::{hint::spin_loop, sync::atomic::*, thread::yield_now};
#[cfg(not(corio_loom))]
pub(crate) use std::{hint::spin_loop, sync::atomic::*, thread::yield_now};
