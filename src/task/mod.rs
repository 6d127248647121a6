//! Tasks and futures: `create_task`, `Task`, `promise`, `ConcurrentFuture`,
//! and the task cell underneath (asyncio's `tasks` and `futures` modules).

pub(crate) mod cell;
pub(crate) mod completion;
pub(crate) mod concurrent;
pub(crate) mod handle;
pub(crate) mod info;
pub(crate) mod promise;
pub(crate) mod spawn;
