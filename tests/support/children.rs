//! Whether a child process is gone: exited and reaped, no `/proc` entry
//! left, not even a zombie's. (Other tests' children come and go in
//! parallel, so each test asks only about its own.)

use std::time::Duration;

pub fn gone(pid: u32) -> bool {
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Waits, blocking the thread for up to ten seconds, for `pid` to be gone.
pub fn gone_soon(pid: u32) -> bool {
    (0..1000).any(|_| {
        gone(pid) || {
            std::thread::sleep(Duration::from_millis(10));
            false
        }
    })
}

/// [`gone_soon`] from a task, on the loop's thread pool: the loop goes on
/// meanwhile (so it can reap the child), and the job in flight holds a
/// virtual clock still.
pub async fn reaped_soon(pid: u32) -> bool {
    corio::to_thread(move || gone_soon(pid)).await.unwrap()
}
