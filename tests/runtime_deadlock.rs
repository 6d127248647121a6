//! Deadlock detection: a run that nothing can ever wake again ends with a
//! panic and the task tree; a run that something outside the stuck tasks
//! will still wake is left to wait, however long it looks idle.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::time::Duration;

const DEADLOCK: &str = "deadlock: every task is waiting and nothing can wake them";

/// Runs the future `main` makes on a fresh loop, on a thread of its own;
/// the deadlock report, if the run ended in one. A run that neither ends nor
/// reports within 30 s fails the test instead of hanging it.
fn deadlock_of<F: std::future::Future + 'static>(virtual_time: bool, main: fn() -> F) -> Option<String> {
    let (done, outcome) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut runner = corio::Runner::builder().virtual_time(virtual_time).build().unwrap();
        let report = match catch_unwind(AssertUnwindSafe(|| runner.run(main()))) {
            Ok(_) => None,
            Err(payload) => Some(*payload.downcast::<String>().expect("a formatted panic message")),
        };
        let _ = done.send(report);
    });
    let report = outcome.recv_timeout(Duration::from_secs(30)).expect("the run hung: no end, no report");
    if let Some(message) = &report {
        assert!(message.starts_with(DEADLOCK), "another panic: {message}");
    }
    report
}

/// Both clocks detect it; virtual time always does, the real clock by
/// default.
fn assert_deadlock<F: std::future::Future + 'static>(main: fn() -> F) -> String {
    assert!(deadlock_of(false, main).is_some(), "not reported on the real clock");
    deadlock_of(true, main).expect("not reported under virtual time")
}

#[test]
fn two_tasks_each_waiting_for_the_others_event() {
    let report = assert_deadlock(|| async {
        let (first, second) = (Rc::new(corio::Event::new()), Rc::new(corio::Event::new()));
        let a = {
            let (first, second) = (first.clone(), second.clone());
            corio::create_task_named("a", async move {
                second.wait().await;
                first.set();
            })
        };
        let b = corio::create_task_named("b", async move {
            first.wait().await;
            second.set();
        });
        a.await.unwrap();
        b.await.unwrap();
    });
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines[1].starts_with("Task-1 [pending on a task] created at "), "{report}");
    assert!(lines[2].starts_with("├── a [pending on Event] created at "), "{report}");
    assert!(lines[3].starts_with("└── b [pending on Event] created at "), "{report}");
}

#[test]
fn a_consumer_on_a_queue_whose_producers_ended() {
    assert_deadlock(|| async {
        let queue = corio::Queue::new(0);
        let producers: Vec<_> = (0..3)
            .map(|i| {
                let queue = queue.clone();
                corio::create_task(async move { queue.put(i).await.unwrap() })
            })
            .collect();
        for producer in producers {
            producer.await.unwrap();
        }
        for _ in 0..4 {
            queue.get().await.unwrap();
        }
    });
}

#[test]
fn a_lock_held_by_a_task_that_awaits_the_locks_waiter() {
    assert_deadlock(|| async {
        let lock = Rc::new(corio::Lock::new());
        let guard = lock.clone().lock_owned().await;
        let waiter = {
            let lock = lock.clone();
            corio::create_task(async move { drop(lock.lock().await) })
        };
        waiter.await.unwrap();
        drop(guard);
    });
}

#[test]
fn the_main_future_waiting_on_nothing() {
    assert_deadlock(std::future::pending::<()>);
}

/// Dropping a `Resolver` settles its promise as cancelled: the awaiter is
/// woken, so there is no deadlock to report.
#[test]
fn a_resolver_dropped_in_a_stuck_task_cancels_its_promise() {
    let got = corio::Runner::builder().virtual_time(true).build().unwrap().run(async {
        let (promise, resolver) = corio::promise::<u8>();
        let never = Rc::new(corio::Event::new());
        let _stuck = corio::create_task(async move {
            let _resolver = resolver;
            corio::yield_now().await;
            drop(_resolver);
            never.wait().await;
        });
        promise.await
    });
    assert!(got.unwrap_err().is_cancelled());
}

#[corio::test(virtual_time)]
#[should_panic(expected = "deadlock: every task is waiting and nothing can wake them")]
async fn a_stuck_test_fails_with_the_report() {
    corio::Event::new().wait().await;
}

// ----- must not fire: each waits on something that does come, 200 ms later -----

const LATER: Duration = Duration::from_millis(200);

/// Runs `main` under virtual time (where detection is always on) and on
/// the real clock: it must complete, not be called a deadlock.
fn completes<F: std::future::Future<Output = ()> + 'static>(main: fn() -> F) {
    for virtual_time in [true, false] {
        assert_eq!(deadlock_of(virtual_time, main), None, "virtual time: {virtual_time}");
    }
}

#[test]
fn a_quiet_socket_whose_peer_writes_later() {
    completes(|| async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let peer = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            std::thread::sleep(LATER);
            std::io::Write::write_all(&mut conn, b"x").unwrap();
        });
        let mut stream = corio::TcpStream::connect(addr).await.unwrap();
        let mut byte = [0];
        stream.read_exact(&mut byte).await.unwrap();
        peer.join().unwrap();
    });
}

#[test]
fn a_thread_pool_job_that_sleeps() {
    completes(|| async {
        corio::to_thread(|| std::thread::sleep(LATER)).await.unwrap();
    });
}

#[test]
fn a_oneshot_sent_from_a_std_thread() {
    completes(|| async {
        let (sender, receiver) = futures::channel::oneshot::channel();
        std::thread::spawn(move || {
            std::thread::sleep(LATER);
            sender.send(7).unwrap();
        });
        assert_eq!(receiver.await, Ok(7));
    });
}

thread_local! {
    /// What the callback of `a_callback_from_another_thread` sets, on the
    /// loop's thread (a callback from another thread must be `Send`).
    static CALLED_BACK: Rc<corio::Event> = Rc::new(corio::Event::new());
}

/// The only way out is a callback another thread sends through its
/// `LoopHandle`: the loop must wait for it.
#[test]
fn a_callback_from_another_thread() {
    completes(|| async {
        let event = CALLED_BACK.with(Rc::clone);
        event.clear();
        let handle = corio::get_running_loop();
        std::thread::spawn(move || {
            std::thread::sleep(LATER);
            handle.call_soon_threadsafe(|| CALLED_BACK.with(|event| event.set())).unwrap();
        });
        event.wait().await;
    });
}

#[test]
fn a_child_that_exits_later() {
    completes(|| async {
        let mut child = corio::create_subprocess_exec("sleep", ["0.2"]).await.unwrap();
        assert!(child.wait().await.unwrap().success());
    });
}

#[test]
fn a_signal_that_arrives_later() {
    completes(|| async {
        use futures_lite::StreamExt;
        const SIGUSR1: i32 = 10;
        let mut deliveries = corio::signal(SIGUSR1).unwrap();
        std::thread::spawn(|| {
            std::thread::sleep(LATER);
            let pid = std::process::id().to_string();
            std::process::Command::new("kill").args(["-USR1", &pid]).status().unwrap();
        });
        deliveries.next().await;
    });
}

/// The window the check must not fall into: another thread queues the
/// loop's only work, then drops its last handle (a thread-pool result
/// settling the main future, a `LoopHandle` sending a callback). Run many
/// times, each must complete; the check reads the counts before the flags.
#[test]
fn work_queued_by_a_thread_that_then_lets_go_is_never_missed() {
    for _ in 0..500 {
        assert_eq!(corio::run(corio::to_thread(|| 7)).unwrap(), 7);
        corio::run(async {
            let event = CALLED_BACK.with(Rc::clone);
            event.clear();
            let handle = corio::get_running_loop();
            std::thread::spawn(move || {
                handle.call_soon_threadsafe(|| CALLED_BACK.with(|event| event.set())).unwrap();
                drop(handle);
            });
            event.wait().await;
        });
    }
}
