//! `run` and `Runner`: asyncio's `asyncio.run` and `asyncio.Runner`.

use std::future::Future;
use std::io;
use std::time::Duration;

use super::event_loop::EventLoop;
use crate::thread_pool::ThreadPool;

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
        Builder { config: LoopConfig::new() }
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
    config: LoopConfig,
}

impl Builder {
    /// Debug mode (asyncio's `debug=True`; on by default if `CORIO_DEBUG=1`
    /// is set): a callback or task step slower than
    /// [`slow_callback_duration`](Builder::slow_callback_duration) is
    /// reported to the exception handler (`Executing <Task name='…'> took
    /// 0.150 seconds`), and so is every task still pending when the loop
    /// closes ("Task was destroyed but it is pending!"), with its name and
    /// creation site. Panics nobody retrieves are reported in any mode.
    pub fn debug(mut self, enabled: bool) -> Builder {
        self.config.debug = enabled;
        self
    }

    /// A virtual clock for tests: it starts at the instant the loop is made
    /// and moves only when the loop has nothing else to do — then it jumps
    /// exactly to the next timer — or when [`testing::advance`] moves it.
    /// A test that sleeps an hour takes microseconds.
    ///
    /// The clock jumps only when no task or callback is ready, a
    /// non-blocking look at the reactor finds nothing, nothing came from
    /// another thread, and no [`to_thread`](crate::to_thread) job is in
    /// flight. Real sockets still work: their events count as something to
    /// do, and while a socket waits on its peer the virtual clock may jump.
    ///
    /// [`testing::advance`]: crate::testing::advance
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    /// let wall = Instant::now();
    /// let slept = runner.run(async {
    ///     let start = corio::time();
    ///     corio::sleep(Duration::from_secs(3600)).await;
    ///     corio::time() - start
    /// });
    /// assert_eq!(slept, Duration::from_secs(3600));
    /// assert!(wall.elapsed() < Duration::from_secs(60));
    /// ```
    pub fn virtual_time(mut self, enabled: bool) -> Builder {
        self.config.virtual_time = enabled;
        self
    }

    /// Runs the ready work of each turn in a pseudo-random order drawn from
    /// `seed`, to flush out bugs that depend on the order: the same seed
    /// gives the same order, always. The environment variable `CORIO_SEED`
    /// overrides `seed`, to replay a failure.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// fn order(seed: u64) -> Vec<u32> {
    ///     let log = Rc::new(RefCell::new(Vec::new()));
    ///     let mut runner = corio::Runner::builder().shuffle(seed).build().unwrap();
    ///     let inner = log.clone();
    ///     runner.run(async move {
    ///         for i in 0..8 {
    ///             let log = inner.clone();
    ///             corio::create_task(async move { log.borrow_mut().push(i) });
    ///         }
    ///         corio::yield_now().await;
    ///     });
    ///     let order = log.borrow().clone();
    ///     order
    /// }
    /// if std::env::var_os("CORIO_SEED").is_none() {
    ///     assert_eq!(order(7), order(7));
    ///     assert_ne!(order(7), order(8));
    /// }
    /// ```
    pub fn shuffle(mut self, seed: u64) -> Builder {
        self.config.shuffle = Some(seed);
        self
    }

    /// Whether a run that waits for ever, with nothing left that could wake
    /// it, ends with a panic "deadlock: every task is waiting and nothing
    /// can wake them" and the task tree (on by default). Under virtual time
    /// it is always on: such a test could only hang.
    ///
    /// The loop only says so when it can prove it: no ready work, no
    /// timer, no socket, pipe, child or signal a task waits on, no
    /// thread-pool job, no [`LoopHandle`](crate::LoopHandle) outside the
    /// loop, and every waker of every waiting task kept by corio's own
    /// primitives of this thread. When it cannot tell, it waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    /// let stuck = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     runner.run(async { corio::Event::new().wait().await })
    /// }));
    /// let message = stuck.unwrap_err().downcast::<String>().unwrap();
    /// assert!(message.starts_with("deadlock: every task is waiting and nothing can wake them"));
    /// ```
    pub fn detect_deadlocks(mut self, enabled: bool) -> Builder {
        self.config.detect_deadlocks = enabled;
        self
    }

    /// Whether [`create_task`](crate::create_task) (and everything that
    /// makes a task for the user: `TaskGroup::create_task`, `shield`, a
    /// server's connection handlers) starts tasks eagerly, as
    /// [`create_eager_task`](crate::create_eager_task) does: asyncio's
    /// `loop.set_task_factory(asyncio.eager_task_factory)`. Off by default.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut runner = corio::Runner::builder().eager_tasks(true).build().unwrap();
    /// runner.run(async {
    ///     let task = corio::create_task(async { 7 });
    ///     assert!(task.done(), "it finished inside create_task");
    ///     assert_eq!(task.await.unwrap(), 7);
    /// });
    /// ```
    pub fn eager_tasks(mut self, enabled: bool) -> Builder {
        self.config.eager_tasks = enabled;
        self
    }

    /// How long a callback or task step may take before debug mode reports
    /// it (100 ms by default, as asyncio's).
    pub fn slow_callback_duration(mut self, duration: Duration) -> Builder {
        self.config.slow_callback_duration = duration;
        self
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
        self.config.thread_pool_size = size;
        self
    }

    /// Makes the runner.
    ///
    /// # Errors
    ///
    /// Fails if the OS refuses an epoll instance, an eventfd or a timerfd.
    pub fn build(self) -> io::Result<Runner> {
        let config = LoopConfig { shuffle: self.seed(), ..self.config };
        Ok(Runner { event_loop: EventLoop::with_config(config)? })
    }

    /// The seed the runner shuffles with, if it shuffles (after
    /// `CORIO_SEED`), for reports that let a failure be replayed.
    pub fn seed(&self) -> Option<u64> {
        self.config.shuffle.map(|seed| seed_from_env().unwrap_or(seed))
    }
}

/// How a loop is set up: what `Runner::builder()` decides.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoopConfig {
    pub(crate) thread_pool_size: usize,
    pub(crate) virtual_time: bool,
    pub(crate) shuffle: Option<u64>,
    pub(crate) debug: bool,
    pub(crate) slow_callback_duration: Duration,
    pub(crate) detect_deadlocks: bool,
    pub(crate) eager_tasks: bool,
}

impl LoopConfig {
    /// asyncio's defaults; debug mode is on if `CORIO_DEBUG=1`, as
    /// `PYTHONASYNCIODEBUG=1` turns it on in asyncio.
    pub(crate) fn new() -> LoopConfig {
        LoopConfig {
            thread_pool_size: ThreadPool::default_size(),
            virtual_time: false,
            shuffle: None,
            debug: std::env::var("CORIO_DEBUG").is_ok_and(|value| !value.is_empty() && value != "0"),
            slow_callback_duration: Duration::from_millis(100),
            detect_deadlocks: true,
            eager_tasks: false,
        }
    }
}

/// `CORIO_SEED`, if set to a number.
fn seed_from_env() -> Option<u64> {
    std::env::var("CORIO_SEED").ok()?.trim().parse().ok()
}
