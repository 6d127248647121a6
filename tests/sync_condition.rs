//! `Condition`, ported from CPython's `test_locks.py`.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use support::Log;

/// CPython's `ConditionTests.test_notify`: `notify(n)` wakes exactly `n`.
#[test]
fn notify_wakes_that_many_waiters_in_fifo_order() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let cond = Rc::new(corio::Condition::new());
        let tasks: Vec<_> = (1..=3)
            .map(|i| {
                let (cond, log) = (cond.clone(), inner.clone());
                corio::create_task(async move {
                    let guard = cond.lock().await;
                    let _guard = cond.wait(guard).await;
                    log.push(i.to_string());
                })
            })
            .collect();
        corio::yield_now().await;
        cond.notify(1);
        for _ in 0..3 {
            corio::yield_now().await;
        }
        assert_eq!(inner.take(), ["1"]);
        cond.notify(2);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(inner.take(), ["2", "3"]);
        assert!(!cond.locked());
    });
    assert!(log.take().is_empty());
}

/// CPython's `test_wait_cancel_after_notify`: a notification given to a
/// waiter that is then cancelled passes to the next one.
#[test]
fn a_notification_given_to_a_cancelled_waiter_passes_on() {
    corio::run(async {
        let cond = Rc::new(corio::Condition::new());
        let woken = Rc::new(Cell::new(0));
        let spawn = || {
            let (cond, woken) = (cond.clone(), woken.clone());
            corio::create_task(async move {
                let guard = cond.lock().await;
                let _guard = cond.wait(guard).await;
                woken.set(woken.get() + 1);
            })
        };
        let (first, second) = (spawn(), spawn());
        corio::yield_now().await;
        cond.notify(1);
        first.cancel();
        assert!(second.await.is_ok());
        assert!(first.await.unwrap_err().is_cancelled());
        assert_eq!(woken.get(), 1);
    });
}

#[test]
fn wait_for_checks_the_predicate_with_the_lock_held() {
    corio::run(async {
        let cond = Rc::new(corio::Condition::with_lock(corio::Lock::new()));
        let value = Rc::new(Cell::new(0));
        let waiter = {
            let (cond, value) = (cond.clone(), value.clone());
            corio::create_task(async move {
                let guard = cond.lock().await;
                let _guard = cond.wait_for(guard, || value.get() == 2).await;
                assert!(cond.locked());
                value.get()
            })
        };
        for v in 1..=2 {
            corio::yield_now().await;
            let _guard = cond.lock().await;
            value.set(v);
            cond.notify_all();
        }
        assert_eq!(waiter.await.unwrap(), 2);
    });
}

#[test]
#[should_panic(expected = "guard of another lock")]
fn waiting_with_another_locks_guard_panics() {
    corio::run(async {
        let cond = corio::Condition::new();
        let other = corio::Lock::new();
        let guard = other.lock().await;
        let _ = cond.wait(guard).await;
    });
}

/// `tests/asyncio/condition_relock.py` (CPython 3.13's
/// `test_cancelled_wakeup_relock`): a consumer cancelled while it takes the
/// lock back after a notification passes the notification on, so the other
/// consumer takes the item.
#[test]
fn a_waiter_cancelled_while_relocking_passes_its_notification_on() {
    let log = Log::new();
    let inner = log.clone();
    corio::Runner::builder().virtual_time(true).build().unwrap().run(async move {
        let cond = Rc::new(corio::Condition::new());
        let state = Rc::new(Cell::new(0));
        let consumer = |name: &'static str| {
            let (cond, state, log) = (cond.clone(), state.clone(), inner.clone());
            corio::create_task(async move {
                let mut guard = cond.lock().await;
                loop {
                    guard = cond.wait_for(guard, || state.get() != 0).await;
                    if state.get() < 0 {
                        return;
                    }
                    state.set(state.get() - 1);
                    log.push(format!("{name} took the item"));
                }
            })
        };
        let consumers = [consumer("c0"), consumer("c1")];
        corio::yield_now().await;
        let guard = cond.lock().await;
        state.set(state.get() + 1);
        cond.notify(1);
        corio::yield_now().await; // c0 wakes and waits for the lock
        consumers[0].cancel();
        let waited =
            corio::timeout(Duration::from_millis(10), cond.wait_for(guard, || state.get() == 0)).await;
        if waited.is_err() {
            inner.push("main timed out".to_string());
        }
        inner.push(format!("state {}", state.get()));
        state.set(-1);
        cond.notify_all();
        let [_, c1] = consumers;
        c1.await.unwrap();
    });
    assert_eq!(log.take(), support::expected_log("condition_relock"));
}
