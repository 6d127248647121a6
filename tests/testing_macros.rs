//! `#[corio::test]` and its options.

use std::time::Duration;

#[corio::test]
async fn a_plain_test_runs_on_a_loop() {
    assert_eq!(corio::current_task().unwrap().name(), "Task-1");
}

#[corio::test(virtual_time)]
async fn virtual_time_sleeps_an_hour_at_once() {
    let start = corio::time();
    corio::sleep(Duration::from_secs(3600)).await;
    assert_eq!(corio::time() - start, Duration::from_secs(3600));
}

#[corio::test(seed = 7, virtual_time)]
async fn options_combine() {
    corio::testing::advance(Duration::from_secs(1)).await;
}

#[corio::test]
async fn a_test_may_return_a_result() -> Result<(), String> {
    corio::yield_now().await;
    Ok(())
}

#[corio::test(seed = 3)]
#[should_panic(expected = "deliberate")]
async fn a_failing_seeded_test_still_fails() {
    panic!("deliberate");
}

#[test]
fn the_seed_of_a_builder_is_reported_for_replay() {
    if std::env::var_os("CORIO_SEED").is_some() {
        return;
    }
    assert_eq!(corio::Runner::builder().shuffle(42).seed(), Some(42));
    assert_eq!(corio::Runner::builder().seed(), None);
}
