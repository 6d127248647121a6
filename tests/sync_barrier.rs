//! `Barrier`, ported from CPython's `test_locks.py` (`BarrierTests`).

mod support;

use std::cell::Cell;
use std::rc::Rc;

use support::{py_bool, Log};

fn spawn_waiters(
    barrier: &Rc<corio::Barrier>,
    n: usize,
) -> Vec<corio::Task<Result<usize, corio::BrokenBarrierError>>> {
    (0..n)
        .map(|_| {
            let barrier = barrier.clone();
            corio::create_task(async move { barrier.wait().await })
        })
        .collect()
}

#[test]
fn each_party_gets_its_arrival_index_and_the_barrier_refills() {
    corio::run(async {
        let barrier = Rc::new(corio::Barrier::new(3));
        for _round in 0..2 {
            let tasks = spawn_waiters(&barrier, 3);
            let mut indices = Vec::new();
            for task in tasks {
                indices.push(task.await.unwrap().unwrap());
            }
            assert_eq!(indices, [0, 1, 2]);
            assert_eq!(barrier.n_waiting(), 0);
        }
    });
}

#[test]
fn a_cancelled_party_leaves_and_the_barrier_waits_for_another() {
    corio::run(async {
        let barrier = Rc::new(corio::Barrier::new(2));
        let first = spawn_waiters(&barrier, 1).remove(0);
        corio::yield_now().await;
        assert_eq!(barrier.n_waiting(), 1);
        first.cancel();
        corio::yield_now().await;
        assert_eq!(barrier.n_waiting(), 0);
        let tasks = spawn_waiters(&barrier, 2);
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
    });
}

#[test]
fn abort_breaks_waiters_and_later_arrivals_until_reset() {
    corio::run(async {
        let barrier = Rc::new(corio::Barrier::new(3));
        let tasks = spawn_waiters(&barrier, 2);
        corio::yield_now().await;
        barrier.abort();
        assert!(barrier.broken());
        for task in tasks {
            assert_eq!(task.await.unwrap(), Err(corio::BrokenBarrierError::default()));
        }
        assert!(barrier.wait().await.is_err());
        barrier.reset();
        assert!(!barrier.broken());
        let tasks = spawn_waiters(&barrier, 3);
        for task in tasks {
            assert!(task.await.unwrap().is_ok());
        }
    });
}

#[test]
fn reset_fails_the_tasks_waiting() {
    corio::run(async {
        let barrier = Rc::new(corio::Barrier::new(3));
        let tasks = spawn_waiters(&barrier, 2);
        corio::yield_now().await;
        barrier.reset();
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.broken());
        for task in tasks {
            assert!(task.await.unwrap().is_err());
        }
    });
}

/// Runs `body(name)` for each name as a task, as `asyncio.gather` of
/// coroutines does, and waits for them all.
async fn gather_tasks<F: std::future::Future<Output = ()> + 'static>(
    names: &[&'static str],
    body: impl Fn(&'static str) -> F,
) {
    let tasks: Vec<_> = names.iter().map(|&name| corio::create_task(body(name))).collect();
    for task in tasks {
        task.await.unwrap();
    }
}

fn draining(barrier: &corio::Barrier) -> bool {
    format!("{barrier:?}").contains("Draining")
}

/// `tests/asyncio/barrier_draining.py` (`BarrierTests`' draining cases): a
/// tripped barrier drains before it fills again; arrivals wait for the
/// drain; an abort or a reset while it drains breaks the tasks released and
/// not yet resumed.
#[test]
fn a_tripped_barrier_drains_and_an_abort_or_reset_breaks_the_tasks_not_yet_resumed() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        let barrier = Rc::new(corio::Barrier::new(5));
        gather_tasks(&["d0", "d1", "d2", "d3", "d4"], |name| {
            let (barrier, log) = (barrier.clone(), log.clone());
            async move {
                let i = barrier.wait().await.unwrap();
                log.push(format!(
                    "{name} index {i} n_waiting {} draining {}",
                    barrier.n_waiting(),
                    py_bool(draining(&barrier))
                ));
            }
        })
        .await;
        log.push(format!("after drain: draining {}", py_bool(draining(&barrier))));

        let barrier = Rc::new(corio::Barrier::new(2));
        gather_tasks(&["a", "b"], |name| {
            let (barrier, log) = (barrier.clone(), log.clone());
            async move {
                barrier.wait().await.unwrap();
                log.push(format!("{name} released once"));
                let i = barrier.wait().await.unwrap();
                log.push(format!("{name} released twice, index {i}"));
            }
        })
        .await;

        let barrier = Rc::new(corio::Barrier::new(5));
        let resumed = Rc::new(Cell::new(0));
        gather_tasks(&["h0", "h1", "h2", "h3", "h4"], |name| {
            let (barrier, log, resumed) = (barrier.clone(), log.clone(), resumed.clone());
            async move {
                if barrier.wait().await.is_err() {
                    return log.push(format!("{name} broken before it resumed"));
                }
                resumed.set(resumed.get() + 1);
                if resumed.get() > 5 / 2 {
                    log.push(format!("{name} aborts"));
                    return barrier.abort();
                }
                if barrier.wait().await.is_err() {
                    log.push(format!("{name} broken while blocked"));
                }
            }
        })
        .await;
        log.push(format!("broken {}, n_waiting {}", py_bool(barrier.broken()), barrier.n_waiting()));

        let barrier = Rc::new(corio::Barrier::new(3));
        resumed.set(0);
        gather_tasks(&["r0", "r1", "r2"], |name| {
            let (barrier, log, resumed) = (barrier.clone(), log.clone(), resumed.clone());
            async move {
                if barrier.wait().await.is_err() {
                    return log.push(format!("{name} broken by the reset"));
                }
                resumed.set(resumed.get() + 1);
                if resumed.get() == 1 {
                    log.push(format!("{name} resets"));
                    barrier.reset();
                } else {
                    log.push(format!("{name} passed"));
                }
            }
        })
        .await;
        log.push(format!("broken {}, n_waiting {}", py_bool(barrier.broken()), barrier.n_waiting()));
    });
    assert_eq!(log.take(), support::expected_log("barrier_draining"));
}
