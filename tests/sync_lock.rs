//! `Lock`, ported from CPython's `test_locks.py` (`LockTests`).

mod support;

use std::cell::Cell;
use std::rc::Rc;

use support::Log;

#[test]
fn waiters_acquire_in_fifo_order() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let lock = Rc::new(corio::Lock::new());
        let guard = lock.lock().await;
        let tasks: Vec<_> = (1..=3)
            .map(|i| {
                let (lock, log) = (lock.clone(), inner.clone());
                corio::create_task(async move {
                    let _guard = lock.lock().await;
                    log.push(i.to_string());
                    corio::yield_now().await;
                })
            })
            .collect();
        corio::yield_now().await;
        assert!(lock.try_lock().is_none(), "try_lock must not jump the queue");
        drop(guard);
        assert!(!lock.locked(), "released to the first waiter, which takes it when it runs");
        assert!(lock.try_lock().is_none(), "a woken waiter keeps its place");
        for task in tasks {
            task.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["1", "2", "3"]);
}

#[test]
fn a_waiter_cancelled_while_queued_leaves_the_queue() {
    corio::run(async {
        let lock = Rc::new(corio::Lock::new());
        let guard = lock.lock().await;
        let spawn = |lock: Rc<corio::Lock>| corio::create_task(async move { drop(lock.lock().await) });
        let (t1, t2, t3) = (spawn(lock.clone()), spawn(lock.clone()), spawn(lock.clone()));
        corio::yield_now().await;
        t2.cancel();
        corio::yield_now().await;
        drop(guard);
        assert!(t1.await.is_ok());
        assert!(t2.await.unwrap_err().is_cancelled());
        assert!(t3.await.is_ok());
        assert!(!lock.locked());
    });
}

/// CPython's `test_cancel_release_race` (bpo-32734): cancelling the first
/// waiter in the same turn as the release must hand the lock to exactly one
/// other waiter.
#[test]
fn cancel_and_release_in_one_turn_hand_the_lock_to_exactly_one_waiter() {
    corio::run(async {
        let lock = Rc::new(corio::Lock::new());
        let taken = Rc::new(Cell::new(0));
        let guard = lock.clone().lock_owned().await;
        let lockit = || {
            let (lock, taken) = (lock.clone(), taken.clone());
            corio::create_task(async move {
                let guard = lock.lock().await;
                taken.set(taken.get() + 1);
                std::mem::forget(guard); // keep it, as the Python test does
            })
        };
        let (t1, t2, t3) = (Rc::new(lockit()), lockit(), lockit());
        corio::yield_now().await;
        let first = t1.clone();
        corio::call_soon(move || {
            first.cancel();
            drop(guard);
        });
        corio::yield_now().await;
        corio::yield_now().await;
        corio::yield_now().await;
        assert!(t1.cancelled());
        assert!(t2.done() && !t3.done());
        assert_eq!(taken.get(), 1);
        t3.cancel();
        assert!(t3.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn try_lock_and_locked() {
    let lock = corio::Lock::new();
    let guard = lock.try_lock().unwrap();
    assert!(lock.locked());
    assert!(lock.try_lock().is_none());
    drop(guard);
    assert!(!lock.locked());
    assert!(lock.try_lock().is_some());
}
