//! `wait_for`, `timeout` and `timeout_at`, after CPython's
//! `test_waitfor.py` and `test_timeouts.py`.

mod support;

use std::time::Duration;

use support::{expected_log, Finally, Log};

/// `tests/asyncio/waitfor_order.py`: the inner future's `finally` runs
/// before the timeout is seen.
#[test]
fn wait_for_drops_the_future_before_returning_the_error() {
    let log = Log::new();
    let l = log.clone();
    corio::run(async move {
        let inner_log = l.clone();
        let inner = async move {
            let _finally = Finally(inner_log, "inner");
            corio::sleep(Duration::from_secs(3600)).await;
        };
        if corio::wait_for(Duration::from_millis(10), inner).await.is_err() {
            l.push("timeout");
        }
    });
    assert_eq!(log.take(), expected_log("waitfor_order"));
}

#[test]
fn a_result_ready_at_the_deadline_wins() {
    corio::run(async {
        let when = corio::time() + Duration::from_millis(5);
        // The inner timer and the deadline fire in the same turn.
        assert_eq!(
            corio::timeout_at(when, async {
                corio::sleep_until(when).await;
                "made it"
            })
            .await,
            Ok("made it")
        );
        // Already finished on the first poll, with a deadline in the past.
        assert_eq!(corio::timeout_at(corio::time() - Duration::from_millis(1), async { 1 }).await, Ok(1));
    });
}

#[test]
fn the_deadline_is_fixed_when_the_timeout_is_made() {
    corio::run(async {
        let timeout = Duration::from_millis(500);
        let made_early = corio::wait_for(timeout, std::future::pending::<()>());
        corio::sleep(timeout).await;
        let before = corio::time();
        assert!(made_early.await.is_err());
        // Its deadline passed while it waited to be awaited, so it fails at
        // once; a deadline fixed at the first poll would take another 500 ms.
        assert!(corio::time() - before < timeout);
    });
}

#[test]
fn timeouts_that_do_not_fire_free_their_timers() {
    corio::run(async {
        for _ in 0..10_000 {
            assert_eq!(corio::timeout(Duration::from_secs(60), async { 7 }).await, Ok(7));
        }
        // Only this task is left, and no timer holds the loop open.
        assert_eq!(corio::all_tasks().len(), 1);
    });
}
