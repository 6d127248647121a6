//! Synchronization primitives and queues for tasks: asyncio's `locks` and
//! `queues` modules. Every primitive waits on one FIFO
//! [`WaitQueue`](crate::runtime::wait_queue::WaitQueue), and none is `Send`:
//! they belong to one loop's thread; share them with `Rc`.

pub(crate) mod barrier;
pub(crate) mod condition;
pub(crate) mod event;
pub(crate) mod lock;
pub(crate) mod queue;
pub(crate) mod semaphore;
