//! Signals: handlers run on the loop's thread, streams count deliveries,
//! bad signals are refused. Each test uses its own signal, since signals
//! reach the whole process and tests run in parallel.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures_lite::StreamExt;

const SIGHUP: i32 = 1;
const SIGKILL: i32 = 9;
const SIGUSR2: i32 = 12;
const SIGURG: i32 = 23;
const SIGWINCH: i32 = 28;
const SIGIO: i32 = 29;
const SIGPWR: i32 = 30;

fn send_to_self(signal: i32) {
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_handler_runs_on_the_loop_thread() {
    let loop_thread = std::thread::current().id();
    corio::run(async move {
        let ran_on = Rc::new(Cell::new(None));
        let record = ran_on.clone();
        corio::add_signal_handler(SIGWINCH, move || record.set(Some(std::thread::current().id()))).unwrap();
        send_to_self(SIGWINCH);
        while ran_on.get().is_none() {
            corio::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(ran_on.get(), Some(loop_thread));
        assert!(corio::remove_signal_handler(SIGWINCH));
        assert!(!corio::remove_signal_handler(SIGWINCH), "removed already");
    });
}

#[test]
fn a_signal_stream_yields_once_per_delivery() {
    corio::run(async {
        let mut deliveries = corio::signal(SIGURG).unwrap();
        for _ in 0..3 {
            send_to_self(SIGURG);
            corio::wait_for(Duration::from_secs(30), deliveries.next()).await.unwrap();
        }
    });
}

/// Ten thousand signals, each sent once the loop heard the last, are ten
/// thousand stream items: none lost, none merged. A shell child sends them
/// with its builtin `kill`, one per line it reads.
#[test]
fn ten_thousand_signals_are_ten_thousand_items() {
    const ROUNDS: usize = 10_000;
    corio::run(async {
        let mut deliveries = corio::signal(SIGIO).unwrap();
        let mut sender =
            corio::create_subprocess_shell(format!("while read _; do kill -{SIGIO} $PPID; done"))
                .stdin(std::process::Stdio::piped())
                .await
                .unwrap();
        let mut stdin = sender.stdin.take().unwrap();
        for round in 0..ROUNDS {
            stdin.write(b"\n");
            stdin.drain().await.unwrap();
            let heard = corio::wait_for(Duration::from_secs(30), deliveries.next()).await;
            assert!(heard.is_ok(), "signal {round} of {ROUNDS} never arrived");
        }
        stdin.close();
        assert!(sender.wait().await.unwrap().success());
    });
}

#[test]
fn uncatchable_and_invalid_signals_are_refused() {
    corio::run(async {
        for signal in [SIGKILL, 0, -3, 200] {
            let err = corio::add_signal_handler(signal, || {}).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "signal {signal}");
            assert!(corio::signal(signal).is_err());
        }
    });
}

/// Runs `loops` loops on as many threads, each with a stream of `signal`;
/// sends `signal` once they all have one; asserts each loop hears it.
fn every_loop_hears_a_signal(loops: usize, signal: i32) {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(loops + 1));
    let threads: Vec<_> = (0..loops)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                corio::run(async move {
                    let deliveries = corio::signal(signal);
                    // Past the barrier even on error, so that no thread waits for ever.
                    corio::to_thread(move || barrier.wait()).await.unwrap();
                    corio::wait_for(Duration::from_secs(30), deliveries.unwrap().next()).await.is_ok()
                })
            })
        })
        .collect();
    barrier.wait(); // every loop handles the signal now
    send_to_self(signal);
    for thread in threads {
        assert!(thread.join().unwrap(), "a loop missed the signal");
    }
}

#[test]
fn two_loops_in_two_threads_both_hear_a_signal() {
    every_loop_hears_a_signal(2, SIGUSR2);
}

/// No fixed limit on the loops that handle signals at once (there was a
/// table of 64).
#[test]
fn a_hundred_loops_at_once_all_hear_a_signal() {
    every_loop_hears_a_signal(100, SIGPWR);
}

#[test]
fn handlers_need_a_running_loop() {
    assert!(corio::add_signal_handler(SIGHUP, || {}).is_err());
}

#[test]
fn the_highest_signal_number_is_handled() {
    // Signal 64 (SIGRTMAX on Linux) is the last bit of the masks.
    corio::run(async {
        let mut deliveries = corio::signal(64).unwrap();
        send_to_self(64);
        corio::wait_for(Duration::from_secs(30), deliveries.next()).await.unwrap();
    });
}
