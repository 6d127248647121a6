//! `gather!`, `gather`, `try_gather!`, `try_gather` and `as_completed`.

mod support;

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use futures_lite::StreamExt;
use support::{expected_log, DropCounter, Log};

async fn child(name: &'static str, delay_ms: u64, log: Log, fail: bool) -> Result<&'static str, String> {
    log.push(format!("{name}-start"));
    corio::sleep(Duration::from_millis(delay_ms)).await;
    log.push(format!("{name}-end"));
    if fail {
        Err(name.to_owned())
    } else {
        Ok(name)
    }
}

/// `tests/asyncio/gather_order.py`.
#[test]
fn gather_matches_cpython() {
    let log = Log::new();
    let l = log.clone();
    corio::run(async move {
        let (a, b, c) = corio::gather!(
            child("a", 30, l.clone(), false),
            child("b", 10, l.clone(), false),
            child("c", 20, l.clone(), false),
        )
        .await;
        l.push(format!("results-{},{},{}", a.unwrap(), b.unwrap(), c.unwrap()));
        // return_exceptions=True: futures that return `Result`s.
        let outcomes =
            corio::gather([child("d", 10, l.clone(), true), child("e", 20, l.clone(), false)]).await;
        let outcomes: Vec<&str> = outcomes.iter().map(|o| o.as_ref().map_or("err", |name| name)).collect();
        l.push(format!("outcomes-{}", outcomes.join(",")));
    });
    assert_eq!(log.take(), expected_log("gather_order"));
}

#[test]
fn gather_macro_takes_a_dozen_futures_of_different_types() {
    corio::run(async {
        let text = String::from("borrowed, not 'static");
        let out = corio::gather!(
            async { 1u8 },
            async { 2u16 },
            async { 3u32 },
            async { 4u64 },
            async { "five" },
            async { 6.0f32 },
            async { '7' },
            async { text.len() },
            corio::sleep(Duration::from_millis(1)),
            async { Some(10) },
            async { [11] },
            async { (12,) },
        )
        .await;
        assert_eq!(out.0, 1);
        assert_eq!(out.4, "five");
        assert_eq!(out.7, 21);
        assert_eq!(out.11, (12,));
    });
}

#[test]
fn try_gather_returns_the_first_error_and_drops_the_rest_first() {
    let drops = DropCounter::new();
    let log = Log::new();
    let (d, l) = (drops.clone(), log.clone());
    corio::run(async move {
        let slow = |token: support::DropToken| async move {
            let _token = token;
            corio::sleep(Duration::from_secs(3600)).await;
            Ok::<u8, &str>(0)
        };
        let failing = async {
            corio::sleep(Duration::from_millis(1)).await;
            Err::<u8, &str>("failed")
        };
        let result = corio::try_gather!(slow(d.token()), failing, slow(d.token())).await;
        l.push(format!("result {result:?}, dropped {}", d.count()));
        let result = corio::try_gather((0..3).map(|i| {
            let token = d.token();
            async move {
                let _token = token;
                if i == 1 {
                    Err("second")
                } else {
                    corio::sleep(Duration::from_secs(3600)).await;
                    Ok(i)
                }
            }
        }))
        .await;
        l.push(format!("result {result:?}, dropped {}", d.count()));
    });
    assert_eq!(log.take(), ["result Err(\"failed\"), dropped 2", "result Err(\"second\"), dropped 5"]);
}

/// A future that is woken from outside, once, and counts its polls.
fn wakeable(slot: Rc<Cell<Option<Waker>>>, polls: Rc<Cell<usize>>) -> impl Future<Output = usize> {
    let mut woken = false;
    poll_fn(move |cx| {
        polls.set(polls.get() + 1);
        if woken {
            return Poll::Ready(1);
        }
        woken = true;
        slot.set(Some(cx.waker().clone()));
        Poll::Pending
    })
}

#[test]
fn gather_polls_only_the_woken_children() {
    const N: usize = 100_000;
    let polls = Rc::new(Cell::new(0));
    let slots: Vec<_> = (0..N).map(|_| Rc::new(Cell::new(None::<Waker>))).collect();
    let futures: Vec<_> = slots.iter().map(|slot| wakeable(slot.clone(), polls.clone())).collect();
    let total = corio::run(async move {
        let waker = corio::create_task(async move {
            // Wake in a scrambled order, a few per turn.
            for chunk in (0..N).map(|i| (i * 7_919) % N).collect::<Vec<_>>().chunks(1_000) {
                for &i in chunk {
                    slots[i].take().unwrap().wake();
                }
                corio::yield_now().await;
            }
        });
        let outputs = corio::gather(futures).await;
        waker.await.unwrap();
        outputs.into_iter().sum::<usize>()
    });
    assert_eq!(total, N);
    assert_eq!(polls.get(), 2 * N, "each child polled once at the start and once per wake-up");
}

#[test]
fn as_completed_yields_in_completion_order() {
    let order = corio::run(async {
        corio::as_completed([3u64, 1, 2].map(|n| async move {
            corio::sleep(Duration::from_millis(n * 10)).await;
            n
        }))
        .collect::<Vec<_>>()
        .await
    });
    assert_eq!(order, [1, 2, 3]);
}

#[test]
fn dropping_gather_drops_its_children() {
    let drops = DropCounter::new();
    let d = drops.clone();
    corio::run(async move {
        let children = (0..4).map(|_| {
            let token = d.token();
            async move {
                let _token = token;
                corio::sleep(Duration::from_secs(3600)).await;
            }
        });
        assert!(corio::wait_for(Duration::from_millis(1), corio::gather(children)).await.is_err());
        assert_eq!(d.count(), 4);
    });
    assert_eq!(drops.count(), 4);
}

/// Found by an adversarial pass: children woken while the rest of an old
/// batch waited to be polled were never seen, so the second item never came.
#[test]
fn as_completed_sees_the_children_woken_after_it_handed_out_an_item() {
    let outputs = corio::Runner::builder().virtual_time(true).build().unwrap().run(async {
        let yields = |name: &'static str, times: usize| {
            Box::pin(async move {
                for _ in 0..times {
                    corio::yield_now().await;
                }
                name
            }) as std::pin::Pin<Box<dyn Future<Output = &'static str>>>
        };
        let sleeps = Box::pin(async {
            corio::sleep(Duration::from_millis(1)).await;
            "sleeper"
        }) as std::pin::Pin<Box<dyn Future<Output = &'static str>>>;
        let mut stream = corio::as_completed([yields("a", 3), yields("b", 10), sleeps]);
        let first = stream.next().await.unwrap();
        corio::sleep(Duration::from_millis(10)).await;
        let second =
            corio::timeout(Duration::from_secs(60), stream.next()).await.expect("the second item comes");
        let third =
            corio::timeout(Duration::from_secs(60), stream.next()).await.expect("the third item comes");
        [first, second.unwrap(), third.unwrap()]
    });
    assert_eq!(outputs, ["a", "sleeper", "b"]);
}
