//! What the loop needs of a task: the cell that holds its future, the word
//! its wakers share, the path a wake takes, and what a task is and waits on.

pub(crate) mod cell;
pub(crate) mod info;
pub(crate) mod parked;
pub(crate) mod registry;
pub(crate) mod schedule;
pub(crate) mod state;
