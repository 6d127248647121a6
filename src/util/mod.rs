//! Building blocks shared by several modules.

pub(crate) mod wait_queue;
