//! Durations too large for the clock (`Duration::MAX`) mean "never",
//! everywhere a duration is added to the loop's time: no overflow panic, no
//! timer that fires, and virtual time never jumps to it.

use std::time::Duration;

#[corio::test(virtual_time)]
async fn sleep_for_ever_never_completes() {
    let forever = corio::sleep(Duration::MAX);
    assert!(forever.deadline().unwrap() > corio::time() + Duration::from_secs(500 * 365 * 86_400));
    // Virtual time would jump to a timer that could fire; this one cannot.
    assert!(corio::wait_for(Duration::from_secs(3600), forever).await.is_err());
}

#[corio::test(virtual_time)]
async fn a_timeout_of_forever_never_expires() {
    let slow = async {
        corio::sleep(Duration::from_secs(86_400)).await;
        "done"
    };
    assert_eq!(corio::wait_for(Duration::MAX, slow).await, Ok("done"));
    assert_eq!(corio::timeout(Duration::MAX, async { 1 }).await, Ok(1));
}

#[corio::test(virtual_time)]
async fn a_callback_for_ever_never_runs() {
    let handle = corio::call_later(Duration::MAX, || unreachable!("never due"));
    corio::sleep(Duration::from_secs(3600)).await;
    assert!(!handle.cancelled());
    handle.cancel();
}

#[test]
fn the_event_loop_and_a_sleep_reset_take_forever_too() {
    let event_loop = corio::EventLoop::new().unwrap();
    let handle = event_loop.call_later(Duration::MAX, || unreachable!("never due"));
    event_loop.run_until_complete(async {
        let mut sleep = corio::sleep(Duration::from_millis(1));
        sleep.reset(corio::time() + Duration::from_millis(2));
        sleep.await;
    });
    handle.cancel();
    event_loop.close();
}

#[test]
fn advancing_a_virtual_clock_by_forever_does_not_panic() {
    let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    runner.run(async {
        corio::testing::set_auto_advance(false);
        let before = corio::time();
        corio::testing::advance(Duration::MAX).await;
        assert!(corio::time() > before);
    });
}

#[test]
fn waiting_for_a_concurrent_future_for_ever_waits_until_it_is_done() {
    let event_loop = corio::EventLoop::new().unwrap();
    let handle = event_loop.handle();
    let future = handle.spawn(async { "from the loop" });
    let waiter = std::thread::spawn(move || future.result_timeout(Duration::MAX));
    event_loop.run_until_complete(corio::sleep(Duration::from_millis(1)));
    assert_eq!(waiter.join().unwrap().unwrap().unwrap(), "from the loop");
}
