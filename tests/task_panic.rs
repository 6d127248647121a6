//! A panic in a task or callback is caught, stored and reported; the loop
//! keeps running.

mod support;

use std::future::Future;
use std::rc::Rc;

use corio::ExceptionContext;
use support::{capture_exceptions, Log};

#[test]
fn a_panicking_task_hands_the_panic_to_its_awaiter() {
    corio::run(async {
        let seen = capture_exceptions();
        let task = corio::create_task_named("doomed", async { panic!("boom") });
        let err = task.await.unwrap_err();
        assert!(err.is_panic() && !err.is_cancelled());
        assert_eq!(err.to_string(), "task doomed panicked: boom");
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
        assert!(seen.borrow().is_empty(), "a retrieved panic is not reported");
    });
}

#[test]
fn the_loop_keeps_running_after_a_task_panics() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        let _seen = capture_exceptions();
        let _doomed = corio::create_task(async { panic!("first") });
        let l = log.clone();
        let survivor = corio::create_task(async move {
            corio::yield_now().await;
            l.push("survivor");
        });
        survivor.await.unwrap();
        log.push("main");
    });
    assert_eq!(log.take(), ["survivor", "main"]);
}

#[test]
fn an_unretrieved_panic_of_a_detached_task_reaches_the_exception_handler() {
    corio::run(async {
        let seen = capture_exceptions();
        drop(corio::create_task_named("lost", async { panic!("nobody listens") }));
        corio::yield_now().await;
        let seen = seen.borrow();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].message, "Task exception was never retrieved");
        assert_eq!(seen[0].task.as_deref(), Some("lost"));
        assert_eq!(seen[0].panic.as_deref(), Some("nobody listens"));
        assert!(seen[0].task_location.unwrap().file().ends_with("task_panic.rs"));
        assert!(seen[0].to_string().starts_with(
            "Task exception was never retrieved\nfuture: <Task name='lost' created at tests/task_panic.rs:"
        ));
    });
}

#[test]
fn a_panic_is_reported_when_the_last_handle_drops_unretrieved() {
    corio::run(async {
        let seen = capture_exceptions();
        let task = corio::create_task(async { panic!("late") });
        corio::yield_now().await;
        assert!(task.done());
        assert!(seen.borrow().is_empty(), "the handle could still retrieve it");
        drop(task);
        assert_eq!(seen.borrow().len(), 1);
        assert_eq!(seen.borrow()[0].panic.as_deref(), Some("late"));
    });
}

#[test]
fn a_panicking_callback_is_reported_and_the_next_one_runs() {
    let log = Log::new();
    let main_log = log.clone();
    corio::run(async move {
        let log = main_log;
        let seen = capture_exceptions();
        corio::call_soon(|| panic!("in callback"));
        corio::call_soon(log.pusher("next"));
        corio::yield_now().await;
        assert_eq!(seen.borrow().len(), 1);
        assert_eq!(seen.borrow()[0].message, "Exception in callback");
        assert_eq!(seen.borrow()[0].panic.as_deref(), Some("in callback"));
    });
    assert_eq!(log.take(), ["next"]);
}

#[test]
fn a_panicking_exception_handler_does_not_take_the_loop_down() {
    corio::run(async {
        corio::set_exception_handler(Some(Rc::new(|_: &ExceptionContext| panic!("handler broke"))));
        corio::call_soon(|| panic!("in callback"));
        corio::yield_now().await;
        corio::yield_now().await;
    });
}

#[test]
fn run_re_raises_the_main_panic_with_its_payload_after_cleanup() {
    let dropped = Rc::new(std::cell::Cell::new(false));
    let flag = dropped.clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        corio::run(async move {
            struct SetOnDrop(Rc<std::cell::Cell<bool>>);
            impl Drop for SetOnDrop {
                fn drop(&mut self) {
                    self.0.set(true);
                }
            }
            let guard = SetOnDrop(flag);
            corio::create_task(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            });
            corio::yield_now().await;
            std::panic::panic_any(42_u32);
        })
    }));
    let payload = outcome.unwrap_err();
    assert_eq!(payload.downcast_ref::<u32>(), Some(&42));
    assert!(dropped.get(), "the pending task was cancelled and dropped before the panic went on");
}

#[test]
fn task_error_is_send_sync_and_converts_to_io_error() {
    fn assert_send_sync<T: Send + Sync + std::error::Error + 'static>() {}
    assert_send_sync::<corio::TaskError>();
    let err = corio::run(async { corio::create_task(async { panic!("io") }).await.unwrap_err() });
    let io: std::io::Error = err.into();
    assert_eq!(io.to_string(), "task Task-2 panicked: io");
    let cancelled = corio::run(async {
        let task = corio::create_task(std::future::pending::<()>());
        task.cancel();
        task.await.unwrap_err()
    });
    let boxed: Box<dyn std::error::Error + Send + Sync> = cancelled.into();
    assert_eq!(boxed.to_string(), "task Task-2 was cancelled");
}

/// Panics when dropped.
struct PanicsOnDrop(&'static str);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("{}", self.0);
    }
}

/// A waker of no loop's that panics when woken.
struct PanickingWaker;

impl std::task::Wake for PanickingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        panic!("waker broke");
    }
}

#[test]
fn a_detached_tasks_output_that_panics_when_dropped_is_reported() {
    corio::run(async {
        let seen = capture_exceptions();
        drop(corio::create_task(async { PanicsOnDrop("output broke") }));
        corio::yield_now().await;
        corio::yield_now().await;
        let seen = seen.borrow();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].panic.as_deref(), Some("output broke"));
    });
}

#[test]
fn a_foreign_waker_that_panics_when_a_timer_wakes_it_is_reported() {
    corio::run(async {
        let seen = capture_exceptions();
        let mut sleep = Box::pin(corio::sleep(std::time::Duration::from_millis(1)));
        let waker = std::task::Waker::from(std::sync::Arc::new(PanickingWaker));
        assert!(sleep.as_mut().poll(&mut std::task::Context::from_waker(&waker)).is_pending());
        corio::sleep(std::time::Duration::from_millis(5)).await;
        let seen = seen.borrow();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].message, "Exception in a waker");
        assert_eq!(seen[0].panic.as_deref(), Some("waker broke"));
    });
}

#[test]
fn a_callback_dropped_when_the_loop_closes_that_panics_is_reported() {
    let seen = corio::run(async {
        let seen = capture_exceptions();
        let value = PanicsOnDrop("capture broke");
        drop(corio::call_later(std::time::Duration::from_secs(3600), move || drop(value)));
        seen
    });
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].message, "Exception in callback");
    assert_eq!(seen[0].panic.as_deref(), Some("capture broke"));
}

/// A waker whose drop sets a timer on the running loop.
struct CallsLaterOnDrop(std::task::Waker);

impl Drop for CallsLaterOnDrop {
    fn drop(&mut self) {
        drop(corio::call_later(std::time::Duration::ZERO, || {}));
    }
}

impl std::task::Wake for CallsLaterOnDrop {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.wake_by_ref();
    }
}

#[test]
fn a_waker_replaced_on_a_timer_may_use_the_loop_when_dropped() {
    corio::run(async {
        let mut sleep = Box::pin(corio::sleep(std::time::Duration::from_millis(1)));
        std::future::poll_fn(|cx| {
            let first = std::task::Waker::from(std::sync::Arc::new(CallsLaterOnDrop(cx.waker().clone())));
            let second = std::task::Waker::from(std::sync::Arc::new(CallsLaterOnDrop(cx.waker().clone())));
            assert!(sleep.as_mut().poll(&mut std::task::Context::from_waker(&first)).is_pending());
            drop(first);
            // The timer lets go of `first` here, and its drop reaches the loop.
            assert!(sleep.as_mut().poll(&mut std::task::Context::from_waker(&second)).is_pending());
            std::task::Poll::Ready(())
        })
        .await;
        sleep.await;
    });
}
