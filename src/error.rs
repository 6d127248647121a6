//! The crate's errors, in the spirit of `asyncio.exceptions`.
//!
//! Each type is specific and opaque where its inside may change, implements
//! [`std::error::Error`] and says in its message what went wrong. I/O failures
//! stay [`std::io::Error`].

use std::any::Any;
use std::fmt;

use parking_lot::Mutex;

/// Why a task, promise or thread job has no value: it was cancelled, or it
/// panicked.
///
/// This is what `await task` raising means in asyncio: `CancelledError` when
/// [`is_cancelled`](TaskError::is_cancelled), the task's own exception when
/// [`is_panic`](TaskError::is_panic). The panic payload sits behind a lock so
/// that `TaskError` is `Send + Sync` and converts into `io::Error` or
/// `Box<dyn Error + Send + Sync>`.
///
/// # Examples
///
/// ```
/// let err = corio::run(async {
///     let task = corio::create_task(async { panic!("boom") });
///     task.await.unwrap_err()
/// });
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "task Task-2 panicked: boom");
/// ```
#[doc(alias = "CancelledError")]
pub struct TaskError {
    // Boxed: a task's output slot holds a `Result<T, TaskError>`, and an
    // error is rare, so one pointer keeps every task smaller.
    inner: Box<Inner>,
}

struct Inner {
    repr: Repr,
    task: Option<String>,
}

enum Repr {
    Cancelled,
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

impl TaskError {
    pub(crate) fn cancelled(task: Option<String>) -> TaskError {
        TaskError { inner: Box::new(Inner { repr: Repr::Cancelled, task }) }
    }

    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>, task: Option<String>) -> TaskError {
        TaskError { inner: Box::new(Inner { repr: Repr::Panic(Mutex::new(payload)), task }) }
    }

    /// True if the task was cancelled (asyncio's `CancelledError`).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.inner.repr, Repr::Cancelled)
    }

    /// True if the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.inner.repr, Repr::Panic(_))
    }

    /// The panic payload, to hand to [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// Panics if the error is a cancellation; see
    /// [`try_into_panic`](TaskError::try_into_panic).
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().expect("`TaskError::into_panic` called on a cancellation")
    }

    /// The panic payload, or the error itself back if it is a cancellation.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, TaskError> {
        match self.inner.repr {
            Repr::Panic(payload) => Ok(payload.into_inner()),
            Repr::Cancelled => Err(TaskError::cancelled(self.inner.task)),
        }
    }

    /// The panic message, when the payload is a string (as `panic!` makes).
    pub(crate) fn panic_message(&self) -> Option<String> {
        match &self.inner.repr {
            Repr::Panic(payload) => Some(panic_message(&**payload.lock())),
            Repr::Cancelled => None,
        }
    }
}

/// The text of a panic payload: the message for `&str` and `String`
/// payloads, a placeholder otherwise.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("TaskError");
        if let Some(task) = &self.inner.task {
            d.field("task", task);
        }
        match &self.inner.repr {
            Repr::Cancelled => d.field("cancelled", &true),
            Repr::Panic(_) => d.field("panic", &self.panic_message()),
        };
        d.finish()
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.task {
            Some(task) => write!(f, "task {task} ")?,
            None => f.write_str("task ")?,
        }
        match &self.inner.repr {
            Repr::Cancelled => f.write_str("was cancelled"),
            Repr::Panic(_) => write!(f, "panicked: {}", self.panic_message().unwrap_or_default()),
        }
    }
}

impl std::error::Error for TaskError {}

impl From<TaskError> for std::io::Error {
    fn from(err: TaskError) -> std::io::Error {
        std::io::Error::other(err)
    }
}

/// The deadline passed before the operation finished (asyncio's `TimeoutError`).
///
/// # Examples
///
/// ```
/// assert_eq!(corio::TimeoutError::new().to_string(), "deadline has elapsed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeoutError(());

impl TimeoutError {
    /// A new `TimeoutError`.
    pub fn new() -> TimeoutError {
        TimeoutError(())
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for TimeoutError {}

impl From<TimeoutError> for std::io::Error {
    fn from(err: TimeoutError) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, err)
    }
}

/// The event loop was closed, so it can take no more work (asyncio raises
/// `RuntimeError('Event loop is closed')`).
///
/// # Examples
///
/// ```
/// let handle = corio::run(async { corio::get_running_loop() });
/// let err = handle.call_soon_threadsafe(|| {}).unwrap_err();
/// assert_eq!(err.to_string(), "event loop is closed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopClosedError(pub(crate) ());

impl fmt::Display for LoopClosedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("event loop is closed")
    }
}

impl std::error::Error for LoopClosedError {}

/// A value was out of range for the call (asyncio raises `ValueError`): a
/// `BoundedSemaphore` released above its initial value, `task_done` called
/// more times than items were put.
///
/// # Examples
///
/// ```
/// let sem = corio::BoundedSemaphore::new(1);
/// let err = sem.release().unwrap_err();
/// assert_eq!(err.to_string(), "BoundedSemaphore released too many times");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueError {
    message: &'static str,
}

impl ValueError {
    pub(crate) fn new(message: &'static str) -> ValueError {
        ValueError { message }
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for ValueError {}

/// A [`Barrier`](crate::Barrier) was broken (aborted, or reset while tasks
/// waited): asyncio's `BrokenBarrierError`.
///
/// # Examples
///
/// ```
/// let barrier = corio::Barrier::new(2);
/// barrier.abort();
/// let err = corio::run(async move { barrier.wait().await }).unwrap_err();
/// assert_eq!(err.to_string(), "the barrier is broken");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BrokenBarrierError(pub(crate) ());

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the barrier is broken")
    }
}

impl std::error::Error for BrokenBarrierError {}

/// Why [`Queue::put`](crate::Queue::put) or
/// [`put_nowait`](crate::Queue::put_nowait) failed; the item comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue is full (asyncio's `QueueFull`); only from `put_nowait`.
    Full(T),
    /// The queue was shut down (asyncio's `QueueShutDown`).
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::ShutDown(item) => item,
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("the queue is full"),
            PutError::ShutDown(_) => f.write_str("the queue is shut down"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for PutError<T> {}

/// Why [`Queue::get`](crate::Queue::get) or
/// [`get_nowait`](crate::Queue::get_nowait) failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// The queue is empty (asyncio's `QueueEmpty`); only from `get_nowait`.
    Empty,
    /// The queue was shut down and is empty (asyncio's `QueueShutDown`).
    ShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Empty => f.write_str("the queue is empty"),
            GetError::ShutDown => f.write_str("the queue is shut down"),
        }
    }
}

impl std::error::Error for GetError {}

/// `readexactly` met the end of the stream first (asyncio's
/// `IncompleteReadError`); it arrives inside an `io::Error` of kind
/// `UnexpectedEof`, reached with `get_ref()` and `downcast_ref()`.
///
/// # Examples
///
/// ```
/// let err = corio::IncompleteReadError { partial: vec![0; 18], expected: Some(36) };
/// assert_eq!(err.to_string(), "18 bytes read on a total of 36 expected bytes");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteReadError {
    /// The bytes read before the end of the stream.
    pub partial: Vec<u8>,
    /// How many bytes were expected; `None` for `readuntil`.
    pub expected: Option<usize>,
}

impl fmt::Display for IncompleteReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expected {
            Some(expected) => {
                write!(f, "{} bytes read on a total of {expected} expected bytes", self.partial.len())
            }
            None => write!(f, "{} bytes read on a total of undefined expected bytes", self.partial.len()),
        }
    }
}

impl std::error::Error for IncompleteReadError {}

/// The separator was not found within the reader's limit (asyncio's
/// `LimitOverrunError`); it arrives inside an `io::Error` of kind
/// `InvalidData`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitOverrunError {
    /// How many bytes were looked at.
    pub consumed: usize,
    message: &'static str,
}

impl LimitOverrunError {
    pub(crate) fn new(message: &'static str, consumed: usize) -> LimitOverrunError {
        LimitOverrunError { consumed, message }
    }
}

impl fmt::Display for LimitOverrunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for LimitOverrunError {}
