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

/// The creator is the current task again once the eager step is over.
#[test]
fn the_creators_task_is_current_again_after_the_eager_step() {
    corio::run(async {
        let outer = corio::current_task().unwrap().id();
        let inner = corio::create_eager_task(async { corio::current_task().unwrap().id() });
        assert_eq!(corio::current_task().unwrap().id(), outer);
        assert_ne!(inner.await.unwrap(), outer);
    });
}

/// A task made before the loop runs (or for it from elsewhere) starts on
/// the loop's first turn, as asyncio starts eagerly only on a running loop.
#[test]
fn a_task_made_before_the_loop_runs_is_not_eager() {
    let event_loop = corio::EventLoop::new().unwrap();
    let task = event_loop.create_task(async {
        corio::sleep(std::time::Duration::from_millis(1)).await;
        5
    });
    assert!(!task.done());
    assert_eq!(event_loop.run_until_complete(task).unwrap(), 5);
}

/// A member added to a task group that already failed is cancelled before
/// any of it runs, even when tasks start eagerly (asyncio refuses it).
#[test]
fn a_failed_groups_new_member_runs_nothing() {
    let mut runner = corio::Runner::builder().eager_tasks(true).build().unwrap();
    runner.run(async {
        let group = corio::TaskGroup::<&str>::new();
        let failing = group.create_task(async { Err::<(), _>("boom") });
        let _ = failing.await;
        let ran = std::rc::Rc::new(std::cell::Cell::new(false));
        let flag = ran.clone();
        let late = group.create_task(async move {
            flag.set(true);
            Ok(())
        });
        assert!(late.await.unwrap_err().is_cancelled());
        assert!(!ran.get());
        assert!(group.wait().await.is_err());
    });
}

/// A promise's done callback runs on a later turn on an eager loop too.
#[test]
fn a_promise_done_callback_waits_for_a_turn_on_an_eager_loop() {
    let mut runner = corio::Runner::builder().eager_tasks(true).build().unwrap();
    runner.run(async {
        let (promise, resolver) = corio::promise::<u8>();
        resolver.resolve(1);
        let seen = std::rc::Rc::new(std::cell::Cell::new(false));
        let flag = seen.clone();
        promise.add_done_callback(move |_| flag.set(true));
        assert!(!seen.get(), "not inside the call");
        corio::yield_now().await;
        assert!(seen.get());
    });
}
