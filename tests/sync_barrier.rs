//! `Barrier`, ported from CPython's `test_locks.py` (`BarrierTests`).

use std::rc::Rc;

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
