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

/// `tests/asyncio/timeout_edges.py`: the edges of a deadline, as CPython
/// 3.11 has them.
#[test]
fn timeouts_at_their_edges_follow_asyncio() {
    let log = Log::new();
    let l = log.clone();
    corio::run(async move {
        // The body's own timer is due with the deadline: the deadline wins.
        let when = corio::time() + Duration::from_millis(5);
        match corio::timeout_at(when, corio::sleep_until(when)).await {
            Ok(()) => l.push("tie: body"),
            Err(_) => l.push("tie: timeout"),
        }
        // Nested, due at the same instant: the outer reports, and nothing
        // after the inner scope runs.
        let outer_when = corio::time() + Duration::from_millis(10);
        let nested = corio::timeout_at(outer_when, {
            let l = l.clone();
            async move {
                let inner = async {
                    let _exit = Finally(l.clone(), "nested: inner exit");
                    corio::sleep(Duration::from_secs(3600)).await;
                };
                let _ = corio::timeout_at(outer_when, inner).await;
                l.push("nested: after inner");
            }
        });
        if nested.await.is_err() {
            l.push("nested: outer timeout");
        }
        // A zero timeout: expires at the body's first suspension...
        match corio::timeout(Duration::ZERO, corio::yield_now()).await {
            Ok(()) => l.push("zero: body"),
            Err(_) => l.push("zero: timeout"),
        }
        // ...and a body that does not suspend wins.
        match corio::timeout(Duration::ZERO, async {}).await {
            Ok(()) => l.push("zero: no suspension"),
            Err(_) => l.push("zero: timeout without suspension"),
        }
        if corio::wait_for(Duration::ZERO, corio::sleep(Duration::from_secs(3600))).await.is_err() {
            l.push("wait_for zero: timeout");
        }
    });
    let mut seen = log.take();
    // `Finally` logs "<name>-finally"; the twin logs the name alone.
    for event in &mut seen {
        if let Some(name) = event.strip_suffix("-finally") {
            *event = name.to_owned();
        }
    }
    assert_eq!(seen, expected_log("timeout_edges"));
}

#[test]
fn a_body_finished_at_the_first_poll_wins_over_a_past_deadline() {
    corio::run(async {
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
