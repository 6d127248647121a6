//! `Semaphore` and `BoundedSemaphore`, ported from CPython's
//! `test_locks.py` (`SemaphoreTests`).

mod support;

use std::rc::Rc;

use support::Log;

/// CPython's `test_acquire_fifo_order_2`.
#[test]
fn releases_serve_waiters_in_fifo_order() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let sem = Rc::new(corio::Semaphore::new(1));
        let c1 = {
            let (sem, log) = (sem.clone(), inner.clone());
            corio::create_task(async move {
                sem.acquire().await.forget();
                log.push("1");
            })
        };
        let c2 = {
            let (sem, log) = (sem.clone(), inner.clone());
            corio::create_task(async move {
                sem.acquire().await.forget();
                log.push("2");
                sem.release();
                sem.acquire().await.forget();
                log.push("4");
            })
        };
        let c3 = {
            let (sem, log) = (sem.clone(), inner.clone());
            corio::create_task(async move {
                sem.acquire().await.forget();
                log.push("3");
            })
        };
        corio::yield_now().await;
        sem.release();
        sem.release();
        for task in [c1, c2, c3] {
            task.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["1", "2", "3", "4"]);
}

/// CPython's `test_acquire_cancel_before_awoken`.
#[test]
fn a_permit_set_aside_for_a_cancelled_waiter_passes_on() {
    corio::run(async {
        let sem = Rc::new(corio::Semaphore::new(0));
        let spawn =
            |sem: Rc<corio::Semaphore>| corio::create_task(async move { sem.acquire().await.forget() });
        let tasks: Vec<_> = (0..4).map(|_| spawn(sem.clone())).collect();
        corio::yield_now().await;
        tasks[0].cancel();
        tasks[1].cancel();
        sem.release();
        corio::yield_now().await;
        corio::yield_now().await;
        assert!(tasks[2].done(), "the released permit reached the first live waiter");
        assert!(!tasks[3].done());
        assert_eq!(sem.available_permits(), 0);
        tasks[3].cancel();
        corio::yield_now().await;
    });
}

#[test]
fn permits_are_released_on_drop_and_forgotten_on_request() {
    corio::run(async {
        let sem = corio::Semaphore::new(2);
        let a = sem.acquire().await;
        let b = sem.try_acquire().unwrap();
        assert!(sem.locked());
        drop(a);
        assert_eq!(sem.available_permits(), 1);
        b.forget();
        assert_eq!(sem.available_permits(), 1);
        sem.release();
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn a_bounded_semaphore_refuses_an_extra_release() {
    let sem = corio::BoundedSemaphore::new(2);
    assert_eq!(sem.release().unwrap_err().to_string(), "BoundedSemaphore released too many times");
    sem.try_acquire().unwrap().forget();
    assert!(sem.release().is_ok());
    assert!(sem.release().is_err());
    assert_eq!(sem.available_permits(), 2);
}
