//! Memory per idle task: 100 000 tasks parked on a one-hour sleep, and the
//! growth of the process's resident set divided by 100 000, for corio,
//! tokio's current-thread runtime and smol.
//!
//! ```text
//! cargo bench --bench memory
//! ```
//!
//! Each runtime is measured in a child process of its own (this binary run
//! again with the runtime's name), so one runtime's freed memory cannot hide
//! another's growth. Criterion has no notion of bytes, so this bench prints
//! its own table.

mod support;

use std::process::Command;
use std::time::Duration;

use support::Runtime;

const TASKS: usize = 100_000;
const RUNTIMES: [&str; 3] = ["corio", "tokio", "smol"];

/// The resident set size of this process, in bytes (`VmRSS`, which the
/// kernel reports in KiB).
fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).expect("a VmRSS line");
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Parks `TASKS` tasks on a one-hour sleep and returns the RSS growth per
/// task, measured once every task has armed its timer.
async fn idle_tasks<R: Runtime>(rt: &R) -> usize {
    let before = rss_bytes();
    let mut handles = Vec::with_capacity(TASKS);
    for _ in 0..TASKS {
        let sleeper = rt.clone();
        handles.push(rt.spawn(async move { sleeper.sleep(Duration::from_secs(3600)).await }));
    }
    // Two yields: every task has run its first poll and armed its timer.
    rt.yield_now().await;
    rt.yield_now().await;
    let after = rss_bytes();
    // The handles stay alive until after the reading; the runtime is torn
    // down without waiting for the sleeps.
    std::mem::forget(handles);
    (after - before) / TASKS
}

fn measure(runtime: &str) -> usize {
    match runtime {
        "corio" => corio::Runner::new().run(idle_tasks(&support::Corio)),
        "tokio" => {
            let rt = support::tokio_runtime();
            tokio::task::LocalSet::new().block_on(&rt, idle_tasks(&support::Tokio))
        }
        "smol" => {
            let executor = std::rc::Rc::new(async_executor::LocalExecutor::new());
            let smol = support::Smol(executor.clone());
            futures_lite::future::block_on(executor.run(idle_tasks(&smol)))
        }
        other => panic!("unknown runtime {other}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(runtime) = args.iter().skip(1).find(|arg| RUNTIMES.contains(&arg.as_str())) {
        println!("{}", measure(runtime));
        std::process::exit(0); // skip tearing down 100 000 tasks
    }
    if args.iter().any(|arg| arg == "--list" || arg == "--test") {
        return; // `cargo test --benches` and criterion's listing probe
    }
    println!("memory per idle task ({TASKS} tasks parked on a one-hour sleep)");
    let exe = std::env::current_exe().expect("current exe");
    for runtime in RUNTIMES {
        let output = Command::new(&exe).arg(runtime).output().expect("child process");
        let bytes = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        println!("  {runtime:<6} {bytes:>5} bytes");
    }
}
