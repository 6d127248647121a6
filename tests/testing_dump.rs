//! `testing::dump_on_signal`: a signal prints the task tree to stderr. The
//! test runs itself as a child process (its stderr is what is checked).

use std::process::Command;

/// Set in the child's environment.
const CHILD: &str = "CORIO_DUMP_ON_SIGNAL_CHILD";

/// In the child: a named task waits on an event while the process signals
/// itself; the loop's handler prints the tree, then the run ends.
#[test]
fn child_dumps_its_tasks() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    corio::run(async {
        corio::testing::dump_on_signal(corio::signals::SIGUSR1).unwrap();
        // Its deliveries come after the handler's callback, which is queued
        // first: once the stream yields, the tree was printed.
        let mut deliveries = corio::signal(corio::signals::SIGUSR1).unwrap();
        let event = std::rc::Rc::new(corio::Event::new());
        let waiting = {
            let event = event.clone();
            corio::create_task_named("stuck-looking", async move { event.wait().await })
        };
        corio::yield_now().await;
        let pid = std::process::id().to_string();
        Command::new("kill").args(["-USR1", &pid]).status().unwrap();
        futures_lite::StreamExt::next(&mut deliveries).await;
        event.set();
        waiting.await.unwrap();
    });
}

#[test]
fn a_signal_prints_the_task_tree_to_stderr() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_dumps_its_tasks", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the child failed: {stderr}");
    let line = stderr
        .lines()
        .find(|line| line.contains("stuck-looking"))
        .unwrap_or_else(|| panic!("no dump: {stderr}"));
    assert!(line.contains("stuck-looking [pending on Event] created at tests/testing_dump.rs"), "{line}");
    assert!(stderr.lines().any(|line| line.starts_with("Task-1 [pending")), "{stderr}");
}
