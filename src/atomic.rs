//! The atomics of the protocols proved with loom (a task's state word, the
//! signal table's slots), and the spin hint: loom's under `--cfg
//! corio_loom`, so that its model checks them; std's otherwise.

#[cfg(corio_loom)]
pub(crate) use loom::{hint::spin_loop, sync::atomic::*};
#[cfg(not(corio_loom))]
pub(crate) use std::{hint::spin_loop, sync::atomic::*};
