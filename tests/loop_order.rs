//! The order of callbacks and task steps matches CPython's asyncio.

mod support;

use std::time::Duration;

use support::{expected_log, Log};

/// `tests/asyncio/order1.py` (`shared/conformance/order1.py`), ported.
#[test]
fn order1_matches_cpython() {
    async fn worker(name: &'static str, log: Log) -> &'static str {
        log.push(format!("{name}-start"));
        corio::sleep(Duration::ZERO).await;
        log.push(format!("{name}-resumed"));
        name
    }

    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        corio::call_soon(log.pusher("cb1"));
        let t1 = corio::create_task(worker("t1", log.clone()));
        corio::call_soon(log.pusher("cb2"));
        let t2 = corio::create_task(worker("t2", log.clone()));
        log.push("main-before");
        corio::sleep(Duration::ZERO).await;
        log.push("main-after-1");
        corio::sleep(Duration::ZERO).await;
        log.push("main-after-2");
        let r = [t1.await.unwrap(), t2.await.unwrap()];
        log.push(format!("gathered-{r:?}").replace('"', "'"));
    });
    assert_eq!(log.take(), expected_log("order1"));
}

/// asyncio runs a timer's callback, which wakes the sleeping task, so the
/// task resumes one turn after callbacks due at the same instant:
/// `tests/asyncio/timer_order.py`.
#[test]
fn timer_wakeups_follow_asyncio() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        let when = corio::time() + Duration::from_millis(10);
        let sleeper_log = log.clone();
        let sleeper = corio::create_task(async move {
            corio::sleep_until(when).await;
            sleeper_log.push("sleeper");
        });
        corio::yield_now().await; // the sleeper arms its timer first
        corio::call_at(when, log.pusher("callback"));
        sleeper.await.unwrap();
    });
    assert_eq!(log.take(), expected_log("timer_order"));
}

#[test]
fn callbacks_run_in_fifo_order_with_task_wakeups() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        for i in 0..3 {
            corio::call_soon(log.pusher(&format!("cb{i}")));
            let l = log.clone();
            corio::create_task(async move { l.push(format!("task{i}")) });
        }
        corio::yield_now().await;
        log.push("main");
    });
    assert_eq!(log.take(), ["cb0", "task0", "cb1", "task1", "cb2", "task2", "main"]);
}

#[test]
fn timers_due_together_fire_in_the_order_they_were_set() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        let when = corio::time() + Duration::from_millis(5);
        for i in 0..10 {
            corio::call_at(when, log.pusher(&i.to_string()));
        }
        corio::call_at(when - Duration::from_millis(1), log.pusher("earlier"));
        corio::sleep(Duration::from_millis(20)).await;
    });
    let expected: Vec<String> =
        std::iter::once("earlier".to_owned()).chain((0..10).map(|i| i.to_string())).collect();
    assert_eq!(log.take(), expected);
}

#[test]
fn cancelled_handles_do_not_run() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        let soon = corio::call_soon(log.pusher("soon"));
        let later = corio::call_later(Duration::from_millis(1), log.pusher("later"));
        corio::call_soon(log.pusher("kept"));
        soon.cancel();
        later.cancel();
        assert!(soon.cancelled() && later.cancelled());
        corio::sleep(Duration::from_millis(5)).await;
    });
    assert_eq!(log.take(), ["kept"]);
}
