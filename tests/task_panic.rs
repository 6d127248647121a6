//! A panic in a task or callback is caught, stored and reported; the loop
//! keeps running.

mod support;

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
