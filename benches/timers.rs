//! Timer benchmarks: a timeout that is armed and disarmed without firing,
//! many tasks sleeping for pseudo-random times, and the precision of one
//! 1 ms sleep (its mean time, minus 1 ms, is how late the wake-up comes),
//! each on corio, tokio's current-thread runtime and smol in the same run.
//!
//! ```text
//! cargo bench --bench timers
//! ```

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

mod support;

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use support::{Lcg, Runtime, YieldOnce};

const TIMEOUTS: u64 = 1_000_000;
const SLEEPERS: u64 = 100_000;

/// `wait_for(10 s, f)` where `f` is pending once: the timer is really armed
/// and then cancelled, every time.
async fn armed_timeouts<R: Runtime>(rt: &R) {
    for _ in 0..TIMEOUTS {
        assert!(rt.timeout(Duration::from_secs(10), YieldOnce::new()).await);
    }
}

/// Tasks sleeping 1–50 ms each (the same pseudo-random delays every run).
async fn sleepers<R: Runtime>(rt: &R) {
    let mut random = Lcg::new(7);
    let handles: Vec<_> = (0..SLEEPERS)
        .map(|_| {
            let delay = Duration::from_micros(1_000 + u64::from(random.next_u32() % 49_000));
            let sleeper = rt.clone();
            rt.spawn(async move { sleeper.sleep(delay).await })
        })
        .collect();
    for handle in handles {
        handle.await;
    }
}

/// One 1 ms sleep on an idle loop.
async fn sleep_1ms<R: Runtime>(rt: &R) {
    rt.sleep(Duration::from_millis(1)).await;
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("sleep_1ms");
    group.sample_size(50);
    bench_runtimes!(&mut group, sleep_1ms);
    group.finish();

    let mut group = c.benchmark_group("timeout");
    group.sample_size(10).throughput(Throughput::Elements(TIMEOUTS));
    bench_runtimes!(&mut group, armed_timeouts);
    group.finish();

    let mut group = c.benchmark_group("timers");
    group.sample_size(10).throughput(Throughput::Elements(SLEEPERS));
    bench_runtimes!(&mut group, sleepers);
    group.finish();
}

criterion_group!(timers, benches);
criterion_main!(timers);
