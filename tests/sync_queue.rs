//! `Queue`, `PriorityQueue` and `LifoQueue`, ported from CPython's
//! `test_queues.py`.

mod support;

use std::rc::Rc;

use corio::{GetError, PutError};
use futures_lite::StreamExt;
use support::{py_bool, Log};

#[test]
fn the_three_orders() {
    let fifo = corio::Queue::new(0);
    let lifo = corio::LifoQueue::new(0);
    let priority = corio::PriorityQueue::new(0);
    for item in [1, 3, 2] {
        fifo.put_nowait(item).unwrap();
        lifo.put_nowait(item).unwrap();
        priority.put_nowait(item).unwrap();
    }
    let drain =
        |get: &dyn Fn() -> Result<i32, GetError>| std::iter::from_fn(|| get().ok()).collect::<Vec<_>>();
    assert_eq!(drain(&|| fifo.get_nowait()), [1, 3, 2]);
    assert_eq!(drain(&|| lifo.get_nowait()), [2, 3, 1]);
    assert_eq!(drain(&|| priority.get_nowait()), [1, 2, 3]);
}

#[test]
fn priority_ties_come_out_in_insertion_order() {
    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
    struct Job(u8, #[allow(dead_code)] Ignored);
    #[derive(Debug)]
    struct Ignored(&'static str);
    impl PartialEq for Ignored {
        fn eq(&self, _: &Ignored) -> bool {
            true
        }
    }
    impl Eq for Ignored {}
    impl PartialOrd for Ignored {
        fn partial_cmp(&self, other: &Ignored) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Ignored {
        fn cmp(&self, _: &Ignored) -> std::cmp::Ordering {
            std::cmp::Ordering::Equal
        }
    }
    let queue = corio::PriorityQueue::new(0);
    for (priority, name) in [(2, "a"), (1, "b"), (2, "c"), (1, "d")] {
        queue.put_nowait(Job(priority, Ignored(name))).unwrap();
    }
    let names: Vec<_> = std::iter::from_fn(|| queue.get_nowait().ok()).map(|job| (job.1).0).collect();
    assert_eq!(names, ["b", "d", "a", "c"]);
}

#[test]
fn maxsize_full_and_nonblocking_errors() {
    let queue = corio::Queue::new(2);
    assert_eq!(queue.maxsize(), 2);
    assert!(queue.empty() && !queue.full());
    queue.put_nowait("a").unwrap();
    queue.put_nowait("b").unwrap();
    assert!(queue.full());
    assert_eq!(queue.put_nowait("c"), Err(PutError::Full("c")));
    assert_eq!(queue.qsize(), 2);
    assert_eq!(queue.get_nowait(), Ok("a"));
    assert_eq!(queue.get_nowait(), Ok("b"));
    assert_eq!(queue.get_nowait(), Err(GetError::Empty));
    assert_eq!(PutError::Full(1).to_string(), "the queue is full");
}

/// `put_nowait` fails exactly when `full()` says so, also while a getter
/// waits (CPython: the item put for a waiting getter counts in `qsize`
/// until the getter runs).
#[test]
fn put_nowait_is_full_exactly_when_full_says_so() {
    corio::run(async {
        let queue = corio::Queue::new(1);
        let getter = {
            let queue = queue.clone();
            corio::create_task(async move { queue.get().await.unwrap() })
        };
        corio::yield_now().await;
        let put = |item| {
            let full = queue.full();
            assert_eq!(queue.put_nowait(item).is_err(), full, "put_nowait({item}) with full() {full}");
            full
        };
        assert!(!put(1));
        assert!(put(2), "the item for the waiting getter fills the queue");
        assert_eq!(getter.await.unwrap(), 1);
        assert!(!put(3));
    });
}

#[test]
fn blocked_getters_and_putters_are_served_in_fifo_order() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let queue = corio::Queue::new(1);
        let getters: Vec<_> = (1..=3)
            .map(|i| {
                let (queue, log) = (queue.clone(), inner.clone());
                corio::create_task(async move {
                    let item: u32 = queue.get().await.unwrap();
                    log.push(format!("getter{i} got {item}"));
                })
            })
            .collect();
        corio::yield_now().await;
        for item in 10..13 {
            queue.put(item).await.unwrap();
        }
        for getter in getters {
            getter.await.unwrap();
        }
        // Now the putters: the queue holds one item, three putters wait.
        queue.put_nowait(0).unwrap();
        let putters: Vec<_> = (1..=3)
            .map(|i| {
                let queue = queue.clone();
                corio::create_task(async move { queue.put(i).await.unwrap() })
            })
            .collect();
        corio::yield_now().await;
        assert_eq!(queue.put_nowait(99), Err(PutError::Full(99)), "no jumping the putters' queue");
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(queue.get().await.unwrap());
        }
        assert_eq!(got, [0, 1, 2, 3]);
        for putter in putters {
            putter.await.unwrap();
        }
    });
    assert_eq!(log.take(), ["getter1 got 10", "getter2 got 11", "getter3 got 12"]);
}

#[test]
fn a_getter_cancelled_after_it_was_woken_passes_the_wake_up_on() {
    corio::run(async {
        let queue = corio::Queue::new(0);
        let first = {
            let queue = queue.clone();
            corio::create_task(async move { queue.get().await })
        };
        let second = {
            let queue = queue.clone();
            corio::create_task(async move { queue.get().await })
        };
        corio::yield_now().await;
        queue.put_nowait("only").unwrap(); // handed to `first`...
        first.cancel(); // ...which is dropped before it runs
        assert_eq!(second.await.unwrap(), Ok("only"), "the item passed to the next getter");
        assert!(first.await.unwrap_err().is_cancelled());

        // With no other getter, the item goes back to the front.
        let lone = {
            let queue = queue.clone();
            corio::create_task(async move { queue.get().await })
        };
        corio::yield_now().await;
        queue.put_nowait("x").unwrap();
        queue.put_nowait("y").unwrap();
        lone.cancel();
        corio::yield_now().await;
        assert_eq!(queue.get_nowait(), Ok("x"));
        assert_eq!(queue.get_nowait(), Ok("y"));
    });
}

#[test]
fn a_putter_cancelled_after_it_was_woken_passes_the_wake_up_on() {
    corio::run(async {
        let queue = corio::Queue::new(1);
        queue.put_nowait(0).unwrap();
        let spawn = |item| {
            let queue = queue.clone();
            corio::create_task(async move { queue.put(item).await })
        };
        let (first, second) = (spawn(1), spawn(2));
        corio::yield_now().await;
        assert_eq!(queue.get_nowait(), Ok(0)); // reserves the slot for `first`
        first.cancel();
        assert!(second.await.unwrap().is_ok());
        assert_eq!(queue.get_nowait(), Ok(2));
        assert!(first.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn join_waits_for_every_task_done() {
    corio::run(async {
        let queue = corio::Queue::new(0);
        queue.join().await; // nothing put: at once
        for i in 0..3 {
            queue.put_nowait(i).unwrap();
        }
        let joiner = {
            let queue = queue.clone();
            corio::create_task(async move { queue.join().await })
        };
        for _ in 0..3 {
            queue.get().await.unwrap();
            corio::yield_now().await;
            assert!(!joiner.done());
            queue.task_done().unwrap();
        }
        joiner.await.unwrap();
        assert_eq!(queue.task_done().unwrap_err().to_string(), "task_done() called too many times");
    });
}

#[test]
fn shutdown_fails_putters_then_getters_once_empty() {
    corio::run(async {
        let queue = corio::Queue::new(1);
        queue.put_nowait(1).unwrap();
        let blocked_putter = {
            let queue = queue.clone();
            corio::create_task(async move { queue.put(2).await })
        };
        corio::yield_now().await;
        queue.shutdown(false);
        assert!(queue.is_shut_down());
        assert_eq!(blocked_putter.await.unwrap(), Err(PutError::ShutDown(2)));
        assert_eq!(queue.put_nowait(3), Err(PutError::ShutDown(3)));
        assert_eq!(queue.get().await, Ok(1), "items left are still delivered");
        assert_eq!(queue.get().await, Err(GetError::ShutDown));
    });
}

#[test]
fn immediate_shutdown_empties_the_queue_and_releases_join() {
    corio::run(async {
        let queue = corio::Queue::new(0);
        for i in 0..3 {
            queue.put_nowait(i).unwrap();
        }
        let joiner = {
            let queue = queue.clone();
            corio::create_task(async move { queue.join().await })
        };
        let getter = {
            let queue = corio::Queue::<u8>::new(0);
            let q = queue.clone();
            let task = corio::create_task(async move { q.get().await });
            corio::yield_now().await;
            queue.shutdown(true);
            task
        };
        queue.shutdown(true);
        assert!(queue.empty());
        joiner.await.unwrap();
        assert_eq!(getter.await.unwrap(), Err(GetError::ShutDown));
    });
}

#[test]
fn a_queue_is_a_stream_that_ends_after_shutdown() {
    let items = corio::run(async {
        let queue = corio::Queue::new(0);
        let producer = {
            let queue = queue.clone();
            corio::create_task(async move {
                for i in 0..5 {
                    queue.put(i).await.unwrap();
                    corio::yield_now().await;
                }
                queue.shutdown(false);
            })
        };
        let items: Vec<u32> = queue.collect().await;
        producer.await.unwrap();
        items
    });
    assert_eq!(items, [0, 1, 2, 3, 4]);
}

#[test]
fn handles_share_one_queue() {
    let queue = Rc::new(corio::Queue::new(0));
    let clone = (*queue).clone();
    clone.put_nowait('x').unwrap();
    assert_eq!(queue.qsize(), 1);
}

/// `tests/asyncio/queue_handover.py`: an item put while a getter waits
/// stays in the queue until the getter runs; room made for a woken putter is
/// anybody's until it runs; an immediate shutdown takes items back from
/// woken getters.
#[test]
fn an_item_stays_in_the_queue_until_its_woken_getter_runs() {
    let log = Log::new();
    let inner = log.clone();
    corio::run(async move {
        let log = inner;
        let getter = |queue: &corio::Queue<&'static str>, name: &'static str| {
            let (queue, log) = (queue.clone(), log.clone());
            corio::create_task(async move {
                match queue.get().await {
                    Ok(item) => log.push(format!("{name} got {item}")),
                    Err(GetError::ShutDown) => log.push(format!("{name} shut down")),
                    Err(GetError::Empty) => unreachable!("get waits"),
                }
            })
        };
        let queue = corio::Queue::new(0);
        let g = getter(&queue, "g1");
        corio::yield_now().await;
        queue.put_nowait("a").unwrap();
        log.push(format!("qsize {} empty {}", queue.qsize(), py_bool(queue.empty())));
        g.await.unwrap();
        log.push(format!("qsize {}", queue.qsize()));

        let g = getter(&queue, "g2");
        corio::yield_now().await;
        queue.put_nowait("b").unwrap();
        log.push(format!("main took {} first", queue.get_nowait().unwrap()));
        corio::yield_now().await;
        log.push(format!("g2 done {}", py_bool(g.done())));
        queue.put_nowait("c").unwrap();
        g.await.unwrap();

        let queue = corio::Queue::new(1);
        queue.put_nowait("x").unwrap();
        let p = {
            let (queue, log) = (queue.clone(), log.clone());
            corio::create_task(async move {
                queue.put("y").await.unwrap();
                log.push("put y".to_string());
            })
        };
        corio::yield_now().await;
        log.push(format!("got {}, full {}", queue.get_nowait().unwrap(), py_bool(queue.full())));
        queue.put_nowait("z").unwrap();
        log.push(format!("put_nowait z, full {}", py_bool(queue.full())));
        corio::yield_now().await;
        log.push(format!("putter done {}", py_bool(p.done())));
        log.push(format!("got {}", queue.get_nowait().unwrap()));
        p.await.unwrap();
        log.push(format!("got {}", queue.get_nowait().unwrap()));

        let queue = corio::Queue::new(0);
        let g = getter(&queue, "g3");
        corio::yield_now().await;
        queue.put_nowait("d").unwrap();
        queue.shutdown(true);
        log.push(format!("qsize {}", queue.qsize()));
        queue.join().await;
        log.push("joined".to_string());
        g.await.unwrap();
    });
    assert_eq!(log.take(), support::expected_log("queue_handover"));
}
