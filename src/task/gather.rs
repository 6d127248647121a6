//! `gather` and `try_gather`: run many futures concurrently inside one task
//! and collect their outputs in input order (`asyncio.gather`).
//!
//! # Implementation
//!
//! [`gather`](fn@gather) over an iterator keeps each child boxed, with a waker of its
//! own that records the child's index in a shared ready list and wakes the
//! parent. The parent polls only the children in that list, so a wake-up
//! costs O(woken), never O(n), as `FuturesUnordered` does. Each poll of the
//! parent handles the children that were ready when it began: a child that
//! wakes itself (a `yield_now`) runs again on the parent's next turn, as it
//! would as a task of its own.
//!
//! The [`gather!`](crate::gather!) macro, for a fixed number of futures of
//! different types, pins each one on the stack and polls every unfinished
//! one on each wake-up: with a handful of futures that is cheaper than
//! bookkeeping, and it needs no allocation.

use std::convert::Infallible;
use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use parking_lot::Mutex;

/// Children of one gather, with the list of those woken since last polled.
pub(crate) struct Children<F: Future> {
    futures: Vec<Option<Pin<Box<F>>>>,
    wakers: Vec<Waker>,
    ready: Arc<ReadyList>,
    /// Indices taken from `ready`, oldest first; those from `polled` on are
    /// not polled yet (what is left when `poll_woken` stopped early).
    batch: Vec<usize>,
    polled: usize,
    remaining: usize,
}

struct ReadyList {
    state: Mutex<ReadyState>,
}

struct ReadyState {
    indices: Vec<usize>,
    parent: Option<Waker>,
}

/// The waker of one child: queues the child's index and wakes the parent.
struct ChildWaker {
    index: usize,
    ready: Arc<ReadyList>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let parent = {
            let mut state = self.ready.state.lock();
            state.indices.push(self.index);
            // Only the first wake-up since the parent last took the list needs
            // to wake it: the parent takes every index at once.
            if state.indices.len() == 1 {
                state.parent.clone()
            } else {
                None
            }
        };
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

impl<F: Future> Children<F> {
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Children<F> {
        let futures: Vec<_> = futures.into_iter().map(|future| Some(Box::pin(future))).collect();
        let ready = Arc::new(ReadyList {
            // Every child is polled once at the start, in input order.
            state: Mutex::new(ReadyState { indices: (0..futures.len()).collect(), parent: None }),
        });
        let wakers = (0..futures.len())
            .map(|index| Waker::from(Arc::new(ChildWaker { index, ready: ready.clone() })))
            .collect();
        let remaining = futures.len();
        Children { futures, wakers, ready, batch: Vec::new(), polled: 0, remaining }
    }

    pub(crate) fn len(&self) -> usize {
        self.futures.len()
    }

    /// Children not finished yet.
    pub(crate) fn remaining(&self) -> usize {
        self.remaining
    }

    /// Polls the children woken since the last call, handing each output to
    /// `on_output` with its index. Stops early when `on_output` breaks, and
    /// keeps the rest of the batch for the next call.
    pub(crate) fn poll_woken<B>(
        &mut self,
        cx: &mut Context<'_>,
        mut on_output: impl FnMut(usize, F::Output) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
        {
            // Every call takes the whole list, even with some of the last
            // batch left: only the wake-up that made the list non-empty woke
            // the parent, and this call is the one it asked for.
            let mut state = self.ready.state.lock();
            match &state.parent {
                Some(parent) if parent.will_wake(cx.waker()) => {}
                _ => state.parent = Some(cx.waker().clone()),
            }
            if self.polled == self.batch.len() {
                // The usual case: the last batch is done; trade vectors.
                self.batch.clear();
                self.polled = 0;
                std::mem::swap(&mut self.batch, &mut state.indices);
            } else {
                self.batch.append(&mut state.indices);
            }
        }
        while let Some(&index) = self.batch.get(self.polled) {
            self.polled += 1;
            let Some(future) = &mut self.futures[index] else { continue };
            let output = future.as_mut().poll(&mut Context::from_waker(&self.wakers[index]));
            if let Poll::Ready(output) = output {
                self.futures[index] = None;
                self.remaining -= 1;
                on_output(index, output)?;
            }
        }
        ControlFlow::Continue(())
    }
}

/// Runs `futures` concurrently in the current task and returns their
/// outputs in input order: `await asyncio.gather(*aws)`.
///
/// The futures need not be `'static`: they are polled in place, inside the
/// task that awaits `gather`. A wake-up of one future costs O(1), however
/// many there are. For `return_exceptions=True`, gather futures that return
/// `Result`s: every one comes back. To stop at the first error instead, use
/// [`try_gather`](fn@try_gather).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let delays = [30, 10, 20];
///     let outputs = corio::gather(delays.iter().map(|&ms| async move {
///         corio::sleep(Duration::from_millis(ms)).await;
///         ms
///     }))
///     .await;
///     assert_eq!(outputs, [30, 10, 20]);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future drops every unfinished child (cancels it).
pub async fn gather<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut children = Children::new(futures);
    let mut outputs: Vec<Option<F::Output>> = (0..children.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let ControlFlow::Continue(()) = children.poll_woken(cx, |index, output| {
            outputs[index] = Some(output);
            ControlFlow::<Infallible>::Continue(())
        });
        if children.remaining() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs.into_iter().map(|output| output.expect("every child finished")).collect()
}

/// As [`gather`](fn@gather), for futures that return `Result`: the first `Err` is
/// returned at once and the other futures are dropped (cancelled), as
/// `asyncio.gather` raises the first exception (and as a `TaskGroup` cancels
/// the rest).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let results = corio::try_gather([1, 2, 3].map(|n| async move {
///         corio::sleep(Duration::from_millis(n)).await;
///         if n == 2 { Err(format!("{n} failed")) } else { Ok(n) }
///     }))
///     .await;
///     assert_eq!(results, Err("2 failed".to_owned()));
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future drops every unfinished child.
pub async fn try_gather<F, T, E>(futures: impl IntoIterator<Item = F>) -> Result<Vec<T>, E>
where
    F: Future<Output = Result<T, E>>,
{
    let mut children = Children::new(futures);
    let mut outputs: Vec<Option<T>> = (0..children.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let flow = children.poll_woken(cx, |index, output| match output {
            Ok(value) => {
                outputs[index] = Some(value);
                ControlFlow::Continue(())
            }
            Err(err) => ControlFlow::Break(err),
        });
        match flow {
            ControlFlow::Break(err) => Poll::Ready(Err(err)),
            ControlFlow::Continue(()) if children.remaining() == 0 => Poll::Ready(Ok(())),
            ControlFlow::Continue(()) => Poll::Pending,
        }
    })
    .await?;
    Ok(outputs.into_iter().map(|output| output.expect("every child finished")).collect())
}

/// Runs several futures of any types concurrently in the current task and
/// returns their outputs as a tuple: `await asyncio.gather(a, b, c)`.
///
/// The futures are evaluated at once and polled in place when the result is
/// awaited; they need not be `'static`. Up to 32 futures.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// corio::run(async {
///     let name = String::from("borrowed");
///     let (a, b, c) = corio::gather!(
///         async { corio::sleep(Duration::from_millis(2)).await; 1 },
///         async { name.len() },
///         corio::sleep(Duration::from_millis(1)),
///     )
///     .await;
///     assert_eq!((a, b, c), (1, 8, ()));
/// });
/// ```
#[macro_export]
macro_rules! gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__gather_name!(@start gather $($future,)+)
    };
}

/// As [`gather!`](crate::gather!), for futures that return `Result`s with
/// one error type: the first `Err` is returned at once and the other
/// futures are dropped (cancelled).
///
/// # Examples
///
/// ```
/// corio::run(async {
///     let ok: Result<(u8, &str), String> = corio::try_gather!(async { Ok(1) }, async { Ok("two") }).await;
///     assert_eq!(ok, Ok((1, "two")));
///     let err: Result<(u8, u8), &str> = corio::try_gather!(async { Ok(1) }, async { Err("no") }).await;
///     assert_eq!(err, Err("no"));
/// });
/// ```
#[macro_export]
macro_rules! try_gather {
    ($($future:expr),+ $(,)?) => {
        $crate::__gather_name!(@start try_gather $($future,)+)
    };
}

/// Pairs each future of `gather!` with a name and an index, then expands.
#[doc(hidden)]
#[macro_export]
macro_rules! __gather_name {
    // The names the futures get, with their tuple indices.
    (@start $kind:ident $($future:expr,)+) => {
        $crate::__gather_name!(@$kind [] [$($future,)+] [
            (f0 0) (f1 1) (f2 2) (f3 3) (f4 4) (f5 5) (f6 6) (f7 7) (f8 8) (f9 9) (f10 10) (f11 11)
            (f12 12) (f13 13) (f14 14) (f15 15) (f16 16) (f17 17) (f18 18) (f19 19) (f20 20) (f21 21)
            (f22 22) (f23 23) (f24 24) (f25 25) (f26 26) (f27 27) (f28 28) (f29 29) (f30 30) (f31 31)
        ])
    };
    (@$kind:ident [$($named:tt)*] [$future:expr, $($rest:tt)*] [($name:ident $index:tt) $($names:tt)*]) => {
        $crate::__gather_name!(@$kind [$($named)* ($name $index $future)] [$($rest)*] [$($names)*])
    };
    (@$kind:ident [$($named:tt)*] [$future:expr, $($rest:tt)*] []) => {
        ::core::compile_error!("gather! takes at most 32 futures")
    };
    (@gather [$(($name:ident $index:tt $future:expr))*] [] [$($unused:tt)*]) => {{
        $( let $name = $future; )*
        async move {
            $( let mut $name = ::core::pin::pin!($name); )*
            let mut outputs = ($( $crate::__private::no_output(&$name), )*);
            ::core::future::poll_fn(move |cx| {
                let mut pending = false;
                $(
                    if outputs.$index.is_none() {
                        match ::core::future::Future::poll($name.as_mut(), cx) {
                            ::core::task::Poll::Ready(output) => outputs.$index = ::core::option::Option::Some(output),
                            ::core::task::Poll::Pending => pending = true,
                        }
                    }
                )*
                if pending {
                    return ::core::task::Poll::Pending;
                }
                ::core::task::Poll::Ready(($( outputs.$index.take().expect("finished"), )*))
            })
            .await
        }
    }};
    (@try_gather [$(($name:ident $index:tt $future:expr))*] [] [$($unused:tt)*]) => {{
        $( let $name = $future; )*
        async move {
            $( let mut $name = ::core::pin::pin!($name); )*
            let mut outputs = ($( $crate::__private::no_ok_output(&$name), )*);
            ::core::future::poll_fn(move |cx| {
                let mut pending = false;
                $(
                    if outputs.$index.is_none() {
                        match ::core::future::Future::poll($name.as_mut(), cx) {
                            ::core::task::Poll::Ready(::core::result::Result::Ok(value)) => {
                                outputs.$index = ::core::option::Option::Some(value)
                            }
                            ::core::task::Poll::Ready(::core::result::Result::Err(err)) => {
                                return ::core::task::Poll::Ready(::core::result::Result::Err(err));
                            }
                            ::core::task::Poll::Pending => pending = true,
                        }
                    }
                )*
                if pending {
                    return ::core::task::Poll::Pending;
                }
                ::core::task::Poll::Ready(::core::result::Result::Ok(($( outputs.$index.take().expect("finished"), )*)))
            })
            .await
        }
    }};
}
