//! Randomized stress: many tasks take and drop locks, permits and queue
//! items while a chaos task cancels them at random, for a thousand seeds
//! of both the chaos and the loop's schedule. The
//! invariants: never two holders of a `Lock`, never more holders than
//! permits and every permit back at the end, every item put delivered
//! exactly once.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::rc::Rc;

/// A small deterministic generator, shared by the tasks of one run.
#[derive(Clone)]
struct Rng(Rc<Cell<u64>>);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(Rc::new(Cell::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)))
    }

    fn below(&self, n: u64) -> u64 {
        let mut x = self.0.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0.set(x);
        x % n
    }
}

async fn yield_a_few(rng: &Rng) {
    for _ in 0..rng.below(3) {
        corio::yield_now().await;
    }
}

/// Cancels a random live task from `tasks` every few turns.
async fn chaos<T: 'static>(rng: Rng, tasks: Rc<Vec<corio::Task<T>>>, cancellations: usize) {
    for _ in 0..cancellations {
        yield_a_few(&rng).await;
        tasks[rng.below(tasks.len() as u64) as usize].cancel();
    }
}

/// Waits until every task has ended.
async fn all_done<T: 'static>(tasks: &[corio::Task<T>]) {
    for task in tasks {
        while !task.done() {
            corio::yield_now().await;
        }
    }
}

/// 40 tasks each take a guard five times with `take`, holding it across a
/// few turns, while a chaos task cancels them; asserts that never more than
/// `max_holders` hold one at once.
async fn hold_under_chaos<G: 'static, F: std::future::Future<Output = G> + 'static>(
    seed: u64,
    max_holders: usize,
    take: impl Fn() -> F + Clone + 'static,
) {
    let rng = Rng::new(seed);
    let holders = Rc::new(Cell::new(0));
    let tasks: Rc<Vec<_>> = Rc::new(
        (0..40)
            .map(|_| {
                let (take, holders, rng) = (take.clone(), holders.clone(), rng.clone());
                corio::create_task(async move {
                    for _ in 0..5 {
                        let _guard = take().await;
                        holders.set(holders.get() + 1);
                        assert!(holders.get() <= max_holders, "too many holders (seed {seed})");
                        yield_a_few(&rng).await;
                        holders.set(holders.get() - 1);
                    }
                })
            })
            .collect(),
    );
    chaos(rng, tasks.clone(), 15).await;
    all_done(&tasks).await;
}

/// Seeds per test: each drives both the chaos and the loop's shuffle of
/// ready tasks.
const SEEDS: u64 = 1000;

/// Runs `main` on a loop that shuffles its ready tasks by `seed`.
fn shuffled<F: std::future::Future>(seed: u64, main: F) -> F::Output {
    corio::Runner::builder().shuffle(seed).build().unwrap().run(main)
}

#[test]
fn a_lock_never_has_two_holders() {
    for seed in 0..SEEDS {
        shuffled(seed, async move {
            let lock = Rc::new(corio::Lock::new());
            let shared = lock.clone();
            hold_under_chaos(seed, 1, move || shared.clone().lock_owned()).await;
            assert!(!lock.locked(), "seed {seed}");
            assert!(lock.try_lock().is_some(), "no waiter left behind (seed {seed})");
        });
    }
}

#[test]
fn a_semaphore_conserves_its_permits() {
    for seed in 0..SEEDS {
        shuffled(seed, async move {
            let sem = Rc::new(corio::Semaphore::new(3));
            let shared = sem.clone();
            hold_under_chaos(seed, 3, move || shared.clone().acquire_owned()).await;
            assert_eq!(sem.available_permits(), 3, "seed {seed}");
        });
    }
}

#[test]
fn a_queue_delivers_every_item_exactly_once() {
    for seed in 0..SEEDS {
        shuffled(seed, async move {
            let rng = Rng::new(seed);
            let queue = corio::Queue::new(4);
            let put_ok = Rc::new(RefCell::new(Vec::new()));
            let received = Rc::new(RefCell::new(Vec::new()));
            let mut tasks = Vec::new();
            for producer in 0..6u32 {
                let (queue, put_ok, rng) = (queue.clone(), put_ok.clone(), rng.clone());
                tasks.push(corio::create_task(async move {
                    for i in 0..20 {
                        let item = producer * 1000 + i;
                        if queue.put(item).await.is_ok() {
                            put_ok.borrow_mut().push(item);
                        }
                        yield_a_few(&rng).await;
                    }
                }));
            }
            for _ in 0..6 {
                let (queue, received, rng) = (queue.clone(), received.clone(), rng.clone());
                tasks.push(corio::create_task(async move {
                    while let Ok(item) = queue.get().await {
                        received.borrow_mut().push(item);
                        yield_a_few(&rng).await;
                    }
                }));
            }
            let tasks = Rc::new(tasks);
            chaos(rng, tasks.clone(), 8).await;
            // Let the producers that survived finish, taking items meanwhile
            // in case the chaos cancelled every consumer.
            while !tasks.iter().take(6).all(|task| task.done()) {
                match queue.get_nowait() {
                    Ok(item) => received.borrow_mut().push(item),
                    Err(_) => corio::yield_now().await,
                }
            }
            queue.shutdown(false);
            while let Ok(item) = queue.get().await {
                received.borrow_mut().push(item);
            }
            all_done(&tasks).await;
            let mut received = received.take();
            let unique: HashSet<_> = received.iter().copied().collect();
            assert_eq!(unique.len(), received.len(), "an item came out twice (seed {seed})");
            received.sort_unstable();
            let mut put = put_ok.take();
            put.sort_unstable();
            assert_eq!(received, put, "lost or invented items (seed {seed})");
        });
    }
}
