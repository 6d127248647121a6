//! Other threads and the loop: wakers, `call_soon_threadsafe`, `spawn`,
//! wakes after the loop is gone.

mod support;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;
use std::time::{Duration, Instant};

/// A future completed by another thread through a stored waker.
#[derive(Default)]
struct Slot {
    done: bool,
    waker: Option<Waker>,
}

#[test]
fn a_waker_from_another_thread_wakes_a_loop_parked_in_the_reactor() {
    let slot = Arc::new(Mutex::new(Slot::default()));
    let (registered_tx, registered_rx) = mpsc::channel();
    let remote = slot.clone();
    let waker_thread = thread::spawn(move || {
        // Wait until the loop has parked its task; the loop has nothing else
        // to do and no timer, so it blocks in epoll_wait with no timeout.
        registered_rx.recv().unwrap();
        thread::sleep(Duration::from_millis(20));
        let waker = {
            let mut slot = remote.lock().unwrap();
            slot.done = true;
            slot.waker.take().unwrap()
        };
        waker.wake();
    });
    let started = Instant::now();
    corio::run(async move {
        let task = corio::create_task(std::future::poll_fn(move |cx| {
            let mut s = slot.lock().unwrap();
            if s.done {
                return Poll::Ready("woken");
            }
            if s.waker.replace(cx.waker().clone()).is_none() {
                registered_tx.send(()).unwrap();
            }
            Poll::Pending
        }));
        assert_eq!(task.await.unwrap(), "woken");
    });
    assert!(started.elapsed() < Duration::from_secs(30), "the wake must interrupt epoll_wait");
    waker_thread.join().unwrap();
}

/// `tests/asyncio/call_soon_threadsafe.py`: on the loop's own thread,
/// `call_soon_threadsafe` keeps its place among the `call_soon`s, before the
/// loop runs and while it does.
#[test]
fn call_soon_threadsafe_on_the_loop_thread_is_fifo_with_call_soon() {
    let results = Arc::new(Mutex::new(Vec::<String>::new()));
    let push = |event: &str| {
        let (results, event) = (results.clone(), event.to_string());
        move || results.lock().unwrap().push(event)
    };
    let event_loop = corio::EventLoop::new().unwrap();
    event_loop.handle().call_soon_threadsafe(push("hello")).unwrap();
    event_loop.call_soon(push("world"));
    let stop = event_loop.handle();
    event_loop.call_soon(move || stop.stop());
    event_loop.run_forever();
    event_loop.close();

    corio::run(async {
        corio::call_soon(push("soon 1"));
        corio::get_running_loop().call_soon_threadsafe(push("threadsafe")).unwrap();
        corio::call_soon(push("soon 2"));
        corio::sleep(Duration::ZERO).await;
    });
    let results = results.lock().unwrap().clone();
    assert_eq!(results, support::expected_log("call_soon_threadsafe"));
}

#[test]
fn call_soon_threadsafe_runs_the_callback_on_the_loop_thread() {
    let loop_thread = thread::current().id();
    let ran_on = corio::run(async {
        let handle = corio::get_running_loop();
        let (promise, resolver) = corio::promise();
        thread::spawn(move || {
            handle
                .call_soon_threadsafe(move || resolver.resolve(thread::current().id()))
                .expect("the loop is open");
        });
        promise.await.unwrap()
    });
    assert_eq!(ran_on, loop_thread);
}

#[test]
fn a_waker_fired_after_the_loop_is_gone_does_nothing() {
    let (waker, handle) = corio::run(async {
        let waker = std::future::poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
        (waker, corio::get_running_loop())
    });
    assert!(handle.is_closed());
    // From this thread, and from another one: no panic, no effect.
    waker.wake_by_ref();
    thread::spawn(move || waker.wake()).join().unwrap();
    assert!(handle.call_soon_threadsafe(|| unreachable!()).is_err());
    handle.stop();
}

#[test]
fn a_task_waker_fired_after_the_loop_is_gone_does_nothing() {
    let slot = Arc::new(Mutex::new(Slot::default()));
    let inner = slot.clone();
    corio::run(async move {
        let task = corio::create_task(std::future::poll_fn(move |cx| {
            inner.lock().unwrap().waker = Some(cx.waker().clone());
            Poll::<()>::Pending
        }));
        corio::yield_now().await;
        drop(task); // detached, then cancelled by run's cleanup
    });
    let waker = slot.lock().unwrap().waker.take().unwrap();
    thread::spawn(move || waker.wake()).join().unwrap();
}

#[test]
fn spawn_from_another_thread_returns_the_result() {
    let event_loop = corio::EventLoop::new().unwrap();
    let handle = event_loop.handle();
    let client = thread::spawn(move || {
        let value = handle.spawn(async { corio::current_task().unwrap().name().to_owned() }).result();
        let panicked = handle.spawn(async { panic!("remote") }).result().unwrap_err();
        handle.stop();
        (value.unwrap(), panicked.is_panic())
    });
    event_loop.run_forever();
    assert_eq!(client.join().unwrap(), ("Task-1".to_owned(), true));
    event_loop.close();
    // Once the loop is closed, spawned work is cancelled at once.
    let late = event_loop.handle().spawn(async { 1 });
    assert!(thread::spawn(move || late.result()).join().unwrap().unwrap_err().is_cancelled());
}

#[test]
#[should_panic(expected = "on its own event loop's thread")]
fn blocking_on_a_concurrent_future_from_its_loop_thread_panics() {
    let event_loop = corio::EventLoop::new().unwrap();
    let future = event_loop.handle().spawn(async { 1 });
    let _ = future.result();
}

#[test]
fn a_concurrent_future_can_be_awaited_on_another_loop() {
    let event_loop = corio::EventLoop::new().unwrap();
    let handle = event_loop.handle();
    let other = thread::spawn(move || {
        let value = corio::run(async { handle.spawn(async { 40 + 2 }).await.unwrap() });
        handle.stop();
        value
    });
    event_loop.run_forever();
    assert_eq!(other.join().unwrap(), 42);
}

#[test]
fn stop_from_another_thread_ends_run_forever() {
    let event_loop = corio::EventLoop::new().unwrap();
    let handle = event_loop.handle();
    let stopper = thread::spawn(move || {
        thread::sleep(Duration::from_millis(10));
        handle.stop();
    });
    event_loop.run_forever();
    stopper.join().unwrap();
    assert!(!event_loop.is_running());
}
