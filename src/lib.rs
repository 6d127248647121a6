//! Python's asyncio, in Rust.
//!
//! One thread runs one event loop: a FIFO run queue of ready tasks and
//! callbacks, timers, and a mio reactor that parks the thread in
//! `epoll_wait` when nothing is ready. Coroutines are ordinary Rust futures;
//! `.await` is where a task hands the thread back. Tasks need not be `Send`.
//!
//! # A quick tour
//!
//! ```
//! use std::time::Duration;
//!
//! async fn say_after(delay: Duration, what: &'static str) -> &'static str {
//!     corio::sleep(delay).await;
//!     what
//! }
//!
//! corio::run(async {
//!     let hello = corio::create_task(say_after(Duration::from_millis(2), "hello"));
//!     let world = corio::create_task(say_after(Duration::from_millis(1), "world"));
//!     assert_eq!(world.await.unwrap(), "world");
//!     assert_eq!(hello.await.unwrap(), "hello");
//! });
//! ```
//!
//! # asyncio names
//!
//! | asyncio | corio |
//! |---|---|
//! | `asyncio.run(main())` | [`run`]`(main())` |
//! | `asyncio.Runner` | [`Runner`] |
//! | `asyncio.get_running_loop()` | [`get_running_loop`] → [`LoopHandle`] |
//! | `loop.call_soon`, `call_later`, `call_at`, `time` | [`call_soon`], [`call_later`], [`call_at`], [`time`] |
//! | `loop.call_soon_threadsafe` | [`LoopHandle::call_soon_threadsafe`] |
//! | `asyncio.create_task(coro, name=…)` | [`create_task`], [`create_task_named`] |
//! | `await task` | `task.await` → `Result<T, `[`TaskError`]`>` |
//! | `task.cancel()` | [`Task::cancel`]: the future is dropped at its `.await` |
//! | `asyncio.current_task()`, `all_tasks()` | [`current_task`], [`all_tasks`] |
//! | `asyncio.sleep(d)`, `sleep(0)` | [`sleep`], [`yield_now`] |
//! | `loop.create_future()` | [`promise`] → ([`Promise`], [`Resolver`]) |
//! | `asyncio.to_thread(f)` | [`to_thread`] |
//! | `loop.run_in_executor(ex, f)` | [`run_in_executor`] |
//! | `asyncio.run_coroutine_threadsafe` | [`LoopHandle::spawn`] → [`ConcurrentFuture`] |
//! | `await asyncio.gather(a, b)` / `gather(*aws)` | [`gather!`]`(a, b)` / [`gather`](fn@gather)`(aws)` |
//! | `asyncio.wait`, `as_completed` | [`wait`], [`as_completed`] |
//! | `asyncio.wait_for`, `timeout_at` | [`wait_for`], [`timeout_at`] |
//! | `asyncio.shield`, `TaskGroup` | [`shield`], [`TaskGroup`] |
//! | `CancelledError`, exception in a task | [`TaskError`] |
//! | `asyncio.Lock`, `Event`, `Condition` | [`Lock`], [`Event`], [`Condition`] |
//! | `asyncio.Semaphore`, `BoundedSemaphore`, `Barrier` | [`Semaphore`], [`BoundedSemaphore`], [`Barrier`] |
//! | `asyncio.Queue`, `PriorityQueue`, `LifoQueue` | [`Queue`], [`PriorityQueue`], [`LifoQueue`] |
//! | `asyncio.open_connection`, `start_server` | [`open_connection`], [`start_server`] → [`StreamReader`], [`StreamWriter`] |
//! | transports, `create_datagram_endpoint` | [`TcpStream`], [`TcpListener`], [`UdpSocket`], [`UnixStream`] |
//! | `asyncio.create_subprocess_exec`, `create_subprocess_shell` | [`create_subprocess_exec`], [`create_subprocess_shell`] → [`Process`] |
//! | `loop.add_signal_handler`, `remove_signal_handler` | [`add_signal_handler`], [`remove_signal_handler`], [`signal()`](signal()) |
//! | `IsolatedAsyncioTestCase`, `loop.set_debug` | [`macro@test`], [`Builder::virtual_time`], [`Builder::shuffle`], [`Builder::debug`] |
//!
//! `docs/porting.md` in the repository has the full table, side by side.
//!
//! # Threads
//!
//! A loop and everything bound to it stay on the thread that made them:
//!
//! ```compile_fail
//! fn assert_send<T: Send>() {}
//! assert_send::<corio::EventLoop>();
//! ```
//!
//! ```compile_fail
//! fn assert_send<T: Send>() {}
//! assert_send::<corio::Runner>();
//! ```
//!
//! ```compile_fail
//! fn assert_send<T: Send>() {}
//! assert_send::<corio::Handle>();
//! ```
//!
//! ```compile_fail
//! fn assert_send<T: Send>() {}
//! assert_send::<corio::TimerHandle>();
//! ```
//!
//! Other threads reach a loop through a [`LoopHandle`] (`Send + Sync`), and
//! any thread may wake any task: a [`Waker`](std::task::Waker) from corio is
//! `Send + Sync`, and one fired after its loop closed does nothing.

#[cfg(not(target_os = "linux"))]
compile_error!(
    "corio runs on Linux only: its reactor needs epoll (through mio), a timerfd for exact deadlines, \
     an eventfd for wake-ups from other threads, and pidfds (Linux 5.3+) for child processes"
);

mod atomic;
mod error;
#[cfg(feature = "hyper")]
pub mod hyper;
mod macro_support;
mod net;
mod process;
pub mod protocols;
mod reactor;
mod runtime;
mod signal;
mod streams;
mod sync;
mod sys;
mod task;
pub mod testing;
mod thread_pool;
mod threads;
mod time;

pub use crate::error::{
    BrokenBarrierError, GetError, IncompleteReadError, LimitOverrunError, LoopClosedError, PutError,
    TaskError, TimeoutError, ValueError,
};
pub use crate::net::resolve::ConnectAddr;
pub use crate::net::server::Server;
pub use crate::net::tcp::{TcpListener, TcpStream};
pub use crate::net::udp::UdpSocket;
pub use crate::net::unix::{UnixDatagram, UnixListener, UnixStream};
pub use crate::net::watchers::{add_reader, add_writer, remove_reader, remove_writer};
pub use crate::process::{
    create_subprocess_exec, create_subprocess_shell, Process, ProcessBuilder, SpawnProcess,
};
pub use crate::protocols::endpoints::{
    create_connection, create_datagram_endpoint, create_server, create_unix_connection, create_unix_server,
};
pub use crate::protocols::{BufferedProtocol, DatagramProtocol, DatagramTransport, Protocol, Transport};
pub use crate::runtime::current::{
    call_at, call_exception_handler, call_later, call_soon, get_running_loop, set_exception_handler, time,
    try_get_running_loop,
};
#[doc(alias = "get_event_loop")]
pub use crate::runtime::event_loop::EventLoop;
pub use crate::runtime::exception::{default_exception_handler, ExceptionContext, ExceptionHandler};
pub use crate::runtime::handles::{Handle, TimerHandle};
pub use crate::runtime::loop_handle::LoopHandle;
pub use crate::runtime::runner::{run, Builder, Runner};
pub use crate::runtime::task::info::{TaskId, TaskInfo, TaskState, WaitingOn};
pub use crate::signal::numbers as signals;
pub use crate::signal::{add_signal_handler, remove_signal_handler, signal, Signal};
#[cfg(feature = "futures-io")]
pub use crate::streams::foreign::split_stream;
pub use crate::streams::reader::{StreamReader, DEFAULT_LIMIT};
pub use crate::streams::server::{
    open_connection, open_unix_connection, start_server, start_unix_server, OpenConnection, StartServer,
};
#[cfg(feature = "tls")]
pub use crate::streams::tls::{create_default_context, StartTls};
pub use crate::streams::writer::StreamWriter;
pub use crate::sync::barrier::{Barrier, BarrierWait};
pub use crate::sync::condition::Condition;
pub use crate::sync::event::{Event, EventWait};
pub use crate::sync::lock::{Acquire, Lock, LockGuard, OwnedLockGuard};
pub use crate::sync::queue::{LifoQueue, PriorityQueue, Queue};
pub use crate::sync::semaphore::{
    BoundedSemaphore, OwnedSemaphorePermit, Semaphore, SemaphoreAcquire, SemaphorePermit,
};
pub use crate::task::as_completed::{as_completed, AsCompleted};
pub use crate::task::concurrent::ConcurrentFuture;
pub use crate::task::gather::{gather, try_gather};
pub use crate::task::group::{TaskGroup, TaskGroupError};
pub use crate::task::handle::Task;
pub use crate::task::introspection::{all_tasks, current_task, dump_tasks, task_tree};
#[doc(alias = "create_future")]
#[doc(alias = "Future")]
pub use crate::task::promise::{promise, Promise, Resolver};
pub use crate::task::shield::{shield, Shielded};
pub use crate::task::spawn::{create_eager_task, create_task, create_task_named};
pub use crate::task::wait::{wait, ReturnWhen};
pub use crate::thread_pool::ThreadPool;
pub use crate::threads::{run_in_executor, to_thread};
pub use crate::time::scope::{timeout_scope, timeout_scope_at, Timeout};
pub use crate::time::sleep::{sleep, sleep_until, yield_now, Sleep};
pub use crate::time::timeout::{timeout, timeout_at, wait_for};
/// The rustls this crate was built with (feature `tls`), for its
/// `ClientConfig` and `ServerConfig`.
#[cfg(feature = "tls")]
pub use rustls;

// The attribute macros, from this workspace's `corio-macros`.

/// Runs an `async fn main` on a fresh loop: `asyncio.run(main())`.
///
/// ```
/// #[corio::main]
/// async fn main() {
///     corio::sleep(std::time::Duration::from_millis(1)).await;
/// }
/// ```
///
/// A function that is not `async` is a compile error:
///
/// ```compile_fail
/// #[corio::main]
/// fn main() {}
/// ```
pub use corio_macros::main;

/// The recipes of `docs/ecosystem.md`, compiled and run as doctests.
#[cfg(all(doctest, feature = "tls", feature = "hyper"))]
#[doc = include_str!("../docs/ecosystem.md")]
pub struct EcosystemRecipes;
/// Runs an `async fn` test on a fresh loop, with options
/// `#[corio::test(virtual_time, seed = 7, debug)]` in any combination:
/// `virtual_time` is [`Builder::virtual_time`], `seed = N` is
/// [`Builder::shuffle`] (a failing test prints the seed, to replay with
/// `CORIO_SEED`), `debug` is [`Builder::debug`].
///
/// Do not glob-import `corio::*` in a test module: this `test` would clash
/// with the standard one.
///
/// ```
/// #[corio::test(virtual_time)]
/// async fn an_hour_passes_at_once() {
///     let start = corio::time();
///     corio::sleep(std::time::Duration::from_secs(3600)).await;
///     assert_eq!(corio::time() - start, std::time::Duration::from_secs(3600));
/// }
/// ```
///
/// Misuse is a compile error at the token that shows it: an unknown option,
///
/// ```compile_fail
/// #[corio::test(virtual_clock)]
/// async fn typo() {}
/// ```
///
/// a seed that is not a number,
///
/// ```compile_fail
/// #[corio::test(seed = "seven")]
/// async fn not_a_number() {}
/// ```
///
/// or a function that is not `async`:
///
/// ```compile_fail
/// #[corio::test]
/// fn not_async() {}
/// ```
pub use corio_macros::test;

/// asyncio's `asyncio.queues`: the three queues, and what they are made of
/// — one generic [`AnyQueue`](queues::AnyQueue) over a sealed
/// [`Storage`](queues::Storage) — with the futures of `put` and `get`, for
/// code that names them or is generic over the kind of queue.
pub mod queues {
    pub use crate::sync::queue::{
        AnyQueue, Fifo, Get, Lifo, LifoQueue, Priority, PriorityQueue, Put, Queue, Storage,
    };
}

/// What the macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::macro_support::{no_ok_output, no_output, run_test};
}

/// The README's Rust example, compiled and run as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
