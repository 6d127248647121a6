//! Running blocking functions off the loop: `to_thread`, `run_in_executor`
//! and `ThreadPool` (asyncio's default `ThreadPoolExecutor`; Kotlin's
//! `Dispatchers.IO`).

use std::collections::VecDeque;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};

use crate::error::TaskError;
use crate::runtime::context;
use crate::runtime::shared::JobInFlight;
use crate::task::promise::{promise, Promise};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// A pool of threads for blocking work.
///
/// Threads start lazily, one per job that finds no idle thread, up to
/// `max_threads`; none exists before the first job. They live until
/// [`shutdown`](ThreadPool::shutdown), which finishes the queued jobs first.
///
/// # Examples
///
/// ```
/// let pool = corio::ThreadPool::new(2);
/// let sum = corio::run(async { corio::run_in_executor(&pool, || (1..=10).sum::<u32>()).await });
/// assert_eq!(sum.unwrap(), 55);
/// pool.shutdown();
/// ```
pub struct ThreadPool {
    inner: Arc<Inner>,
}

struct Inner {
    max_threads: usize,
    state: Mutex<State>,
    work: Condvar,
}

struct State {
    jobs: VecDeque<Job>,
    threads: Vec<JoinHandle<()>>,
    idle: usize,
    shutdown: bool,
}

impl ThreadPool {
    /// A pool of at most `max_threads` threads.
    ///
    /// # Panics
    ///
    /// Panics if `max_threads` is zero.
    #[track_caller]
    pub fn new(max_threads: usize) -> ThreadPool {
        assert!(max_threads > 0, "a ThreadPool needs at least one thread");
        ThreadPool {
            inner: Arc::new(Inner {
                max_threads,
                state: Mutex::new(State {
                    jobs: VecDeque::new(),
                    threads: Vec::new(),
                    idle: 0,
                    shutdown: false,
                }),
                work: Condvar::new(),
            }),
        }
    }

    /// asyncio's default size: `min(32, cpus + 4)`.
    pub fn default_size() -> usize {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        (cpus + 4).min(32)
    }

    /// The most threads this pool starts.
    pub fn max_threads(&self) -> usize {
        self.inner.max_threads
    }

    /// Runs `f` on the pool; the promise settles with its value, or with a
    /// panic [`TaskError`]. After shutdown the promise is cancelled.
    pub(crate) fn submit<F, R>(&self, f: F, in_flight: Option<JobInFlight>) -> Promise<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (promise, mut resolver) = promise();
        let job: Job = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(f)).map_err(|payload| TaskError::panic(payload, None));
            resolver.settle(result);
            // Only now: the result's wake-up is already on its way.
            drop(in_flight);
        });
        let mut state = self.inner.state.lock();
        if state.shutdown {
            return promise; // the job, and with it the resolver, is dropped
        }
        state.jobs.push_back(job);
        if state.jobs.len() > state.idle && state.threads.len() < self.inner.max_threads {
            let inner = self.inner.clone();
            let name = format!("corio-pool-{}", state.threads.len());
            match std::thread::Builder::new().name(name).spawn(move || inner.work_loop()) {
                Ok(thread) => state.threads.push(thread),
                // The job stays queued for the threads that exist; with none
                // at all, it is dropped and the promise cancelled.
                Err(_) if state.threads.is_empty() => drop(state.jobs.pop_back()),
                Err(_) => {}
            }
        } else {
            self.inner.work.notify_one();
        }
        promise
    }

    /// Lets the queued jobs finish, then stops and joins every thread. Later
    /// submissions are cancelled. Calling it twice does nothing more.
    pub fn shutdown(&self) {
        let threads = {
            let mut state = self.inner.state.lock();
            state.shutdown = true;
            std::mem::take(&mut state.threads)
        };
        self.inner.work.notify_all();
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Inner {
    fn work_loop(&self) {
        loop {
            let job = {
                let mut state = self.state.lock();
                loop {
                    if let Some(job) = state.jobs.pop_front() {
                        break job;
                    }
                    if state.shutdown {
                        return;
                    }
                    state.idle += 1;
                    self.work.wait(&mut state);
                    state.idle -= 1;
                }
            };
            job();
        }
    }
}

impl Drop for ThreadPool {
    /// Tells the threads to exit once the queue is empty, without waiting
    /// for them; [`shutdown`](ThreadPool::shutdown) waits.
    fn drop(&mut self) {
        self.inner.state.lock().shutdown = true;
        self.inner.work.notify_all();
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state.lock();
        f.debug_struct("ThreadPool")
            .field("max_threads", &self.inner.max_threads)
            .field("threads", &state.threads.len())
            .field("queued", &state.jobs.len())
            .finish()
    }
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
    let promise = core.thread_pool().submit(f, Some(in_flight));
    promise.await
}

/// Runs the blocking function `f` on `pool`: `loop.run_in_executor(pool, f)`.
///
/// `f` is submitted at once; the returned [`Promise`] settles with its
/// value, or with a panic [`TaskError`], or cancelled if the pool was shut
/// down.
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
    pool.submit(f, None)
}
