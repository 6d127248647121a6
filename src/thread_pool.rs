//! `ThreadPool`: threads for blocking work, asyncio's default
//! `ThreadPoolExecutor`. It runs jobs and knows nothing of loops; handing a
//! job's result back to a loop is `threads.rs`'s.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex};

/// A unit of work for the pool.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

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

    /// Queues `job` for a thread, starting one if none is idle and the pool
    /// has room. After shutdown the job is dropped, not run.
    pub(crate) fn execute(&self, job: Job) {
        let mut state = self.inner.state.lock();
        if state.shutdown {
            drop(state);
            drop(job);
            return;
        }
        state.jobs.push_back(job);
        if state.jobs.len() > state.idle && state.threads.len() < self.inner.max_threads {
            let inner = self.inner.clone();
            let name = format!("corio-pool-{}", state.threads.len());
            match std::thread::Builder::new().name(name).spawn(move || inner.work_loop()) {
                Ok(thread) => state.threads.push(thread),
                // The job stays queued for the threads that exist; with none
                // at all, it is dropped.
                Err(_) if state.threads.is_empty() => {
                    let job = state.jobs.pop_back();
                    drop(state);
                    drop(job);
                }
                Err(_) => {}
            }
        } else {
            self.inner.work.notify_one();
        }
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
            // A job's own panics are its business (`threads.rs` hands them
            // to the awaiter); one that still escapes — a result nobody
            // awaited, panicking as it is dropped here — must not kill the
            // thread, or the pool would run short for ever.
            let _ = catch_unwind(AssertUnwindSafe(job));
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
