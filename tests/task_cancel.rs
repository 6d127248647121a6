//! `Task::cancel`: the future is dropped at its `.await`, never inside the
//! call, and awaiters see a cancellation.

mod support;

use std::future::pending;
use std::rc::Rc;
use std::time::Duration;

use support::{expected_log, DropCounter, Finally, Log};

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

/// `tests/asyncio/cancel_awaited.py`: cancelling the awaiter cancels the
/// task it awaits — a cancelled awaiter, a `wait_for` that timed out, a
/// cancelled `gather`; `shield` opts out, and `wait` never cancels. The
/// awaited task's `finally` runs before the awaiter's code goes on.
#[test]
fn cancelling_the_awaiter_cancels_the_awaited_task() {
    let log = Log::new();
    let l = log.clone();
    corio::run(async move {
        let inner = |name: &'static str| {
            let l = l.clone();
            corio::create_task(async move {
                let _finally = Finally(l, name);
                corio::sleep(Duration::from_secs(3600)).await;
            })
        };
        let alive = |id: corio::TaskId| corio::all_tasks().iter().any(|task| task.id() == id);

        let awaited = inner("awaited");
        let awaited_id = awaited.id();
        let outer = corio::create_task(awaited);
        corio::yield_now().await;
        outer.cancel();
        if outer.await.unwrap_err().is_cancelled() {
            l.push("awaiter cancelled");
        }
        l.push(format!("awaited cancelled: {}", if alive(awaited_id) { "False" } else { "True" }));

        let timed = inner("timed");
        let timed_id = timed.id();
        if corio::wait_for(Duration::from_millis(10), timed).await.is_err() {
            l.push("wait_for timeout");
        }
        l.push(format!("timed cancelled: {}", if alive(timed_id) { "False" } else { "True" }));

        let (a, b) = (inner("a"), inner("b"));
        let ids = [a.id(), b.id()];
        let gatherer = corio::create_task(async move { corio::gather([a, b]).await });
        corio::yield_now().await;
        gatherer.cancel();
        if gatherer.await.unwrap_err().is_cancelled() {
            l.push("gather cancelled");
        }
        let gone = |id| if alive(id) { "False" } else { "True" };
        l.push(format!("children cancelled: {} {}", gone(ids[0]), gone(ids[1])));

        // The shielded task stops when told to (the twin cancels it; a
        // shield leaves no handle here to cancel with).
        let stop = Rc::new(corio::Event::new());
        let shielded = corio::shield({
            let (l, stop) = (l.clone(), stop.clone());
            async move {
                let _finally = Finally(l, "shielded");
                stop.wait().await;
            }
        });
        let shielded_id = shielded.task().id();
        if corio::wait_for(Duration::from_millis(10), shielded).await.is_err() {
            l.push("shield timeout");
        }
        l.push(format!("shielded done: {}", if alive(shielded_id) { "False" } else { "True" }));
        stop.set();
        corio::yield_now().await;

        let waited = inner("waited");
        let timeout = Some(Duration::from_millis(10));
        let (_, pending) = corio::wait([waited], corio::ReturnWhen::AllCompleted, timeout).await;
        let python = |yes: bool| if yes { "True" } else { "False" };
        l.push(format!("wait: pending {}, done {}", python(pending.len() == 1), python(pending[0].done())));
        pending[0].cancel();
        corio::yield_now().await;
    });
    let mut seen = log.take();
    for event in &mut seen {
        if let Some(name) = event.strip_suffix("-finally") {
            *event = format!("{name} finally");
        }
    }
    assert_eq!(seen, expected_log("cancel_awaited"));
}
