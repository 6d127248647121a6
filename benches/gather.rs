//! `gather` benchmarks: 100 000 futures that are ready at once, and 100 000
//! futures woken in a random order, with corio's `gather` against
//! `futures::future::join_all` (on corio's loop, so only the combinator
//! differs) and tokio's `JoinSet` (tasks on tokio's current-thread runtime);
//! and a timeout that never fires, corio's against `tokio::time::timeout`.
//!
//! ```text
//! cargo bench --bench gather
//! ```

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

mod support;

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use support::{Lcg, YieldOnce};

const FUTURES: usize = 100_000;
const TIMEOUTS: u64 = 1_000_000;

/// A future that waits until it is woken from outside, once.
struct WokenOnce {
    slot: Rc<Cell<Option<Waker>>>,
    registered: bool,
}

impl Future for WokenOnce {
    type Output = u32;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<u32> {
        if self.registered {
            return Poll::Ready(1);
        }
        self.registered = true;
        self.slot.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

/// `FUTURES` futures woken in a random order, awaited with `join` on
/// corio's loop; returns how many outputs came back.
async fn random_wakes<F: Future<Output = Vec<u32>>>(join: impl FnOnce(Vec<WokenOnce>) -> F) -> usize {
    let waker = RandomWaker::new();
    let futures =
        waker.slots.iter().map(|slot| WokenOnce { slot: slot.clone(), registered: false }).collect();
    let task = corio::create_task(waker.wake_all(|| Box::pin(corio::yield_now())));
    let outputs = join(futures).await;
    task.await.unwrap();
    outputs.len()
}

/// The wakers of `FUTURES` futures, woken 1 000 per turn in a fixed
/// pseudo-random order by a task of their own.
struct RandomWaker {
    slots: Vec<Rc<Cell<Option<Waker>>>>,
    order: Vec<usize>,
}

impl RandomWaker {
    fn new() -> RandomWaker {
        let mut order: Vec<usize> = (0..FUTURES).collect();
        let mut random = Lcg::new(11);
        for i in (1..order.len()).rev() {
            order.swap(i, random.next_u32() as usize % (i + 1));
        }
        RandomWaker { slots: (0..FUTURES).map(|_| Rc::new(Cell::new(None))).collect(), order }
    }

    async fn wake_all(self, yield_now: impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()>>>) {
        for chunk in self.order.chunks(1_000) {
            // Every future registers on its first poll, before this runs.
            for &i in chunk {
                self.slots[i].take().expect("registered").wake();
            }
            yield_now().await;
        }
    }
}

fn bench_ready(c: &mut Criterion) {
    let mut group = c.benchmark_group("gather_ready");
    group.sample_size(10).throughput(Throughput::Elements(FUTURES as u64));
    group.bench_function("corio_gather", |b| {
        let mut runner = corio::Runner::new();
        b.iter(|| runner.run(corio::gather((0..FUTURES as u32).map(|i| async move { i }))))
    });
    group.bench_function("join_all", |b| {
        let mut runner = corio::Runner::new();
        b.iter(|| runner.run(futures::future::join_all((0..FUTURES as u32).map(|i| async move { i }))))
    });
    group.bench_function("tokio_joinset", |b| {
        let runtime = support::tokio_runtime();
        b.iter(|| {
            runtime.block_on(async {
                let mut set = tokio::task::JoinSet::new();
                for i in 0..FUTURES as u32 {
                    set.spawn(async move { i });
                }
                set.join_all().await
            })
        })
    });
    group.finish();
}

fn bench_random_wakes(c: &mut Criterion) {
    let mut group = c.benchmark_group("gather_random_wakes");
    group.sample_size(10).throughput(Throughput::Elements(FUTURES as u64));
    group.bench_function("corio_gather", |b| {
        let mut runner = corio::Runner::new();
        b.iter(|| runner.run(random_wakes(corio::gather)))
    });
    group.bench_function("join_all", |b| {
        let mut runner = corio::Runner::new();
        b.iter(|| runner.run(random_wakes(futures::future::join_all)))
    });
    group.bench_function("tokio_joinset", |b| {
        let runtime = support::tokio_runtime();
        b.iter(|| {
            let local = tokio::task::LocalSet::new();
            local.block_on(&runtime, async {
                let waker = RandomWaker::new();
                let mut set = tokio::task::JoinSet::new();
                for slot in &waker.slots {
                    set.spawn_local(WokenOnce { slot: slot.clone(), registered: false });
                }
                // JoinSet tasks first run when this task yields.
                tokio::task::yield_now().await;
                let task = tokio::task::spawn_local(waker.wake_all(|| Box::pin(tokio::task::yield_now())));
                let outputs = set.join_all().await;
                task.await.unwrap();
                outputs.len()
            })
        })
    });
    group.finish();
}

fn bench_timeout(c: &mut Criterion) {
    let mut group = c.benchmark_group("timeout_not_fired");
    group.sample_size(10).throughput(Throughput::Elements(TIMEOUTS));
    group.bench_function("corio", |b| {
        let mut runner = corio::Runner::new();
        b.iter(|| {
            runner.run(async {
                for _ in 0..TIMEOUTS {
                    corio::timeout(Duration::from_secs(10), YieldOnce::new()).await.unwrap();
                }
            })
        })
    });
    group.bench_function("tokio", |b| {
        let runtime = support::tokio_runtime();
        b.iter(|| {
            runtime.block_on(async {
                for _ in 0..TIMEOUTS {
                    tokio::time::timeout(Duration::from_secs(10), YieldOnce::new()).await.unwrap();
                }
            })
        })
    });
    group.finish();
}

criterion_group!(gather, bench_ready, bench_random_wakes, bench_timeout);
criterion_main!(gather);
