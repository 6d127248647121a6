//! `promise()`: asyncio's `Future` (`loop.create_future()`), JavaScript's
//! `Promise`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::completion::Completion;
use crate::error::TaskError;

/// A value that will be set later, by whoever holds the [`Resolver`]:
/// asyncio's `loop.create_future()`.
///
/// The [`Resolver`] is `Send` (when `T` is), so a callback on another thread
/// can settle the promise, which wakes the loop.
///
/// # Examples
///
/// Wrapping a callback-style API, as one wraps one in a JavaScript `Promise`:
///
/// ```
/// use std::time::Duration;
///
/// fn fetch_later(on_done: impl FnOnce(Result<u32, String>) + Send + 'static) {
///     std::thread::spawn(move || {
///         std::thread::sleep(Duration::from_millis(1));
///         on_done(Ok(200));
///     });
/// }
///
/// let status = corio::run(async {
///     let (promise, resolver) = corio::promise();
///     fetch_later(move |result| match result {
///         Ok(status) => resolver.resolve(status),
///         Err(_) => resolver.cancel(),
///     });
///     promise.await
/// });
/// assert_eq!(status.unwrap(), 200);
/// ```
pub fn promise<T>() -> (Promise<T>, Resolver<T>) {
    let completion = Arc::new(Completion::new());
    (Promise { completion: completion.clone() }, Resolver { completion: Some(completion) })
}

/// The awaiting half of [`promise()`]: it resolves to the value, or to a
/// [`TaskError`] if the resolver cancelled it or was dropped.
pub struct Promise<T> {
    completion: Arc<Completion<T>>,
}

impl<T> Promise<T> {
    pub(crate) fn into_completion(self) -> Arc<Completion<T>> {
        self.completion
    }

    /// True once settled: resolved or cancelled.
    pub fn done(&self) -> bool {
        self.completion.is_settled()
    }

    /// True if settled by cancellation.
    pub fn cancelled(&self) -> bool {
        self.completion.is_cancelled()
    }
}

impl<T: 'static> Promise<T> {
    /// Calls `callback` on the running loop once the promise is settled, at
    /// the earliest on the loop's next turn, as asyncio schedules done
    /// callbacks with `call_soon`.
    ///
    /// # Panics
    ///
    /// Panics with "no running event loop" outside a running loop.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// corio::run(async {
    ///     let (promise, resolver) = corio::promise::<u8>();
    ///     let seen = Rc::new(Cell::new(false));
    ///     let flag = seen.clone();
    ///     promise.add_done_callback(move |p| flag.set(p.done()));
    ///     resolver.resolve(1);
    ///     assert_eq!(promise.await.unwrap(), 1);
    ///     corio::yield_now().await;
    ///     assert!(seen.get());
    /// });
    /// ```
    #[track_caller]
    pub fn add_done_callback(&self, callback: impl FnOnce(&Promise<T>) + 'static) {
        let promise = Promise { completion: self.completion.clone() };
        crate::task::spawn::create_task_next_turn(async move {
            let mut registered = false;
            std::future::poll_fn(|cx| promise.completion.poll_settled(cx, &mut registered)).await;
            callback(&promise);
        });
    }
}

impl<T> Future for Promise<T> {
    type Output = Result<T, TaskError>;

    /// # Panics
    ///
    /// Panics if polled again after it returned `Ready`.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.completion.poll_result(cx)
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Promise").field("done", &self.done()).finish()
    }
}

/// The settling half of [`promise()`]. Dropping it unresolved cancels the
/// promise, so an awaiter never hangs on a resolver that is gone.
pub struct Resolver<T> {
    completion: Option<Arc<Completion<T>>>,
}

impl<T> Resolver<T> {
    /// Settles the promise with `value`.
    pub fn resolve(mut self, value: T) {
        self.settle(Ok(value));
    }

    /// Settles the promise as cancelled.
    pub fn cancel(mut self) {
        self.settle(Err(TaskError::cancelled(None)));
    }

    pub(crate) fn settle(&mut self, result: Result<T, TaskError>) {
        if let Some(completion) = self.completion.take() {
            completion.settle(result);
        }
    }
}

impl<T> Drop for Resolver<T> {
    fn drop(&mut self) {
        self.settle(Err(TaskError::cancelled(None)));
    }
}

impl<T> fmt::Debug for Resolver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver").finish_non_exhaustive()
    }
}
