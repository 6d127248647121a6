//! `Task::cancel`: the future is dropped at its `.await`, never inside the
//! call, and awaiters see a cancellation.

mod support;

use std::future::pending;
use std::time::Duration;

use support::{DropCounter, Log};

#[test]
fn a_task_cancelled_before_its_first_poll_never_runs() {
    let log = Log::new();
    let drops = DropCounter::new();
    let (body_log, token) = (log.clone(), drops.token());
    let result = corio::run(async move {
        let task = corio::create_task(async move {
            let _token = token;
            body_log.push("body");
        });
        assert!(task.cancel());
        assert_eq!(drops.count(), 0, "cancel must not drop the future inside the call");
        let result = task.await;
        assert_eq!(drops.count(), 1, "the future is dropped when the loop reaches the task");
        result
    });
    let err = result.unwrap_err();
    assert!(err.is_cancelled() && !err.is_panic());
    assert_eq!(err.to_string(), "task Task-2 was cancelled");
    assert!(log.take().is_empty());
}

#[test]
fn a_running_task_is_dropped_at_its_await_point() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        let inner = log.clone();
        let task = corio::create_task(async move {
            struct Finally(Log);
            impl Drop for Finally {
                fn drop(&mut self) {
                    self.0.push("finally");
                }
            }
            let _finally = Finally(inner.clone());
            inner.push("started");
            corio::sleep(Duration::from_secs(3600)).await;
            inner.push("never");
        });
        corio::yield_now().await;
        assert!(task.cancel());
        log.push("cancel returned");
        assert!(!task.done(), "the task ends when the loop reaches it, not inside cancel");
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled());
        log.push("awaited");
    });
    assert_eq!(log.take(), ["started", "cancel returned", "finally", "awaited"]);
}

#[test]
fn cancel_reports_whether_the_task_was_still_running() {
    corio::run(async {
        let task = corio::create_task(async { 1 });
        corio::yield_now().await;
        assert!(task.done());
        assert!(!task.cancel(), "cancelling a finished task does nothing");
        assert!(!task.cancelled());
        assert_eq!(task.await.unwrap(), 1);

        let task = corio::create_task(pending::<()>());
        assert!(task.cancel());
        assert!(task.cancel(), "asking again is still true while it has not ended");
        corio::yield_now().await;
        assert!(task.done() && task.cancelled());
        assert!(!task.cancel());
    });
}

#[test]
fn a_task_may_cancel_itself_and_ends_at_its_next_await() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let task = std::rc::Rc::new(std::cell::RefCell::new(None::<corio::Task<()>>));
        let me = task.clone();
        let handle = corio::create_task(async move {
            assert!(me.borrow().as_ref().unwrap().cancel());
            inner.push("after cancel");
            corio::yield_now().await;
            inner.push("never");
        });
        *task.borrow_mut() = Some(handle);
        corio::sleep(Duration::from_millis(1)).await;
        let handle = task.borrow_mut().take().unwrap();
        assert!(handle.await.unwrap_err().is_cancelled());
    });
    assert_eq!(log.take(), ["after cancel"]);
}

#[test]
fn a_value_returned_in_the_step_that_was_cancelled_is_discarded() {
    // asyncio's Task.__step: if the coroutine returns while a cancellation
    // is pending, the task ends cancelled.
    corio::run(async {
        let slot = std::rc::Rc::new(std::cell::RefCell::new(None::<corio::Task<u32>>));
        let me = slot.clone();
        let task = corio::create_task(async move {
            me.borrow().as_ref().unwrap().cancel();
            7
        });
        *slot.borrow_mut() = Some(task);
        corio::yield_now().await;
        let task = slot.borrow_mut().take().unwrap();
        assert!(task.cancelled());
        assert!(task.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn cancelling_an_awaiter_detaches_the_task_it_awaited() {
    corio::run(async {
        let (inner_done, resolver) = corio::promise();
        let inner = corio::create_task_named("inner", async move {
            corio::sleep(Duration::from_millis(1)).await;
            resolver.resolve(());
            "inner done"
        });
        // The outer task's future is the inner task's handle.
        let outer = corio::create_task_named("outer", inner);
        corio::yield_now().await;
        assert!(outer.cancel());
        assert!(outer.await.unwrap_err().is_cancelled());
        // The outer future, and the `inner` handle in it, were dropped: the
        // inner task is detached, not cancelled, and runs on.
        let names: Vec<String> = corio::all_tasks().iter().map(|t| t.name().to_owned()).collect();
        assert_eq!(names, ["Task-1", "inner"]);
        inner_done.await.unwrap();
        assert_eq!(corio::all_tasks().len(), 1, "inner finished on its own");
    });
}
