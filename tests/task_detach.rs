//! Dropping a `Task` detaches it; `add_done_callback`, `try_result` and the
//! task registry.

mod support;

use std::time::Duration;

use corio::TaskState;
use support::Log;

#[test]
fn a_dropped_handle_leaves_the_task_running() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        let l = log.clone();
        let (finished, resolver) = corio::promise();
        drop(corio::create_task(async move {
            corio::sleep(Duration::from_millis(1)).await;
            l.push("detached task finished");
            resolver.resolve(());
        }));
        log.push("handle dropped");
        finished.await.unwrap();
        log.push("main");
    });
    assert_eq!(log.take(), ["handle dropped", "detached task finished", "main"]);
}

#[test]
fn done_callbacks_are_scheduled_never_called_inline() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        let l = log.clone();
        let task = corio::create_task(async move {
            l.push("task body");
            5
        });
        let l = log.clone();
        task.add_done_callback(move |t| l.push(format!("callback 1: done={}", t.done())));
        let l = log.clone();
        task.add_done_callback(move |t| {
            l.push(format!("callback 2: {:?}", t.try_result().map(Result::unwrap)))
        });
        corio::yield_now().await; // the task body runs; its callbacks are scheduled
        log.push("after first turn");
        corio::yield_now().await;
        // On a finished task, the callback is still scheduled, not called.
        let l = log.clone();
        task.add_done_callback(move |_| l.push("callback 3"));
        log.push("added callback 3");
        corio::yield_now().await;
    });
    assert_eq!(
        log.take(),
        [
            "task body",
            "after first turn",
            "callback 1: done=true",
            "callback 2: Some(5)",
            "added callback 3",
            "callback 3"
        ]
    );
}

#[test]
fn all_tasks_and_current_task_describe_the_running_tasks() {
    corio::run(async {
        let main = corio::current_task().unwrap();
        assert_eq!(main.name(), "Task-1");
        assert_eq!(main.state(), TaskState::Running);
        let task = corio::create_task(async {
            let me = corio::current_task().unwrap();
            (me.name().to_owned(), me.parent(), me.location().line())
        });
        let line = line!() - 4;
        task.set_name("renamed");
        let info = task.info();
        assert_eq!(info.state(), TaskState::Scheduled);
        assert_eq!(info.location().file(), file!());
        assert_eq!(info.location().line(), line);
        let listed: Vec<_> =
            corio::all_tasks().into_iter().map(|t| (t.name().to_owned(), t.state())).collect();
        assert_eq!(
            listed,
            [("Task-1".to_owned(), TaskState::Running), ("renamed".to_owned(), TaskState::Scheduled)]
        );
        let (name, parent, created_line) = task.await.unwrap();
        assert_eq!((name.as_str(), parent, created_line), ("renamed", Some(main.id()), line));
        assert_eq!(corio::all_tasks().len(), 1);
    });
    assert!(corio::current_task().is_none());
    assert!(corio::all_tasks().is_empty());
}

#[test]
fn a_callback_has_no_current_task() {
    corio::run(async {
        let seen = std::rc::Rc::new(std::cell::Cell::new(true));
        let flag = seen.clone();
        corio::call_soon(move || flag.set(corio::current_task().is_some()));
        corio::yield_now().await;
        assert!(!seen.get());
    });
}

#[test]
fn a_suspended_task_is_pending() {
    corio::run(async {
        let task = corio::create_task(corio::sleep(Duration::from_secs(60)));
        corio::yield_now().await;
        assert_eq!(task.info().state(), TaskState::Pending);
        task.cancel();
        assert_eq!(task.info().state(), TaskState::Scheduled);
        corio::yield_now().await;
        assert_eq!(task.info().state(), TaskState::Cancelled);
    });
}
