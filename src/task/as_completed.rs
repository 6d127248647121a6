//! `as_completed`: outputs in the order the futures finish.

use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::gather::Children;

/// Runs `futures` concurrently in the current task and yields their outputs
/// in the order they finish: `asyncio.as_completed(aws)`.
///
/// Like [`gather`](fn@crate::gather), the futures are polled in place and a
/// wake-up costs O(1).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use futures_lite::StreamExt;
///
/// corio::run(async {
///     let finished: Vec<u64> = corio::as_completed([30, 10, 20].map(|ms| async move {
///         corio::sleep(Duration::from_millis(ms)).await;
///         ms
///     }))
///     .collect()
///     .await;
///     assert_eq!(finished, [10, 20, 30]);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the stream drops every unfinished future; a [`Task`] among them
/// that was being awaited is cancelled. asyncio's `as_completed` leaves its
/// awaitables running instead, because it wraps each in a task; to keep
/// tasks running past an abandoned stream, lend them:
/// `as_completed(tasks.iter_mut())`.
///
/// [`Task`]: crate::Task
pub fn as_completed<F: Future>(futures: impl IntoIterator<Item = F>) -> AsCompleted<F> {
    AsCompleted { children: Children::new(futures) }
}

/// The stream of [`as_completed`].
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<F: Future> {
    children: Children<F>,
}

impl<F: Future> Stream for AsCompleted<F> {
    type Item = F::Output;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        if self.children.remaining() == 0 {
            return Poll::Ready(None);
        }
        match self.children.poll_woken(cx, |_, output| ControlFlow::Break(output)) {
            ControlFlow::Break(output) => Poll::Ready(Some(output)),
            ControlFlow::Continue(()) => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.children.remaining(), Some(self.children.remaining()))
    }
}

impl<F: Future> fmt::Debug for AsCompleted<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").field("remaining", &self.children.remaining()).finish()
    }
}
