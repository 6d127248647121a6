//! `TaskGroup`, after CPython's `test_taskgroups.py`.

mod support;

use std::future::pending;
use std::time::Duration;

use support::{expected_log, Finally, Log};

/// `tests/asyncio/taskgroup_order.py`.
#[test]
fn the_first_failure_cancels_the_rest_as_in_cpython() {
    let log = Log::new();
    let l = log.clone();
    corio::run(async move {
        let group = corio::TaskGroup::new();
        let fails_log = l.clone();
        group.create_task(async move {
            corio::sleep(Duration::from_millis(10)).await;
            fails_log.push("fails-raise");
            Err::<(), _>("boom")
        });
        let slow_log = l.clone();
        let slow = group.create_task(async move {
            let _finally = Finally(slow_log, "slow");
            corio::sleep(Duration::from_secs(3600)).await;
            Ok(())
        });
        let quick_log = l.clone();
        let quick = group.create_task(async move {
            quick_log.push("quick-done");
            Ok(1)
        });
        l.push("body-end");
        match group.wait().await {
            Ok(()) => l.push("no error"),
            Err(err) => l.push(format!("caught-{}", err.errors().len() + err.panics().len())),
        }
        assert!(slow.await.unwrap_err().is_cancelled());
        assert_eq!(quick.await.unwrap(), 1);
    });
    assert_eq!(log.take(), expected_log("taskgroup_order"));
}

#[test]
fn a_failed_tasks_handle_reports_a_cancellation() {
    corio::run(async {
        let group = corio::TaskGroup::new();
        let failing = group.create_task(async { Err::<u8, _>("e") });
        let err = group.wait().await.unwrap_err();
        assert_eq!(err.errors(), ["e"]);
        assert_eq!(err.to_string(), "1 task(s) of the group failed; the first: e");
        assert!(failing.await.unwrap_err().is_cancelled());
    });
}

/// As in CPython, the group hears of a failure one turn later, so tasks
/// failing in the same turn are all reported:
/// `tests/asyncio/taskgroup_errors.py` prints `[0, 1, 2]` for both cases.
#[test]
fn every_error_of_the_same_turn_is_collected() {
    corio::run(async {
        let group = corio::TaskGroup::new();
        for i in 0..3 {
            group.create_task(async move { Err::<(), _>(i) });
        }
        let (errors, panics) = group.wait().await.unwrap_err().into_parts();
        assert_eq!(errors, [0, 1, 2]);
        assert!(panics.is_empty());

        // Failing after a wake-up in the same turn: the same.
        let event = std::rc::Rc::new(corio::Event::new());
        let group = corio::TaskGroup::new();
        for i in 0..3 {
            let event = event.clone();
            group.create_task(async move {
                event.wait().await;
                Err::<(), _>(i)
            });
        }
        corio::yield_now().await;
        event.set();
        assert_eq!(group.wait().await.unwrap_err().into_parts().0, [0, 1, 2]);
    });
}

#[test]
fn a_panic_fails_the_group_and_is_handed_to_wait() {
    corio::run(async {
        let group = corio::TaskGroup::<()>::new();
        let sibling = group.create_task(pending::<Result<(), ()>>());
        group.create_task(async { panic!("member panicked") as Result<(), ()> });
        let err = group.wait().await.unwrap_err();
        assert_eq!(err.panics().len(), 1);
        assert_eq!(err.panics()[0].to_string(), "task panicked: member panicked");
        assert!(sibling.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn tasks_created_after_a_failure_are_cancelled_at_once() {
    corio::run(async {
        let group = corio::TaskGroup::new();
        group.create_task(async { Err::<(), _>("first") });
        corio::yield_now().await;
        let log = Log::new();
        let l = log.clone();
        let late = group.create_task(async move {
            l.push("late ran");
            Ok(())
        });
        assert!(group.wait().await.is_err());
        assert!(late.await.unwrap_err().is_cancelled());
        assert!(log.take().is_empty());
    });
}

#[test]
fn success_returns_ok_and_values_reach_the_handles() {
    corio::run(async {
        let group = corio::TaskGroup::<String>::new();
        let tasks: Vec<_> = (0..5u64)
            .map(|i| {
                group.create_task(async move {
                    corio::sleep(Duration::from_millis(i)).await;
                    Ok(i * i)
                })
            })
            .collect();
        assert!(group.wait().await.is_ok());
        let mut squares = Vec::new();
        for task in tasks {
            squares.push(task.await.unwrap());
        }
        assert_eq!(squares, [0, 1, 4, 9, 16]);
    });
}

#[test]
fn dropping_the_group_cancels_its_tasks() {
    let log = Log::new();
    let l = log.clone();
    corio::run(async move {
        let group = corio::TaskGroup::<()>::new();
        let task = group.create_task(async move {
            let _finally = Finally(l, "member");
            pending::<Result<(), ()>>().await
        });
        corio::yield_now().await;
        drop(group);
        assert!(task.await.unwrap_err().is_cancelled());
    });
    assert_eq!(log.take(), ["member-finally"]);
}
