//! Synchronization benchmarks: an uncontended lock, a lock handed round
//! 1 000 tasks, a `Semaphore(10)` shared by 1 000 tasks, and a queue moving
//! 1 000 000 items from a producer to a consumer (bounded to 128, and
//! unbounded). corio's primitives against `tokio::sync` on tokio's
//! current-thread runtime and `async-lock` / `async-channel` on smol, in the
//! same run.
//!
//! ```text
//! cargo bench --bench sync
//! ```

// criterion's macros generate undocumented functions.
#![allow(missing_docs)]

mod support;

use std::future::Future;
use std::rc::Rc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use support::{Corio, Runtime, Smol, Tokio};

const UNCONTENDED: u64 = 1_000_000;
const TASKS: u64 = 1_000;
const ROUNDS: u64 = 10;
const ITEMS: u64 = 1_000_000;

/// Each runtime's own lock, semaphore and channels.
trait SyncKit: Runtime {
    type Mutex: 'static;
    type Semaphore: 'static;
    type BoundedTx: 'static;
    type BoundedRx: 'static;
    type UnboundedTx: 'static;
    type UnboundedRx: 'static;

    fn mutex() -> Self::Mutex;
    /// Takes the lock, runs `inside` while holding it, releases it.
    fn locked<F: Future>(mutex: &Self::Mutex, inside: F) -> impl Future<Output = F::Output>;
    fn semaphore(permits: usize) -> Self::Semaphore;
    fn with_permit<F: Future>(sem: &Self::Semaphore, inside: F) -> impl Future<Output = F::Output>;
    fn bounded(capacity: usize) -> (Self::BoundedTx, Self::BoundedRx);
    fn send_bounded(tx: &Self::BoundedTx, item: u64) -> impl Future<Output = ()>;
    fn recv_bounded(rx: &mut Self::BoundedRx) -> impl Future<Output = Option<u64>>;
    fn unbounded() -> (Self::UnboundedTx, Self::UnboundedRx);
    fn send_unbounded(tx: &Self::UnboundedTx, item: u64);
    fn recv_unbounded(rx: &mut Self::UnboundedRx) -> impl Future<Output = Option<u64>>;
}

impl SyncKit for Corio {
    type Mutex = corio::Lock;
    type Semaphore = corio::Semaphore;
    type BoundedTx = corio::Queue<u64>;
    type BoundedRx = corio::Queue<u64>;
    type UnboundedTx = corio::Queue<u64>;
    type UnboundedRx = corio::Queue<u64>;

    fn mutex() -> corio::Lock {
        corio::Lock::new()
    }
    async fn locked<F: Future>(mutex: &corio::Lock, inside: F) -> F::Output {
        let _guard = mutex.lock().await;
        inside.await
    }
    fn semaphore(permits: usize) -> corio::Semaphore {
        corio::Semaphore::new(permits)
    }
    async fn with_permit<F: Future>(sem: &corio::Semaphore, inside: F) -> F::Output {
        let _permit = sem.acquire().await;
        inside.await
    }
    fn bounded(capacity: usize) -> (corio::Queue<u64>, corio::Queue<u64>) {
        let queue = corio::Queue::new(capacity);
        (queue.clone(), queue)
    }
    async fn send_bounded(tx: &corio::Queue<u64>, item: u64) {
        tx.put(item).await.unwrap();
    }
    async fn recv_bounded(rx: &mut corio::Queue<u64>) -> Option<u64> {
        rx.get().await.ok()
    }
    fn unbounded() -> (corio::Queue<u64>, corio::Queue<u64>) {
        Self::bounded(0)
    }
    fn send_unbounded(tx: &corio::Queue<u64>, item: u64) {
        tx.put_nowait(item).unwrap();
    }
    async fn recv_unbounded(rx: &mut corio::Queue<u64>) -> Option<u64> {
        rx.get().await.ok()
    }
}

impl SyncKit for Tokio {
    type Mutex = tokio::sync::Mutex<()>;
    type Semaphore = tokio::sync::Semaphore;
    type BoundedTx = tokio::sync::mpsc::Sender<u64>;
    type BoundedRx = tokio::sync::mpsc::Receiver<u64>;
    type UnboundedTx = tokio::sync::mpsc::UnboundedSender<u64>;
    type UnboundedRx = tokio::sync::mpsc::UnboundedReceiver<u64>;

    fn mutex() -> Self::Mutex {
        tokio::sync::Mutex::new(())
    }
    async fn locked<F: Future>(mutex: &Self::Mutex, inside: F) -> F::Output {
        let _guard = mutex.lock().await;
        inside.await
    }
    fn semaphore(permits: usize) -> Self::Semaphore {
        tokio::sync::Semaphore::new(permits)
    }
    async fn with_permit<F: Future>(sem: &Self::Semaphore, inside: F) -> F::Output {
        let _permit = sem.acquire().await.unwrap();
        inside.await
    }
    fn bounded(capacity: usize) -> (Self::BoundedTx, Self::BoundedRx) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send_bounded(tx: &Self::BoundedTx, item: u64) {
        tx.send(item).await.unwrap();
    }
    async fn recv_bounded(rx: &mut Self::BoundedRx) -> Option<u64> {
        rx.recv().await
    }
    fn unbounded() -> (Self::UnboundedTx, Self::UnboundedRx) {
        tokio::sync::mpsc::unbounded_channel()
    }
    fn send_unbounded(tx: &Self::UnboundedTx, item: u64) {
        tx.send(item).unwrap();
    }
    async fn recv_unbounded(rx: &mut Self::UnboundedRx) -> Option<u64> {
        rx.recv().await
    }
}

impl SyncKit for Smol {
    type Mutex = async_lock::Mutex<()>;
    type Semaphore = async_lock::Semaphore;
    type BoundedTx = async_channel::Sender<u64>;
    type BoundedRx = async_channel::Receiver<u64>;
    type UnboundedTx = async_channel::Sender<u64>;
    type UnboundedRx = async_channel::Receiver<u64>;

    fn mutex() -> Self::Mutex {
        async_lock::Mutex::new(())
    }
    async fn locked<F: Future>(mutex: &Self::Mutex, inside: F) -> F::Output {
        let _guard = mutex.lock().await;
        inside.await
    }
    fn semaphore(permits: usize) -> Self::Semaphore {
        async_lock::Semaphore::new(permits)
    }
    async fn with_permit<F: Future>(sem: &Self::Semaphore, inside: F) -> F::Output {
        let _permit = sem.acquire().await;
        inside.await
    }
    fn bounded(capacity: usize) -> (Self::BoundedTx, Self::BoundedRx) {
        async_channel::bounded(capacity)
    }
    async fn send_bounded(tx: &Self::BoundedTx, item: u64) {
        tx.send(item).await.unwrap();
    }
    async fn recv_bounded(rx: &mut Self::BoundedRx) -> Option<u64> {
        rx.recv().await.ok()
    }
    fn unbounded() -> (Self::UnboundedTx, Self::UnboundedRx) {
        async_channel::unbounded()
    }
    fn send_unbounded(tx: &Self::UnboundedTx, item: u64) {
        tx.try_send(item).unwrap();
    }
    async fn recv_unbounded(rx: &mut Self::UnboundedRx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// Takes and releases a lock nobody else wants.
async fn uncontended_lock<R: SyncKit>(_rt: &R) {
    let mutex = R::mutex();
    for _ in 0..UNCONTENDED {
        R::locked(&mutex, async {}).await;
    }
}

/// 1 000 tasks each take the lock `ROUNDS` times, yielding while they hold
/// it, so the lock is handed from task to task.
async fn contended_lock<R: SyncKit>(rt: &R) {
    let mutex = Rc::new(R::mutex());
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (mutex, inner) = (mutex.clone(), rt.clone());
            rt.spawn(async move {
                for _ in 0..ROUNDS {
                    R::locked(&mutex, inner.yield_now()).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await;
    }
}

/// 1 000 tasks share ten permits, yielding while they hold one.
async fn semaphore_10<R: SyncKit>(rt: &R) {
    let sem = Rc::new(R::semaphore(10));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (sem, inner) = (sem.clone(), rt.clone());
            rt.spawn(async move {
                for _ in 0..ROUNDS {
                    R::with_permit(&sem, inner.yield_now()).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await;
    }
}

/// A producer and a consumer move `ITEMS` items through a bounded queue.
async fn queue_bounded<R: SyncKit>(rt: &R) {
    let (tx, mut rx) = R::bounded(128);
    let producer = rt.spawn(async move {
        for item in 0..ITEMS {
            R::send_bounded(&tx, item).await;
        }
    });
    let mut sum = 0;
    for _ in 0..ITEMS {
        sum += R::recv_bounded(&mut rx).await.unwrap();
    }
    producer.await;
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
}

/// The producer fills an unbounded queue without waiting; the consumer
/// drains it.
async fn queue_unbounded<R: SyncKit>(rt: &R) {
    let (tx, mut rx) = R::unbounded();
    let producer = rt.spawn(async move {
        for item in 0..ITEMS {
            R::send_unbounded(&tx, item);
        }
    });
    let mut sum = 0;
    for _ in 0..ITEMS {
        sum += R::recv_unbounded(&mut rx).await.unwrap();
    }
    producer.await;
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("lock_uncontended");
    group.sample_size(10).throughput(Throughput::Elements(UNCONTENDED));
    bench_runtimes!(&mut group, uncontended_lock);
    group.finish();

    let mut group = c.benchmark_group("lock_contended");
    group.sample_size(10).throughput(Throughput::Elements(TASKS * ROUNDS));
    bench_runtimes!(&mut group, contended_lock);
    group.finish();

    let mut group = c.benchmark_group("semaphore_10");
    group.sample_size(10).throughput(Throughput::Elements(TASKS * ROUNDS));
    bench_runtimes!(&mut group, semaphore_10);
    group.finish();

    let mut group = c.benchmark_group("queue_bounded_128");
    group.sample_size(10).throughput(Throughput::Elements(ITEMS));
    bench_runtimes!(&mut group, queue_bounded);
    group.finish();

    let mut group = c.benchmark_group("queue_unbounded");
    group.sample_size(10).throughput(Throughput::Elements(ITEMS));
    bench_runtimes!(&mut group, queue_unbounded);
    group.finish();
}

criterion_group!(sync, benches);
criterion_main!(sync);
