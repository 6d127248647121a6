//! What the loop needs of a task: the cell that holds its future, the wake
//! path that queues it, and what it is and waits on.

pub(crate) mod cell;
pub(crate) mod info;
pub(crate) mod registry;
pub(crate) mod schedule;
