//! `run`, `Runner` and `EventLoop`: life cycle, cleanup and misuse.

mod support;

use std::time::Duration;

use support::{DropCounter, Log};

#[test]
fn run_cancels_leftover_tasks_and_runs_their_drops_with_the_loop_current() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        for i in 0..3 {
            let log = inner.clone();
            corio::create_task(async move {
                struct Finally(Log, usize);
                impl Drop for Finally {
                    fn drop(&mut self) {
                        let current = corio::try_get_running_loop().is_some();
                        self.0.push(format!("drop {} (loop current: {current})", self.1));
                    }
                }
                let _finally = Finally(log, i);
                corio::sleep(Duration::from_secs(3600)).await;
            });
        }
        corio::yield_now().await;
        inner.push("main done");
    });
    assert_eq!(
        log.take(),
        [
            "main done",
            "drop 0 (loop current: true)",
            "drop 1 (loop current: true)",
            "drop 2 (loop current: true)"
        ]
    );
}

#[test]
fn callbacks_queued_by_main_get_one_more_turn() {
    // asyncio stops the loop from a done callback of the main task.
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        corio::call_soon(inner.pusher("queued by main"));
    });
    assert_eq!(log.take(), ["queued by main"]);
}

#[test]
#[allow(clippy::async_yields_async)] // handing a task out of `run` is the point
fn a_runner_keeps_its_tasks_between_runs() {
    let mut runner = corio::Runner::new();
    let task =
        runner.run(async { corio::create_task(async { corio::sleep(Duration::from_millis(1)).await }) });
    assert!(!task.done());
    runner.run(async { corio::sleep(Duration::from_millis(5)).await });
    assert!(task.done());
    let drops = DropCounter::new();
    let token = drops.token();
    runner.run(async move {
        corio::create_task(async move {
            let _token = token;
            std::future::pending::<()>().await;
        });
    });
    assert_eq!(drops.count(), 0);
    runner.close();
    assert_eq!(drops.count(), 1, "close cancels what is left");
    assert!(runner.event_loop().is_closed());
}

#[test]
#[allow(clippy::async_yields_async)] // handing a task out of `run` is the point
fn a_task_handle_outliving_its_loop_reports_cancelled() {
    let task = corio::run(async { corio::create_task(std::future::pending::<u8>()) });
    assert!(task.done() && task.cancelled());
    assert!(task.try_result().unwrap().unwrap_err().is_cancelled());
}

#[test]
#[should_panic(expected = "cannot be called from a running event loop")]
fn run_inside_a_running_loop_panics() {
    corio::run(async { corio::run(async {}) });
}

#[test]
#[should_panic(expected = "no running event loop")]
fn create_task_outside_a_loop_panics() {
    drop(corio::create_task(async {}));
}

#[test]
#[should_panic(expected = "no running event loop")]
fn get_running_loop_outside_a_loop_panics() {
    let _ = corio::get_running_loop();
}

#[test]
#[should_panic(expected = "no running event loop")]
fn sleeping_outside_a_loop_panics_on_poll() {
    let sleep = corio::sleep(Duration::from_millis(1));
    let waker = std::task::Waker::noop();
    let _ =
        std::future::Future::poll(std::pin::pin!(sleep).as_mut(), &mut std::task::Context::from_waker(waker));
}

#[test]
#[should_panic(expected = "event loop is closed")]
fn running_a_closed_loop_panics() {
    let event_loop = corio::EventLoop::new().unwrap();
    event_loop.close();
    event_loop.run_until_complete(async {});
}

#[test]
#[should_panic(expected = "event loop is closed")]
fn scheduling_on_a_closed_loop_panics() {
    let event_loop = corio::EventLoop::new().unwrap();
    event_loop.close();
    event_loop.call_soon(|| {});
}

#[test]
#[should_panic(expected = "event loop stopped before the future completed")]
fn stopping_before_the_main_future_completes_panics() {
    let event_loop = corio::EventLoop::new().unwrap();
    let handle = event_loop.handle();
    event_loop.run_until_complete(async move {
        handle.stop();
        std::future::pending::<()>().await;
    });
}

#[test]
fn an_event_loop_can_be_driven_by_hand() {
    let event_loop = corio::EventLoop::new().unwrap();
    let log = Log::new();
    event_loop.call_soon(log.pusher("scheduled before running"));
    let task = event_loop.create_task({
        let log = log.clone();
        async move { log.push("task") }
    });
    assert!(!event_loop.is_running());
    event_loop.run_until_complete(async {
        assert!(corio::try_get_running_loop().is_some());
    });
    assert!(task.done());
    assert_eq!(log.take(), ["scheduled before running", "task"]);
    event_loop.close();
    event_loop.close();
}

/// Records, when dropped, which loop is running.
struct NotesLoopOnDrop(Log);

impl Drop for NotesLoopOnDrop {
    fn drop(&mut self) {
        self.0.push(format!("dropped on {:?}", corio::get_running_loop()));
    }
}

/// A runner with a pending task, for dropping inside another loop.
fn runner_with_a_pending_task(log: &Log) -> (corio::Runner, String) {
    let mut runner = corio::Runner::new();
    let guard = NotesLoopOnDrop(log.clone());
    let id = runner.run(async move {
        drop(corio::create_task(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
        format!("dropped on {:?}", corio::get_running_loop())
    });
    (runner, id)
}

/// A runner dropped inside another loop's task cancels its tasks with its
/// own loop current, then hands the thread back to the other loop.
#[test]
fn a_runner_dropped_inside_another_loops_task_cleans_up_quietly() {
    let log = Log::new();
    let (runner, inner_id) = runner_with_a_pending_task(&log);
    let outer_log = log.clone();
    corio::run(async move {
        let outer_id = format!("{:?}", corio::get_running_loop());
        drop(runner);
        assert_eq!(format!("{:?}", corio::get_running_loop()), outer_id, "the outer loop is current again");
        corio::yield_now().await;
        outer_log.push("outer loop goes on");
    });
    assert_eq!(log.take(), [inner_id, "outer loop goes on".to_string()]);
}

/// Found by an adversarial pass: a runner dropped while a task of another
/// loop unwinds aborted the process ("panic in a destructor during
/// cleanup"). Now the task's panic is caught and handed to its awaiter.
#[test]
fn a_runner_dropped_while_another_loops_task_panics_does_not_abort() {
    let log = Log::new();
    let (runner, inner_id) = runner_with_a_pending_task(&log);
    corio::run(async move {
        let task = corio::create_task(async move {
            let _runner = runner;
            panic!("the task fails with a runner in hand");
        });
        let err = task.await.unwrap_err();
        assert!(err.is_panic());
    });
    assert_eq!(log.take(), [inner_id]);
}

/// A task of one loop awaited on another would wait for ever (its loop is
/// not running): it panics instead, as asyncio's "attached to a different
/// loop".
#[test]
#[should_panic(expected = "attached to a different loop")]
#[expect(clippy::async_yields_async, reason = "the task is handed out, to be awaited on the other loop")]
fn awaiting_a_task_on_another_loop_panics() {
    let mut first = corio::Runner::new();
    let task = first.run(async { corio::create_task(std::future::pending::<()>()) });
    let mut second = corio::Runner::new();
    let _ = second.run(task);
}

/// A socket registered with one loop and used on another gets a clear
/// error instead of waiting for ever.
#[test]
fn accepting_on_another_loops_listener_is_an_error() {
    let mut first = corio::Runner::new();
    let listener = first.run(async { corio::TcpListener::bind("127.0.0.1:0").unwrap() });
    let mut second = corio::Runner::builder().virtual_time(true).build().unwrap();
    let accepted = second.run(async { corio::wait_for(Duration::from_secs(60), listener.accept()).await });
    let err = accepted.expect("no hang").unwrap_err();
    assert!(err.to_string().contains("attached to a different loop"), "{err}");
}
