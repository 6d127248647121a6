//! What the benchmarks share: one `Runtime` trait that corio, tokio's
//! current-thread runtime (with a `LocalSet`) and smol's `LocalExecutor`
//! implement, so each workload is written once and only the executor
//! differs; and a macro that runs a workload on all three in the same
//! criterion group.

#![allow(dead_code, unreachable_pub)]

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// The operations the workloads need from an executor.
pub trait Runtime: Clone + 'static {
    type Handle<T: 'static>: Future<Output = T>;
    fn spawn<F: Future + 'static>(&self, future: F) -> Self::Handle<F::Output>;
    /// Spawns a task that runs on without its handle (dropping a smol
    /// handle would cancel it).
    fn spawn_detached<F: Future + 'static>(&self, future: F);
    fn yield_now(&self) -> impl Future<Output = ()>;
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
    /// Runs `future` with a `timeout`; true if it finished in time.
    fn timeout<F: Future>(&self, timeout: Duration, future: F) -> impl Future<Output = bool>;
}

/// A join handle whose `Result` output is unwrapped, so every runtime's
/// handle yields the task's value.
pub struct Unwrapped<H>(H);

impl<H, T, E> Future for Unwrapped<H>
where
    H: Future<Output = Result<T, E>> + Unpin,
    E: std::fmt::Debug,
{
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        Pin::new(&mut self.0).poll(cx).map(|result| result.expect("task failed"))
    }
}

#[derive(Clone)]
pub struct Corio;

impl Runtime for Corio {
    type Handle<T: 'static> = Unwrapped<corio::Task<T>>;
    fn spawn<F: Future + 'static>(&self, future: F) -> Self::Handle<F::Output> {
        Unwrapped(corio::create_task(future))
    }
    fn spawn_detached<F: Future + 'static>(&self, future: F) {
        drop(corio::create_task(future));
    }
    fn yield_now(&self) -> impl Future<Output = ()> {
        corio::yield_now()
    }
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> {
        corio::sleep(duration)
    }
    async fn timeout<F: Future>(&self, timeout: Duration, future: F) -> bool {
        corio::wait_for(timeout, future).await.is_ok()
    }
}

#[derive(Clone)]
pub struct Tokio;

impl Runtime for Tokio {
    type Handle<T: 'static> = Unwrapped<tokio::task::JoinHandle<T>>;
    fn spawn<F: Future + 'static>(&self, future: F) -> Self::Handle<F::Output> {
        Unwrapped(tokio::task::spawn_local(future))
    }
    fn spawn_detached<F: Future + 'static>(&self, future: F) {
        drop(tokio::task::spawn_local(future));
    }
    fn yield_now(&self) -> impl Future<Output = ()> {
        tokio::task::yield_now()
    }
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> {
        tokio::time::sleep(duration)
    }
    async fn timeout<F: Future>(&self, timeout: Duration, future: F) -> bool {
        tokio::time::timeout(timeout, future).await.is_ok()
    }
}

#[derive(Clone)]
pub struct Smol(pub Rc<async_executor::LocalExecutor<'static>>);

impl Runtime for Smol {
    type Handle<T: 'static> = async_executor::Task<T>;
    fn spawn<F: Future + 'static>(&self, future: F) -> Self::Handle<F::Output> {
        self.0.spawn(future)
    }
    fn spawn_detached<F: Future + 'static>(&self, future: F) {
        self.0.spawn(future).detach();
    }
    fn yield_now(&self) -> impl Future<Output = ()> {
        futures_lite::future::yield_now()
    }
    async fn sleep(&self, duration: Duration) {
        async_io::Timer::after(duration).await;
    }
    async fn timeout<F: Future>(&self, timeout: Duration, future: F) -> bool {
        use futures_lite::FutureExt;
        async {
            future.await;
            true
        }
        .or(async {
            async_io::Timer::after(timeout).await;
            false
        })
        .await
    }
}

/// A future that is `Pending` once (waking itself at once) and then ready,
/// so a timeout around it really arms and disarms its timer.
pub struct YieldOnce(bool);

impl YieldOnce {
    pub fn new() -> YieldOnce {
        YieldOnce(false)
    }
}

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A fixed-seed pseudo-random sequence (an LCG), the same in every run.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
}

pub fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_time().build().expect("tokio runtime")
}

/// Benchmarks `$workload(&runtime)` (an async fn generic over [`Runtime`])
/// on corio, tokio and smol, in that order, in one criterion group.
#[macro_export]
macro_rules! bench_runtimes {
    ($group:expr, $workload:expr) => {{
        let group = $group;
        group.bench_function("corio", |b| {
            let mut runner = corio::Runner::new();
            b.iter(|| runner.run($workload(&support::Corio)))
        });
        group.bench_function("tokio", |b| {
            let runtime = support::tokio_runtime();
            let local = tokio::task::LocalSet::new();
            b.iter(|| local.block_on(&runtime, $workload(&support::Tokio)))
        });
        group.bench_function("smol", |b| {
            let executor = std::rc::Rc::new(async_executor::LocalExecutor::new());
            let smol = support::Smol(executor.clone());
            b.iter(|| futures_lite::future::block_on(executor.run($workload(&smol))))
        });
    }};
}
