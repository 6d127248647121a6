//! Virtual time: the clock jumps to the next timer when the loop is idle,
//! exactly, and never while work is pending.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

fn virtual_runner() -> corio::Runner {
    corio::Runner::builder().virtual_time(true).build().unwrap()
}

#[test]
fn an_hour_of_sleep_takes_no_wall_clock_time_and_lands_exactly() {
    let wall = Instant::now();
    let slept = virtual_runner().run(async {
        let start = corio::time();
        corio::sleep(Duration::from_secs(3600)).await;
        corio::time() - start
    });
    assert_eq!(slept, Duration::from_secs(3600), "no extra millisecond");
    assert!(wall.elapsed() < Duration::from_secs(1));
}

#[test]
fn ten_thousand_one_minute_timeouts_finish_in_milliseconds() {
    let wall = Instant::now();
    let elapsed = virtual_runner().run(async {
        let start = corio::time();
        let results = corio::gather(
            (0..10_000)
                .map(|_| corio::wait_for(Duration::from_secs(60), corio::sleep(Duration::from_secs(3600)))),
        )
        .await;
        assert!(results.iter().all(Result::is_err));
        corio::time() - start
    });
    assert_eq!(elapsed, Duration::from_secs(60));
    assert!(wall.elapsed() < Duration::from_secs(1) * 30, "generous for debug builds");
}

#[test]
fn timers_fire_in_deadline_order_at_their_deadlines() {
    let log = virtual_runner().run(async {
        let start = corio::time();
        let log = Rc::new(std::cell::RefCell::new(Vec::new()));
        for ms in [30u64, 10, 20] {
            let log = log.clone();
            corio::call_later(Duration::from_millis(ms), move || {
                log.borrow_mut().push((ms, corio::time() - start));
            });
        }
        corio::sleep(Duration::from_millis(100)).await;
        log.take()
    });
    let expected: Vec<_> = [10u64, 20, 30].iter().map(|&ms| (ms, Duration::from_millis(ms))).collect();
    assert_eq!(log, expected);
}

#[test]
fn the_clock_does_not_jump_while_a_thread_job_is_in_flight() {
    let outcome = virtual_runner().run(async {
        let start = corio::time();
        let job = corio::to_thread(|| {
            std::thread::sleep(Duration::from_millis(50));
            "done"
        });
        let result = corio::wait_for(Duration::from_secs(3600), job).await;
        (result, corio::time() - start)
    });
    let (result, elapsed) = outcome;
    assert_eq!(result.unwrap().unwrap(), "done", "the hour-long deadline must not have fired");
    assert_eq!(elapsed, Duration::ZERO);
}

#[test]
fn a_timeout_made_early_fails_at_once_when_awaited_late() {
    virtual_runner().run(async {
        let made_early = corio::wait_for(Duration::from_secs(5), std::future::pending::<()>());
        corio::sleep(Duration::from_secs(5)).await;
        let before = corio::time();
        assert!(made_early.await.is_err());
        assert_eq!(corio::time(), before, "the deadline was fixed at creation");
    });
}

#[test]
fn advance_moves_the_clock_by_hand_when_auto_advance_is_off() {
    virtual_runner().run(async {
        corio::testing::set_auto_advance(false);
        let start = corio::time();
        let fired = Rc::new(Cell::new(0));
        for s in 1..=3 {
            let fired = fired.clone();
            corio::call_later(Duration::from_secs(s), move || fired.set(fired.get() + 1));
        }
        corio::testing::advance(Duration::from_millis(1500)).await;
        assert_eq!(fired.get(), 1);
        assert_eq!(corio::time() - start, Duration::from_millis(1500));
        corio::testing::advance(Duration::from_secs(2)).await;
        assert_eq!(fired.get(), 3);
        corio::testing::set_auto_advance(true);
        corio::sleep(Duration::from_secs(60)).await;
        assert_eq!(corio::time() - start, Duration::from_millis(63_500));
    });
}

#[test]
#[should_panic(expected = "needs a loop with virtual time")]
fn advance_on_the_real_clock_panics() {
    corio::run(corio::testing::advance(Duration::from_secs(1)));
}
