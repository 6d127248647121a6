//! Subprocesses: output, input, exit codes, signals, many children, and no
//! zombies left behind.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::children::{gone, gone_soon, reaped_soon};

const SIGKILL: i32 = 9;
const SIGTERM: i32 = 15;

#[test]
fn ten_mebibytes_round_trip_through_cat_without_deadlock() {
    let input: Vec<u8> = (0..10 << 20).map(|i| (i % 251) as u8).collect();
    let expected = input.clone();
    let (out, err, code) = corio::run(async move {
        let mut cat = corio::create_subprocess_exec("cat", std::iter::empty::<&str>())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .await
            .unwrap();
        let (out, err) = cat.communicate(Some(&input)).await.unwrap();
        (out, err, cat.returncode())
    });
    assert_eq!(out.len(), expected.len());
    assert!(out == expected, "the bytes came back changed");
    assert!(err.is_empty());
    assert_eq!(code, Some(0));
}

#[test]
fn stdout_stderr_and_exit_codes_of_concurrent_children() {
    corio::run(async {
        let listing = async {
            let mut ls = corio::create_subprocess_exec("ls", ["/"]).stdout(Stdio::piped()).await.unwrap();
            let (out, _) = ls.communicate(None).await.unwrap();
            (String::from_utf8(out).unwrap(), ls.returncode())
        };
        let failing = async {
            let mut sh =
                corio::create_subprocess_shell("echo oops >&2; exit 3").stderr(Stdio::piped()).await.unwrap();
            let (out, err) = sh.communicate(None).await.unwrap();
            (out, err, sh.returncode())
        };
        let ((listing, ls_code), (out, err, sh_code)) = corio::gather!(listing, failing).await;
        assert!(listing.lines().any(|line| line == "proc"), "{listing}");
        assert_eq!(ls_code, Some(0));
        assert!(out.is_empty(), "stdout was not piped");
        assert_eq!(err, b"oops\n");
        assert_eq!(sh_code, Some(3));
    });
}

#[test]
fn killing_a_long_sleep_returns_at_once() {
    let started = Instant::now();
    corio::run(async {
        let mut sleeper = corio::create_subprocess_exec("sleep", ["100"]).await.unwrap();
        assert!(sleeper.pid() > 0);
        assert_eq!(sleeper.returncode(), None);
        sleeper.kill().unwrap();
        let status = sleeper.wait().await.unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(SIGKILL));
        assert_eq!(sleeper.returncode(), None, "killed by a signal: no exit code");
        sleeper.kill().unwrap(); // after it was reaped: does nothing
    });
    assert!(started.elapsed() < Duration::from_secs(30), "generous: it should take milliseconds");
}

#[test]
fn terminate_sends_sigterm() {
    corio::run(async {
        let mut sleeper = corio::create_subprocess_exec("sleep", ["100"]).await.unwrap();
        sleeper.terminate().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(sleeper.wait().await.unwrap().signal(), Some(SIGTERM));
    });
}

#[test]
fn two_hundred_children_in_parallel_leave_no_zombie() {
    let (pids, codes): (Vec<u32>, Vec<i32>) = corio::run(async {
        corio::gather((0..200).map(|i| async move {
            let mut child = corio::create_subprocess_shell(format!("exit {}", i % 7)).await.unwrap();
            (child.pid(), child.wait().await.unwrap().code().unwrap())
        }))
        .await
    })
    .into_iter()
    .unzip();
    assert_eq!(codes, (0..200).map(|i| i % 7).collect::<Vec<_>>());
    assert!(pids.into_iter().all(gone), "a waited-for child is still in /proc");
}

#[test]
fn a_process_dropped_before_its_child_exits_is_still_reaped() {
    corio::run(async {
        let child = corio::create_subprocess_exec("sleep", ["0.05"]).await.unwrap();
        let pid = child.pid();
        drop(child);
        assert!(reaped_soon(pid).await, "child {pid} was not reaped");
    });
}

#[test]
fn kill_on_drop_kills_the_child() {
    corio::run(async {
        let child = corio::create_subprocess_exec("sleep", ["100"]).kill_on_drop(true).await.unwrap();
        let pid = child.pid();
        drop(child);
        assert!(reaped_soon(pid).await, "child {pid} still there");
    });
}

/// `run` cancels every task left when its main future ends, the task that
/// would reap a dropped `Process` among them: a thread takes over.
#[test]
fn a_process_dropped_as_run_ends_is_still_reaped() {
    let pid = corio::run(async {
        let child = corio::create_subprocess_exec("sleep", ["0.2"]).await.unwrap();
        child.pid()
    });
    assert!(gone_soon(pid), "child {pid} was left a zombie");
}

#[test]
fn kill_on_drop_as_run_ends_leaves_no_zombie() {
    let pids = corio::run(async {
        let mut pids = Vec::new();
        for _ in 0..20 {
            let child = corio::create_subprocess_exec("sleep", ["100"]).kill_on_drop(true).await.unwrap();
            pids.push(child.pid());
        }
        pids
    });
    for pid in pids {
        assert!(gone_soon(pid), "child {pid} was left a zombie");
    }
}

#[test]
fn a_program_that_does_not_exist_is_not_found() {
    let err = corio::run(async {
        corio::create_subprocess_exec("/no/such/program", std::iter::empty::<&str>()).await.unwrap_err()
    });
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn cwd_and_env_reach_the_child() {
    let out = corio::run(async {
        let mut child = corio::create_subprocess_shell("pwd; echo $CORIO_TEST_VALUE")
            .cwd("/")
            .env("CORIO_TEST_VALUE", "forty-two")
            .stdout(Stdio::piped())
            .await
            .unwrap();
        child.communicate(None).await.unwrap().0
    });
    assert_eq!(out, b"/\nforty-two\n");
}

/// A child's exit reaches its loop through the signal table when the kernel
/// has no pidfds, so every loop that spawns holds a slot there: a hundred
/// loops spawn at once (the table once stopped at 64).
#[test]
fn a_hundred_loops_at_once_each_spawn_a_child() {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(100));
    let threads: Vec<_> = (0..100)
        .map(|i| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                corio::run(async move {
                    let child = corio::create_subprocess_shell(format!("exit {}", i % 50)).await;
                    // Past the barrier even on error, so that no thread waits for ever.
                    corio::to_thread(move || barrier.wait()).await.unwrap();
                    child.unwrap().wait().await.unwrap().code()
                })
            })
        })
        .collect();
    for (i, thread) in threads.into_iter().enumerate() {
        assert_eq!(thread.join().unwrap(), Some(i as i32 % 50));
    }
}

#[test]
fn two_loops_in_two_threads_each_get_their_own_children() {
    let threads: Vec<_> = (0..2)
        .map(|base| {
            std::thread::spawn(move || {
                corio::run(async move {
                    corio::gather((0..20).map(|i| async move {
                        let code = base * 50 + i;
                        let mut child = corio::create_subprocess_shell(format!("exit {code}")).await.unwrap();
                        (code, child.wait().await.unwrap().code().unwrap())
                    }))
                    .await
                })
            })
        })
        .collect();
    for thread in threads {
        for (expected, got) in thread.join().unwrap() {
            assert_eq!(got, expected);
        }
    }
}
