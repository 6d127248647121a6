//! `run` and `Runner`: asyncio's `asyncio.run` and `asyncio.Runner`.

use std::future::Future;
use std::io;
use std::time::Duration;

use super::event_loop::EventLoop;
use crate::threads::ThreadPool;

/// Runs `future` on a new event loop and returns its output: `asyncio.run`.
///
/// The future runs as the loop's main task. When it completes, every task
/// still pending is cancelled and the loop turns until their destructors
/// have run (with the loop still current); then the thread pool is shut down
/// and the loop closed.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let greeting = corio::run(async {
///     corio::sleep(Duration::from_millis(1)).await;
///     "hello"
/// });
/// assert_eq!(greeting, "hello");
/// ```
///
/// # Panics
///
/// A panic of `future` is re-raised, with its original payload, after the
/// cleanup. Panics with "cannot be called from a running event loop" when
/// called inside a running loop, and if the OS refuses a reactor.
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    let mut runner = Runner::new();
    let output = runner.event_loop().run_until_complete_catching(future);
    runner.close();
    match output {
        Ok(output) => output,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// One event loop that runs several futures in turn: `asyncio.Runner`.
///
/// Tasks created during one [`run`](Runner::run) live on into the next.
/// [`close`](Runner::close) (or dropping the runner) cancels what is left and
/// closes the loop, as [`run`](crate::run) does.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let mut runner = corio::Runner::new();
/// let task = runner.run(async { corio::create_task(async { 42 }) });
/// // The task was created in the first run and finishes in the second.
/// assert_eq!(runner.run(task).unwrap(), 42);
/// runner.close();
/// ```
#[derive(Debug)]
pub struct Runner {
    event_loop: EventLoop,
}

impl Runner {
    /// A runner with the default options.
    ///
    /// # Panics
    ///
    /// Panics if the OS refuses a reactor; [`Runner::builder`] returns the
    /// error instead.
    pub fn new() -> Runner {
        match Runner::builder().build() {
            Ok(runner) => runner,
            Err(err) => panic!("failed to create an event loop: {err}"),
        }
    }

    /// A builder for a runner with options.
    pub fn builder() -> Builder {
        Builder { thread_pool_size: ThreadPool::default_size(), unsupported: None }
    }

    /// Runs `future` on the runner's loop until it completes.
    ///
    /// # Panics
    ///
    /// Re-raises a panic of `future`; the runner stays usable. Panics if
    /// called inside a running loop, or after [`close`](Runner::close).
    #[track_caller]
    pub fn run<F: Future>(&mut self, future: F) -> F::Output {
        self.event_loop.run_until_complete(future)
    }

    /// The runner's loop.
    pub fn event_loop(&self) -> &EventLoop {
        &self.event_loop
    }

    /// Cancels the tasks still pending, lets their destructors run, shuts the
    /// thread pool down and closes the loop. Closing twice does nothing.
    pub fn close(&mut self) {
        self.event_loop.cancel_all_tasks();
        self.event_loop.close();
    }
}

impl Default for Runner {
    fn default() -> Runner {
        Runner::new()
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if !self.event_loop.is_running() {
            self.close();
        }
    }
}

/// Options for a [`Runner`].
///
/// # Examples
///
/// ```
/// let mut runner = corio::Runner::builder().thread_pool_size(2).build().unwrap();
/// assert_eq!(runner.run(corio::to_thread(|| 1 + 1)).unwrap(), 2);
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct Builder {
    thread_pool_size: usize,
    /// The first option asked for that this version does not implement yet.
    unsupported: Option<&'static str>,
}

impl Builder {
    /// Debug mode (asyncio's `debug=True`). **Not implemented yet:**
    /// `build` returns an `Unsupported` error if it is turned on.
    pub fn debug(self, enabled: bool) -> Builder {
        self.unsupported_if(enabled, "debug")
    }

    /// A virtual clock for tests. **Not implemented yet:** `build` returns an
    /// `Unsupported` error if it is turned on.
    pub fn virtual_time(self, enabled: bool) -> Builder {
        self.unsupported_if(enabled, "virtual_time")
    }

    /// Seeded shuffling of each turn's ready work. **Not implemented yet:**
    /// `build` returns an `Unsupported` error.
    pub fn shuffle(self, seed: u64) -> Builder {
        let _ = seed;
        self.unsupported_if(true, "shuffle")
    }

    /// The threshold above which debug mode reports a slow callback. **Not
    /// implemented yet** (it goes with debug mode): `build` returns an
    /// `Unsupported` error.
    pub fn slow_callback_duration(self, duration: Duration) -> Builder {
        let _ = duration;
        self.unsupported_if(true, "slow_callback_duration")
    }

    /// The most threads [`to_thread`](crate::to_thread) may use (default
    /// `min(32, cpus + 4)`, as asyncio's default executor).
    ///
    /// # Panics
    ///
    /// Panics if `size` is zero.
    #[track_caller]
    pub fn thread_pool_size(mut self, size: usize) -> Builder {
        assert!(size > 0, "thread_pool_size must be at least 1");
        self.thread_pool_size = size;
        self
    }

    /// Makes the runner.
    ///
    /// # Errors
    ///
    /// Fails if the OS refuses an epoll instance, an eventfd or a timerfd, or
    /// with `ErrorKind::Unsupported` if an option that is not implemented
    /// yet was turned on.
    pub fn build(self) -> io::Result<Runner> {
        if let Some(option) = self.unsupported {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("the Runner option `{option}` is not implemented yet"),
            ));
        }
        Ok(Runner { event_loop: EventLoop::with_thread_pool_size(self.thread_pool_size)? })
    }

    fn unsupported_if(mut self, enabled: bool, option: &'static str) -> Builder {
        if enabled && self.unsupported.is_none() {
            self.unsupported = Some(option);
        }
        self
    }
}
