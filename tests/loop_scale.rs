//! Many tasks and timers in one loop.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

#[test]
fn a_hundred_thousand_tasks() {
    let total = corio::run(async {
        let tasks: Vec<_> = (0..100_000u64)
            .map(|i| {
                corio::create_task(async move {
                    corio::yield_now().await;
                    i
                })
            })
            .collect();
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap();
        }
        total
    });
    assert_eq!(total, (0..100_000u64).sum());
}

#[test]
fn a_million_timers() {
    let fired = Rc::new(Cell::new(0u32));
    let count = fired.clone();
    corio::run(async move {
        let start = corio::time();
        // Deadlines spread over 50 ms after `start`, in a scrambled order.
        let mut handles = Vec::with_capacity(1_000_000);
        for i in 0..1_000_000u64 {
            let count = count.clone();
            let when = start + Duration::from_micros((i * 7_919) % 50_000);
            handles.push(corio::call_at(when, move || count.set(count.get() + 1)));
        }
        // Cancel every tenth; the rest must fire.
        for handle in handles.iter().step_by(10) {
            handle.cancel();
        }
        // Later than every other deadline, so it fires after all of them,
        // however long setting them up took.
        corio::sleep_until(start + Duration::from_millis(60)).await;
    });
    assert_eq!(fired.get(), 900_000);
}
