//! `wait_for`, `timeout` and `timeout_at`: a deadline on any future.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use super::sleep::{sleep, sleep_until, Sleep};
use crate::error::TimeoutError;

/// Runs `future` with a time limit: `asyncio.wait_for(aw, timeout)`.
///
/// The deadline is fixed when `wait_for` is called. If `future` is not done
/// by then, it is dropped (cancelled), its destructors run, and only then is
/// `Err(TimeoutError)` returned. A result ready in the same turn as the
/// deadline wins over the timeout.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let fast = corio::wait_for(Duration::from_secs(1), async { 1 }).await;
///     assert_eq!(fast, Ok(1));
///     let slow = corio::wait_for(Duration::from_millis(1), corio::sleep(Duration::from_secs(3600))).await;
///     assert_eq!(slow, Err(corio::TimeoutError::new()));
/// });
/// ```
///
/// # Panics
///
/// Polling it outside a running loop panics with "no running event loop".
///
/// # Cancel safety
///
/// Dropping the returned future drops `future` and disarms the timer.
pub fn wait_for<F: Future>(
    timeout: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, TimeoutError>> {
    with_deadline(sleep(timeout), future)
}

/// The same as [`wait_for`], with the arguments in tokio's order.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     assert!(corio::timeout(Duration::from_millis(1), std::future::pending::<()>()).await.is_err());
/// });
/// ```
pub fn timeout<F: Future>(
    duration: Duration,
    future: F,
) -> impl Future<Output = Result<F::Output, TimeoutError>> {
    with_deadline(sleep(duration), future)
}

/// As [`wait_for`], with a deadline on the loop's clock instead of a delay:
/// `asyncio.timeout_at(when)`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let when = corio::time() + Duration::from_millis(1);
///     assert!(corio::timeout_at(when, std::future::pending::<()>()).await.is_err());
///     assert!(corio::time() >= when);
/// });
/// ```
pub fn timeout_at<F: Future>(
    when: Instant,
    future: F,
) -> impl Future<Output = Result<F::Output, TimeoutError>> {
    with_deadline(sleep_until(when), future)
}

async fn with_deadline<F: Future>(deadline: Sleep, future: F) -> Result<F::Output, TimeoutError> {
    let mut deadline = pin!(deadline);
    // An async fn drops its locals before it returns, so on a timeout the
    // future's destructors have run when the caller sees the error, as
    // asyncio's `finally` blocks run before `wait_for` raises.
    let mut future = pin!(future);
    poll_fn(|cx| {
        // The future first: a result ready in the deadline's turn wins.
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        deadline.as_mut().poll(cx).map(|()| Err(TimeoutError::new()))
    })
    .await
}
