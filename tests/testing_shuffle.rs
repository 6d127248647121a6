//! Seeded schedules: the ready work of each turn in a seeded random order.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

fn run_with(seed: Option<u64>, body: impl std::future::Future<Output = ()>) {
    let mut builder = corio::Runner::builder();
    if let Some(seed) = seed {
        builder = builder.shuffle(seed);
    }
    builder.build().unwrap().run(body);
}

/// The order in which eight tasks, all ready in the same turn, run.
fn schedule(seed: Option<u64>) -> Vec<u32> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let inner = log.clone();
    run_with(seed, async move {
        for i in 0..8 {
            let log = inner.clone();
            corio::create_task(async move { log.borrow_mut().push(i) });
        }
        corio::yield_now().await;
    });
    log.take()
}

#[test]
fn the_same_seed_gives_the_same_order_and_two_seeds_differ() {
    if std::env::var_os("CORIO_SEED").is_some() {
        return; // the variable pins every seed to one value
    }
    assert_eq!(schedule(None), [0, 1, 2, 3, 4, 5, 6, 7], "FIFO without a seed");
    assert_eq!(schedule(Some(7)), schedule(Some(7)));
    assert_ne!(schedule(Some(7)), schedule(Some(8)));
    let mut sorted = schedule(Some(7));
    sorted.sort_unstable();
    assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7], "every task still runs once");
}

/// A race that FIFO order hides: the reader assumes the writer, created
/// first, has run before it. Some seed must catch it, and the seed that
/// does must catch it again on replay.
#[test]
fn shuffling_finds_an_order_dependent_bug_and_replays_it() {
    if std::env::var_os("CORIO_SEED").is_some() {
        return;
    }
    fn race(seed: Option<u64>) -> bool {
        let saw_write = Rc::new(Cell::new(false));
        let seen = saw_write.clone();
        run_with(seed, async move {
            let value = Rc::new(Cell::new(0));
            let written = value.clone();
            let writer = corio::create_task(async move { written.set(1) });
            let reader = corio::create_task(async move { seen.set(value.get() == 1) });
            writer.await.unwrap();
            reader.await.unwrap();
        });
        saw_write.get()
    }
    assert!(race(None), "FIFO: the writer always runs first");
    let failing = (0..32).find(|&seed| !race(Some(seed))).expect("some seed runs the reader first");
    assert!(!race(Some(failing)), "the failing seed {failing} fails again");
}
