//! `to_thread`, `run_in_executor` and `ThreadPool`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

#[test]
fn to_thread_runs_off_the_loop_thread_and_comes_back() {
    let loop_thread = thread::current().id();
    corio::run(async move {
        let (worker, name) =
            corio::to_thread(|| (thread::current().id(), thread::current().name().map(str::to_owned)))
                .await
                .unwrap();
        assert_ne!(worker, loop_thread);
        assert!(name.unwrap().starts_with("corio-pool-"));
        assert_eq!(thread::current().id(), loop_thread, "the task resumes on the loop thread");
    });
}

#[test]
fn a_panic_in_the_function_comes_back_as_a_task_error() {
    let err = corio::run(corio::to_thread(|| -> u8 { panic!("in a worker") })).unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"in a worker"));
}

#[test]
fn the_pool_starts_no_thread_before_its_first_job_and_at_most_its_size() {
    let pool = corio::ThreadPool::new(2);
    assert!(format!("{pool:?}").contains("threads: 0"), "{pool:?}");
    // Four jobs that all wait on each other would deadlock on two threads,
    // so let two of them meet and count how many ran at once.
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let meet = Arc::new(Barrier::new(2));
    let promises: Vec<_> = (0..4)
        .map(|_| {
            let (running, peak, meet) = (running.clone(), peak.clone(), meet.clone());
            corio::run_in_executor(&pool, move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                meet.wait();
                running.fetch_sub(1, Ordering::SeqCst);
            })
        })
        .collect();
    corio::run(async move {
        for promise in promises {
            promise.await.unwrap();
        }
    });
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    assert!(format!("{pool:?}").contains("threads: 2"), "{pool:?}");
    pool.shutdown();
    let late = corio::run_in_executor(&pool, || 1);
    assert!(corio::run(late).unwrap_err().is_cancelled(), "a shut-down pool cancels new work");
}

#[test]
fn the_default_pool_size_is_asyncios() {
    let cpus = thread::available_parallelism().unwrap().get();
    assert_eq!(corio::ThreadPool::default_size(), (cpus + 4).min(32));
}

#[test]
fn run_shuts_the_loops_pool_down_and_joins_its_threads() {
    use std::sync::atomic::AtomicBool;

    /// Set when the worker thread that holds it exits.
    struct OnThreadExit(Arc<AtomicBool>);
    impl Drop for OnThreadExit {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    thread_local! {
        static ON_EXIT: std::cell::RefCell<Option<OnThreadExit>> = const { std::cell::RefCell::new(None) };
    }

    let exited = Arc::new(AtomicBool::new(false));
    let (flag, inside) = (exited.clone(), exited.clone());
    corio::run(async move {
        corio::to_thread(move || ON_EXIT.with(|slot| *slot.borrow_mut() = Some(OnThreadExit(flag))))
            .await
            .unwrap();
        assert!(!inside.load(Ordering::SeqCst), "the worker lives while the loop does");
    });
    assert!(exited.load(Ordering::SeqCst), "run joined the pool's threads before returning");
}

/// Panics when dropped.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("result broke");
    }
}

/// Found by an adversarial pass: the result of a `to_thread` whose awaiter
/// gave up was dropped on the worker, outside the job's guard, and its
/// panic killed the only worker; every later `to_thread` waited for ever.
#[test]
fn a_result_that_panics_when_dropped_by_nobody_does_not_kill_the_worker() {
    let mut runner = corio::Runner::builder().thread_pool_size(1).build().unwrap();
    runner.run(async {
        let (finish, finish_rx) = std::sync::mpsc::channel::<()>();
        let orphaned = corio::wait_for(
            std::time::Duration::from_millis(1),
            corio::to_thread(move || {
                finish_rx.recv().unwrap();
                PanicsOnDrop
            }),
        );
        assert!(orphaned.await.is_err(), "the awaiter gave up");
        finish.send(()).unwrap(); // the job ends now, and its result is dropped on the worker
        let next = corio::wait_for(std::time::Duration::from_secs(10), corio::to_thread(|| 7));
        assert_eq!(next.await.expect("the pool still runs jobs").unwrap(), 7);
    });
}

/// Under virtual time the clock does not jump over a job that
/// `run_in_executor` started, as it does not over a `to_thread`.
#[test]
fn the_virtual_clock_waits_for_a_run_in_executor_job() {
    let pool = corio::ThreadPool::new(1);
    let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
    let outcome = runner.run(async {
        let job = corio::run_in_executor(&pool, || thread::sleep(std::time::Duration::from_millis(50)));
        corio::wait_for(std::time::Duration::from_secs(1), job).await
    });
    assert!(outcome.is_ok(), "the 1 s timeout did not fire while the job ran");
    pool.shutdown();
}
