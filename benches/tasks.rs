//! Task benchmarks: spawn, yield, ping-pong over channels, and chains of
//! spawns, each on corio, tokio's current-thread runtime and smol's
//! `LocalExecutor` in the same run.
//!
//! ```text
//! cargo bench --bench tasks
//! ```

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use support::Runtime;

const SPAWN_TASKS: u64 = 200_000;
const YIELD_TASKS: u64 = 1_000;
const YIELDS: u64 = 1_000;
const PINGPONG_PAIRS: u64 = 1_000;
const ROUND_TRIPS: u64 = 1_000;
const CHAIN_LENGTH: u64 = 100_000;

/// Spawns trivial tasks, then awaits every handle in order.
async fn spawn_many<R: Runtime>(rt: &R) {
    let handles: Vec<_> = (0..SPAWN_TASKS).map(|i| rt.spawn(async move { black_box(i) })).collect();
    for handle in handles {
        black_box(handle.await);
    }
}

/// Many tasks, each yielding to the loop many times.
async fn yield_many<R: Runtime>(rt: &R) {
    let handles: Vec<_> = (0..YIELD_TASKS)
        .map(|_| {
            let inner = rt.clone();
            rt.spawn(async move {
                for _ in 0..YIELDS {
                    inner.yield_now().await;
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await;
    }
}

/// Pairs of tasks bouncing a counter over two `bounded(1)` channels.
async fn pingpong<R: Runtime>(rt: &R) {
    let mut handles = Vec::new();
    for _ in 0..PINGPONG_PAIRS {
        let (ping_tx, ping_rx) = async_channel::bounded::<u64>(1);
        let (pong_tx, pong_rx) = async_channel::bounded::<u64>(1);
        handles.push(rt.spawn(async move {
            let mut counter = 0;
            for _ in 0..ROUND_TRIPS {
                ping_tx.send(counter).await.unwrap();
                counter = pong_rx.recv().await.unwrap();
            }
            counter
        }));
        handles.push(rt.spawn(async move {
            while let Ok(counter) = ping_rx.recv().await {
                if pong_tx.send(counter + 1).await.is_err() {
                    break;
                }
            }
            0
        }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    assert_eq!(total, PINGPONG_PAIRS * ROUND_TRIPS);
}

/// Each task spawns the next; the last one ends the chain.
async fn chain<R: Runtime>(rt: &R) {
    let (done_tx, done_rx) = async_channel::bounded::<()>(1);
    spawn_link(rt.clone(), CHAIN_LENGTH, done_tx);
    done_rx.recv().await.unwrap();
}

fn spawn_link<R: Runtime>(rt: R, left: u64, done: async_channel::Sender<()>) {
    let next = rt.clone();
    rt.spawn_detached(async move {
        if left == 0 {
            done.send(()).await.unwrap();
        } else {
            spawn_link(next, left - 1, done);
        }
    });
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("spawn");
    group.sample_size(10).throughput(Throughput::Elements(SPAWN_TASKS));
    bench_runtimes!(&mut group, spawn_many);
    group.finish();

    // The same workload with every task eager (`create_eager_task`'s path):
    // each finishes inside its spawn, never queued. Against tokio's
    // `spawn_local` (issue 15's target: ≤ 0.3).
    let mut group = c.benchmark_group("spawn_eager");
    group.sample_size(10).throughput(Throughput::Elements(SPAWN_TASKS));
    group.bench_function("corio", |b| {
        let mut runner = corio::Runner::builder().eager_tasks(true).build().expect("a loop");
        b.iter(|| runner.run(spawn_many(&support::Corio)))
    });
    group.bench_function("tokio", |b| {
        let runtime = support::tokio_runtime();
        let local = tokio::task::LocalSet::new();
        b.iter(|| local.block_on(&runtime, spawn_many(&support::Tokio)))
    });
    group.finish();

    let mut group = c.benchmark_group("yield");
    group.sample_size(10).throughput(Throughput::Elements(YIELD_TASKS * YIELDS));
    bench_runtimes!(&mut group, yield_many);
    group.finish();

    let mut group = c.benchmark_group("pingpong");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(PINGPONG_PAIRS * ROUND_TRIPS));
    bench_runtimes!(&mut group, pingpong);
    group.finish();

    let mut group = c.benchmark_group("chain");
    group.sample_size(10).throughput(Throughput::Elements(CHAIN_LENGTH));
    bench_runtimes!(&mut group, chain);
    group.finish();
}

criterion_group!(tasks, benches);
criterion_main!(tasks);
