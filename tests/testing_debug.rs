//! Debug mode and task dumps.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use corio::ExceptionContext;
use support::capture_exceptions;

#[test]
fn a_slow_task_step_is_reported_with_the_tasks_name() {
    let mut runner = corio::Runner::builder()
        .debug(true)
        .slow_callback_duration(Duration::from_millis(10))
        .build()
        .unwrap();
    let reports = runner.run(async {
        let seen = capture_exceptions();
        let slow = corio::create_task_named("hog", async { std::thread::sleep(Duration::from_millis(50)) });
        let quick = corio::create_task_named("polite", async {});
        slow.await.unwrap();
        quick.await.unwrap();
        let reports = seen.borrow().clone();
        reports
    });
    assert_eq!(reports.len(), 1, "{reports:?}");
    let seconds: f64 = reports[0]
        .message
        .strip_prefix("Executing <Task name='hog'> took ")
        .and_then(|rest| rest.strip_suffix(" seconds"))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("unexpected report: {}", reports[0].message));
    assert!(seconds >= 0.05, "{seconds}");
    assert_eq!(reports[0].task.as_deref(), Some("hog"));
}

#[test]
fn without_debug_mode_nothing_is_timed() {
    let mut runner = corio::Runner::builder().slow_callback_duration(Duration::ZERO).build().unwrap();
    let reports = runner.run(async {
        let seen = capture_exceptions();
        corio::call_soon(|| std::thread::sleep(Duration::from_millis(5)));
        corio::yield_now().await;
        let reports = seen.borrow().len();
        reports
    });
    assert_eq!(reports, 0);
}

#[test]
fn tasks_still_pending_at_close_are_listed_in_debug_mode() {
    let event_loop = corio::EventLoop::new().unwrap();
    event_loop.set_debug(true);
    assert!(event_loop.get_debug());
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    event_loop.set_exception_handler(Some(Rc::new(move |ctx: &ExceptionContext| {
        sink.borrow_mut().push(ctx.clone())
    })));
    event_loop.run_until_complete(async {
        corio::create_task_named("forgotten", std::future::pending::<()>());
        corio::yield_now().await;
    });
    event_loop.close();
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].message, "Task was destroyed but it is pending!");
    assert_eq!(seen[0].task.as_deref(), Some("forgotten"));
    assert!(seen[0].task_location.unwrap().file().ends_with("testing_debug.rs"));
}

#[test]
fn the_task_tree_shows_who_created_whom() {
    let tree = corio::run(async {
        let parent = corio::create_task_named("parent", async {
            let _child = corio::create_task_named("child", std::future::pending::<()>());
            let _sibling = corio::create_task_named("sibling", std::future::pending::<()>());
            std::future::pending::<()>().await
        });
        corio::create_task_named("loner", std::future::pending::<()>());
        corio::yield_now().await;
        corio::yield_now().await;
        let tree = corio::task_tree();
        parent.cancel();
        tree
    });
    let shape: Vec<String> =
        tree.lines().map(|line| line.split(" created at ").next().unwrap().to_owned()).collect();
    assert_eq!(
        shape,
        [
            "Task-1 [running]",
            "├── parent [pending]",
            "│   ├── child [pending]",
            "│   └── sibling [pending]",
            "└── loner [pending]",
        ]
    );
}

#[test]
fn each_task_says_what_it_waits_on() {
    use corio::WaitingOn;
    use std::collections::HashMap;

    corio::run(async {
        let lock = Rc::new(corio::Lock::new());
        let guard = lock.clone().lock_owned().await;
        let queue = corio::Queue::<u8>::new(0);
        let event = Rc::new(corio::Event::new());
        let sleeper = corio::create_task_named("sleeper", corio::sleep(Duration::from_secs(60)));
        let locker = {
            let lock = lock.clone();
            corio::create_task_named("locker", async move { drop(lock.lock().await) })
        };
        let getter = {
            let queue = queue.clone();
            corio::create_task_named("getter", async move { queue.get().await.ok() })
        };
        let waiter = {
            let event = event.clone();
            corio::create_task_named("waiter", async move { event.wait().await })
        };
        corio::yield_now().await;
        let waiting: HashMap<String, Option<WaitingOn>> =
            corio::all_tasks().into_iter().map(|t| (t.name().to_owned(), t.waiting_on())).collect();
        assert_eq!(waiting["sleeper"], Some(WaitingOn::Sleep));
        assert_eq!(waiting["locker"], Some(WaitingOn::Lock));
        assert_eq!(waiting["getter"], Some(WaitingOn::QueueGet));
        assert_eq!(waiting["waiter"], Some(WaitingOn::Event));
        let listener = corio::TcpListener::bind("127.0.0.1:0").unwrap();
        let acceptor = corio::create_task_named("acceptor", async move { listener.accept().await.is_ok() });
        corio::yield_now().await;
        assert_eq!(
            corio::all_tasks().iter().find(|t| t.name() == "acceptor").unwrap().waiting_on(),
            Some(WaitingOn::IoRead)
        );
        acceptor.cancel();
        assert_eq!(waiting["Task-1"], None, "the main task is running");
        assert!(corio::task_tree().contains("locker [pending on Lock]"));
        drop(guard);
        event.set();
        queue.put_nowait(1).unwrap();
        sleeper.cancel();
        locker.await.unwrap();
        getter.await.unwrap();
        waiter.await.unwrap();
    });
}

#[test]
fn a_stream_writer_dropped_unclosed_is_reported_in_debug_mode() {
    let mut runner = corio::Runner::builder().debug(true).build().unwrap();
    let reports = runner.run(async {
        let seen = capture_exceptions();
        let server = corio::start_server(
            |_r: corio::StreamReader, w: corio::StreamWriter| async move { w.close() },
            "127.0.0.1",
            0,
        )
        .await
        .unwrap();
        let (_reader, writer) =
            corio::open_connection("127.0.0.1", server.local_addrs()[0].port()).await.unwrap();
        drop(writer);
        let (_reader, writer) =
            corio::open_connection("127.0.0.1", server.local_addrs()[0].port()).await.unwrap();
        writer.close();
        drop(writer);
        let messages: Vec<String> = seen.borrow().iter().map(|ctx| ctx.message.clone()).collect();
        messages
    });
    assert_eq!(reports, ["unclosed StreamWriter: dropped without close()"]);
}

#[test]
fn a_sleeping_task_shows_its_deadline() {
    let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    runner.run(async {
        let start = corio::time();
        let _napper = corio::create_task_named("napper", corio::sleep(Duration::from_secs(90)));
        corio::yield_now().await;
        let napper = corio::all_tasks().into_iter().find(|t| t.name() == "napper").unwrap();
        assert_eq!(napper.sleep_deadline(), Some(start + Duration::from_secs(90)));
        corio::sleep(Duration::from_secs(30)).await;
        assert!(
            corio::task_tree().contains("napper [pending on sleep, 60.000 s left]"),
            "{}",
            corio::task_tree()
        );
    });
}
