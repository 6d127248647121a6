//! Tasks and futures: `create_task`, `Task`, `promise`, `ConcurrentFuture`,
//! running things together (`gather`, `wait`, `as_completed`, `shield`,
//! `TaskGroup`), and the task cell underneath (asyncio's `tasks`,
//! `futures` and `taskgroups` modules).

pub(crate) mod as_completed;
pub(crate) mod completion;
pub(crate) mod concurrent;
pub(crate) mod gather;
pub(crate) mod group;
pub(crate) mod handle;
pub(crate) mod introspection;
pub(crate) mod promise;
pub(crate) mod shield;
pub(crate) mod spawn;
pub(crate) mod wait;
