//! Running blocking functions off the loop: `to_thread` and
//! `run_in_executor` (Kotlin's `Dispatchers.IO`), on a [`ThreadPool`].

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::TaskError;
use crate::runtime::context;
use crate::runtime::shared::JobInFlight;
use crate::task::promise::{promise, Promise};
use crate::thread_pool::ThreadPool;

/// Runs `f` on `pool`; the promise settles with its value, or with a panic
/// [`TaskError`], or cancelled if the pool is shut down.
fn submit<F, R>(pool: &ThreadPool, f: F, in_flight: Option<JobInFlight>) -> Promise<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let (promise, mut resolver) = promise();
    pool.execute(Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(f)).map_err(|payload| TaskError::panic(payload, None));
        resolver.settle(result);
        // Only now: the result's wake-up is already on its way.
        drop(in_flight);
    }));
    promise
}

/// Runs the blocking function `f` on the running loop's thread pool and
/// waits for it: `asyncio.to_thread(f)`.
///
/// `f` is submitted when the future is first polled. A panic in `f` comes
/// back as a [`TaskError`] whose `is_panic()` is true.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let loop_thread = std::thread::current().id();
///     let worker = corio::to_thread(|| std::thread::current().id()).await.unwrap();
///     assert_ne!(worker, loop_thread);
/// });
/// ```
///
/// # Panics
///
/// Polling it outside a running loop panics with "no running event loop".
///
/// # Cancel safety
///
/// Dropping the future does not stop `f` (a thread cannot be interrupted);
/// its result is dropped when it ends.
pub async fn to_thread<F, R>(f: F) -> Result<R, TaskError>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let core = context::expect_current();
    let in_flight = core.shared().job_in_flight();
    let promise = submit(core.thread_pool(), f, Some(in_flight));
    promise.await
}

/// Runs the blocking function `f` on `pool`: `loop.run_in_executor(pool, f)`.
///
/// `f` is submitted at once; the returned [`Promise`] settles with its
/// value, or with a panic [`TaskError`], or cancelled if the pool was shut
/// down. Called in a loop with virtual time, the job holds the clock still
/// while it runs, as a `to_thread` does.
///
/// # Examples
///
/// ```
/// let pool = corio::ThreadPool::new(1);
/// let promise = corio::run_in_executor(&pool, || "computed");
/// assert_eq!(corio::run(promise).unwrap(), "computed");
/// ```
pub fn run_in_executor<F, R>(pool: &ThreadPool, f: F) -> Promise<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let in_flight = context::with_current(|core| core.map(|core| core.shared().job_in_flight()));
    submit(pool, f, in_flight)
}
