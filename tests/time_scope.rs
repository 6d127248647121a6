//! `timeout_scope`: asyncio's `Timeout`, rescheduled while the body runs
//! (`tests/asyncio/timeout_scope.py`), and leak-free when dropped.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use support::{expected_log, py_bool, Log};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The message of the panic `f` raises.
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it should panic");
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .unwrap_or_else(|| *payload.downcast::<String>().unwrap())
}

#[test]
fn a_scope_reschedules_as_asyncio_does() {
    let log = Log::new();
    let inner = log.clone();
    let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    runner.run(async move {
        let log = inner;

        let cm = corio::timeout_scope(ms(10));
        log.push(format!("when set {}", py_bool(cm.when().is_some())));
        let handle = cm.clone();
        cm.run(async {
            handle.reschedule(Some(corio::time() + ms(50)));
            corio::sleep(ms(20)).await;
        })
        .await
        .unwrap();
        log.push(format!("body 1 done, expired {}", py_bool(cm.expired())));

        let cm = corio::timeout_scope(ms(10));
        let handle = cm.clone();
        cm.run(async {
            handle.reschedule(None);
            corio::sleep(ms(20)).await;
        })
        .await
        .unwrap();
        let when = if cm.when().is_none() { "None" } else { "set" };
        log.push(format!("body 2 done, when {when}, expired {}", py_bool(cm.expired())));

        let cm = corio::timeout_scope(Duration::from_secs(10));
        let handle = cm.clone();
        let out = cm
            .run(async {
                handle.reschedule(Some(corio::time() + ms(10)));
                corio::sleep(Duration::from_secs(1)).await;
                log.push("not reached");
            })
            .await;
        assert!(out.is_err());
        log.push(format!("timed out 3, expired {}", py_bool(cm.expired())));

        let cm = corio::timeout_scope(Duration::from_secs(10));
        let handle = cm.clone();
        let out = cm
            .run(async {
                handle.reschedule(Some(corio::time() - Duration::from_secs(1)));
                log.push("after a reschedule into the past");
                corio::yield_now().await;
                log.push("not reached");
            })
            .await;
        assert!(out.is_err());
        log.push(format!("timed out 4, expired {}", py_bool(cm.expired())));

        let cm5 = corio::timeout_scope_at(None);
        let other = {
            let (cm5, log) = (cm5.clone(), log.clone());
            corio::create_task(async move {
                corio::sleep(ms(10)).await;
                cm5.reschedule(Some(corio::time() + ms(10)));
                log.push("another task set the deadline");
            })
        };
        let out = cm5
            .run(async {
                corio::sleep(Duration::from_secs(1)).await;
                log.push("not reached");
            })
            .await;
        assert!(out.is_err());
        log.push(format!("timed out 5, expired {}", py_bool(cm5.expired())));
        other.await.unwrap();

        log.push(format!("error: {}", panic_message(|| cm5.reschedule(None))));
        let fresh = corio::timeout_scope(Duration::from_secs(1));
        log.push(format!("error: {}", panic_message(|| fresh.reschedule(None))));

        let cm = corio::timeout_scope_at(Some(corio::time() - Duration::from_secs(1)));
        cm.run(async { log.push("body 8 ran") }).await.unwrap();
        log.push(format!("8 expired {}", py_bool(cm.expired())));

        let outer = corio::timeout_scope(ms(10));
        let inner = corio::timeout_scope_at(outer.when());
        let out = outer.run(inner.run(corio::sleep(Duration::from_secs(1)))).await;
        assert!(out.is_err(), "the outer scope reports");
        log.push(format!(
            "nested: outer expired {}, inner expired {}",
            py_bool(outer.expired()),
            py_bool(inner.expired())
        ));
    });
    assert_eq!(log.take(), expected_log("timeout_scope"));
}

/// An outer timeout that wins drops the scope: it did not expire, and it
/// cannot be entered again or moved. (Its timer going with it is checked by
/// `loop_cancel_safety.rs`.)
#[test]
fn a_scope_dropped_by_an_outer_timeout_is_finished() {
    let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    runner.run(async {
        let scope = corio::timeout_scope(Duration::from_secs(3600));
        let out = corio::wait_for(ms(5), scope.run(std::future::pending::<()>())).await;
        assert!(out.is_err(), "the outer timeout wins");
        assert!(!scope.expired());
        assert_eq!(panic_message(|| scope.reschedule(None)), "Cannot change state of finished Timeout");
    });
}

/// Once the deadline has passed, a task that runs before the body's next
/// poll already sees the scope expired, and can no longer move it (asyncio:
/// "Cannot change state of expiring Timeout").
#[test]
fn an_expiring_scope_is_expired_and_cannot_be_moved() {
    let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    runner.run(async {
        let scope = corio::timeout_scope(ms(10));
        let watcher = {
            let scope = scope.clone();
            // Due at the same instant, armed first: its task runs after the
            // scope's expiry and before the body's next poll.
            corio::create_task(async move {
                corio::sleep(ms(10)).await;
                let expired = scope.expired();
                (expired, panic_message(|| scope.reschedule(None)))
            })
        };
        corio::yield_now().await;
        let out = scope.run(corio::sleep(Duration::from_secs(1))).await;
        assert!(out.is_err());
        let (expired, message) = watcher.await.unwrap();
        assert!(expired);
        assert_eq!(message, "Cannot change state of expiring Timeout");
    });
}
