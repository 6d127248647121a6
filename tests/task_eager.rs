//! Eager tasks: `create_eager_task` and `Builder::eager_tasks(true)`, as
//! asyncio's `eager_task_factory` (`tests/asyncio/eager_tasks.py`).

mod support;

use support::{expected_log, py_bool, Log};

/// The twin, line for line, on a loop whose `create_task` is eager.
#[test]
fn eager_tasks_run_as_asyncio_runs_them() {
    let log = Log::new();
    let inner = log.clone();
    let mut runner = corio::Runner::builder().eager_tasks(true).build().unwrap();
    runner.run(async move {
        let log = inner;
        let quick = |log: &Log| {
            let log = log.clone();
            async move {
                log.push("quick runs");
                1
            }
        };
        let t = corio::create_task(quick(&log));
        log.push(format!("quick created, done {}", py_bool(t.done())));
        let callback = log.pusher("quick callback");
        t.add_done_callback(move |_| callback());
        log.push("before a turn");
        corio::yield_now().await;
        log.push(format!("quick result {}", t.await.unwrap()));

        let two_steps = |name: &'static str| {
            let log = log.clone();
            async move {
                log.push(format!("{name} step 1"));
                corio::yield_now().await;
                log.push(format!("{name} step 2"));
            }
        };
        let a = corio::create_task(two_steps("a"));
        let b = corio::create_task(two_steps("b"));
        log.push("a and b created");
        corio::gather([a, b]).await;

        let parent = {
            let log = log.clone();
            async move {
                log.push("parent starts");
                let child = corio::create_task(quick(&log));
                log.push(format!("parent goes on, child done {}", py_bool(child.done())));
                child.await.unwrap()
            }
        };
        let result = corio::create_task(parent).await.unwrap();
        log.push(format!("parent result {result}"));
    });
    assert_eq!(log.take(), expected_log("eager_tasks"));
}

/// Without the setting, `create_eager_task` is eager and `create_task` is
/// not; a task that finishes eagerly never reaches the ready queue, so it
/// is done before the loop turns.
#[test]
fn create_eager_task_on_an_ordinary_loop() {
    corio::run(async {
        let eager = corio::create_eager_task(async { 1 });
        let lazy = corio::create_task(async { 2 });
        assert!(eager.done());
        assert!(!lazy.done());
        assert_eq!(eager.await.unwrap() + lazy.await.unwrap(), 3);
    });
}

/// A panic in the eager step is the task's, not the creator's.
#[test]
fn a_panic_in_the_first_step_stays_in_the_task() {
    corio::run(async {
        let task = corio::create_eager_task(async { panic!("boom") });
        assert!(task.done());
        assert!(task.await.unwrap_err().is_panic());
    });
}

/// The creator's record of what it waits on survives a task made eagerly
/// in between.
#[test]
fn the_creators_task_is_current_again_after_the_eager_step() {
    corio::run(async {
        let outer = corio::current_task().unwrap().id();
        let inner = corio::create_eager_task(async { corio::current_task().unwrap().id() });
        assert_eq!(corio::current_task().unwrap().id(), outer);
        assert_ne!(inner.await.unwrap(), outer);
    });
}
