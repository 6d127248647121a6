//! A wake-up from another thread that races the loop re-polling the task is
//! never lost.
//!
//! Each round, the task yields itself (so the loop is about to clear its
//! "scheduled" flag and poll it again) and asks a helper thread to publish a
//! value and wake it. The thread's wake lands, after a seeded random spin,
//! somewhere in the window where the loop clears the flag and polls: if the
//! flag protocol lets the wake see a stale "scheduled" while the poll sees
//! the old value, the task is never polled again: the test fails when ten
//! seconds pass without a round. The loom model of the protocol proves it;
//! this test keeps the real thing honest.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::Duration;

/// Rounds per run; `CORIO_WAKE_RACE_ROUNDS` raises it for a longer hunt.
fn rounds() -> u64 {
    std::env::var("CORIO_WAKE_RACE_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(200_000)
}

struct Shared {
    /// The value the helper thread publishes, once per round.
    published: AtomicU64,
    /// The round the task asks the helper to publish next.
    requested: AtomicU64,
    stop: AtomicBool,
}

#[test]
fn a_remote_wake_during_the_repoll_is_never_lost() {
    let rounds = rounds();
    let shared = Arc::new(Shared {
        published: AtomicU64::new(0),
        requested: AtomicU64::new(0),
        stop: AtomicBool::new(false),
    });
    // The waker goes to the helper once, so that nothing between its
    // publishing store and its wake is a fence (a lock would be one).
    let (waker_tx, waker_rx) = mpsc::channel::<Waker>();
    let helper = {
        let shared = shared.clone();
        std::thread::spawn(move || {
            let Ok(waker) = waker_rx.recv() else { return };
            // xorshift64, seeded: the same spins every run.
            let mut x = 0x9e37_79b9_7f4a_7c15_u64;
            let mut done = 0;
            while !shared.stop.load(Ordering::Acquire) {
                let wanted = shared.requested.load(Ordering::Acquire);
                if wanted == done {
                    std::hint::spin_loop();
                    continue;
                }
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                for _ in 0..(x % 64) {
                    std::hint::spin_loop();
                }
                shared.published.store(wanted, Ordering::Release);
                waker.wake_by_ref();
                done = wanted;
            }
        })
    };
    let task_shared = shared.clone();
    let progress = shared.clone();
    let finished = corio::run(async move {
        let mut task = corio::create_task(async move {
            let shared = task_shared;
            let mut round = 0;
            let mut waker_tx = Some(waker_tx);
            std::future::poll_fn(|cx| {
                // The first thing the poll reads: nothing in the loop between
                // clearing the flag and this load may act as a fence.
                let published = shared.published.load(Ordering::Acquire);
                if let Some(waker_tx) = waker_tx.take() {
                    waker_tx.send(cx.waker().clone()).unwrap();
                }
                if published == round {
                    if round == rounds {
                        return Poll::Ready(round);
                    }
                    round += 1;
                    shared.requested.store(round, Ordering::Release);
                    // Yield: the loop re-polls at once, racing the helper.
                    cx.waker().wake_by_ref();
                }
                Poll::Pending
            })
            .await
        });
        // A lost wake-up stops all progress; a slow machine only slows it.
        let mut seen = u64::MAX;
        loop {
            match corio::wait_for(Duration::from_secs(10), &mut task).await {
                Ok(done) => break Ok(done),
                Err(_) if progress.published.load(Ordering::Acquire) == seen => break Err(seen),
                Err(_) => seen = progress.published.load(Ordering::Acquire),
            }
        }
    });
    shared.stop.store(true, Ordering::Release);
    helper.join().unwrap();
    let published = shared.published.load(Ordering::Acquire);
    match finished {
        Ok(Ok(round)) => assert_eq!(round, rounds),
        _ => panic!("a wake-up was lost: the task stopped being polled at round {published} of {rounds}"),
    }
}
