//! `Event`, ported from CPython's `test_locks.py`.

mod support;

use std::rc::Rc;

use support::Log;

#[test]
fn set_wakes_every_waiter_even_if_cleared_before_they_run() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let event = Rc::new(corio::Event::new());
        let tasks: Vec<_> = (1..=3)
            .map(|i| {
                let (event, log) = (event.clone(), inner.clone());
                corio::create_task(async move {
                    event.wait().await;
                    log.push(i.to_string());
                })
            })
            .collect();
        corio::yield_now().await;
        assert!(inner.take().is_empty());
        event.set();
        event.clear();
        for task in tasks {
            task.await.unwrap();
        }
        assert!(!event.is_set());
        event.set();
        event.wait().await; // at once when set
    });
    assert_eq!(log.take(), ["1", "2", "3"]);
}

#[test]
fn a_cancelled_event_waiter_leaves_quietly() {
    corio::run(async {
        let event = Rc::new(corio::Event::new());
        let waiter = {
            let event = event.clone();
            corio::create_task(async move { event.wait().await })
        };
        corio::yield_now().await;
        waiter.cancel();
        assert!(waiter.await.unwrap_err().is_cancelled());
        event.set();
    });
}
