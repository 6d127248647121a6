//! `wait` and `shield`, after CPython's `test_tasks.py`.

use std::future::pending;
use std::time::Duration;

use corio::ReturnWhen;

fn sleeper(ms: u64) -> corio::Task<u64> {
    corio::create_task(async move {
        corio::sleep(Duration::from_millis(ms)).await;
        ms
    })
}

fn ids<T: 'static>(tasks: &[corio::Task<T>]) -> Vec<String> {
    tasks.iter().map(|task| task.name()).collect()
}

#[test]
fn first_completed_returns_as_soon_as_one_ends_and_keeps_input_order() {
    corio::run(async {
        let tasks = vec![sleeper(3_600_000), sleeper(1), sleeper(3_600_000)];
        let names = ids(&tasks);
        let (done, pending) = corio::wait(tasks, ReturnWhen::FirstCompleted, None).await;
        assert_eq!(ids(&done), [names[1].clone()]);
        assert_eq!(ids(&pending), [names[0].clone(), names[2].clone()]);
        assert!(pending.iter().all(|task| !task.done()), "wait cancels nothing");
        for task in pending {
            task.cancel();
        }
    });
}

#[test]
fn all_completed_waits_for_every_task() {
    corio::run(async {
        let (done, pending) =
            corio::wait([sleeper(5), sleeper(1), sleeper(3)], ReturnWhen::AllCompleted, None).await;
        assert!(pending.is_empty());
        let mut values = Vec::new();
        for task in done {
            values.push(task.await.unwrap());
        }
        assert_eq!(values, [5, 1, 3]);
    });
}

#[test]
fn first_exception_counts_panics_but_not_errors_or_cancellations() {
    corio::run(async {
        corio::set_exception_handler(Some(std::rc::Rc::new(|_: &corio::ExceptionContext| {})));
        let err = corio::create_task(async { Err::<(), &str>("an ordinary output") });
        let cancelled = corio::create_task(pending::<Result<(), &str>>());
        cancelled.cancel();
        let panics = corio::create_task(async {
            corio::sleep(Duration::from_millis(5)).await;
            panic!("boom")
        });
        let slow = corio::create_task(async {
            corio::sleep(Duration::from_secs(3600)).await;
            Ok(())
        });
        let (done, pending) =
            corio::wait([err, cancelled, panics, slow], ReturnWhen::FirstException, None).await;
        assert_eq!(done.len(), 3, "returned at the panic, not before");
        assert_eq!(pending.len(), 1);
        pending[0].cancel();
    });
}

#[test]
fn a_timeout_returns_what_is_pending_without_cancelling() {
    corio::run(async {
        let slow = sleeper(3_600_000);
        let (done, pending) =
            corio::wait([slow], ReturnWhen::AllCompleted, Some(Duration::from_millis(2))).await;
        assert!(done.is_empty());
        assert!(!pending[0].done() && !pending[0].cancelled());
        pending[0].cancel();
    });
}

#[test]
fn wait_learns_of_finished_tasks_on_the_next_turn() {
    corio::run(async {
        let task = corio::create_task(async { 1 });
        corio::yield_now().await;
        assert!(task.done());
        let (done, _) = corio::wait([task], ReturnWhen::FirstCompleted, None).await;
        assert_eq!(done.len(), 1);
    });
}

#[test]
fn a_shielded_future_survives_its_awaiter() {
    corio::run(async {
        let shielded = corio::shield(async {
            corio::sleep(Duration::from_millis(5)).await;
            "finished"
        });
        let task = shielded.task().info().id();
        let awaiter = corio::create_task(shielded);
        corio::yield_now().await;
        awaiter.cancel();
        assert!(awaiter.await.unwrap_err().is_cancelled());
        assert!(corio::all_tasks().iter().any(|t| t.id() == task), "the shielded task runs on");
        corio::sleep(Duration::from_millis(10)).await;
        assert!(!corio::all_tasks().iter().any(|t| t.id() == task), "and finishes");
    });
}
