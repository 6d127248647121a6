//! What is running: `current_task`, `all_tasks`, and the task tree of a
//! stuck program (`task_tree`, `dump_tasks`).

use crate::runtime::context;
use crate::runtime::task::info::{self, TaskInfo};

/// The task being polled right now: `asyncio.current_task()`. Inside the
/// future given to [`run`](crate::run) it is the main task, `Task-1`.
///
/// Returns `None` outside a running loop, and in callbacks.
///
/// # Examples
///
/// ```
/// corio::run(async {
///     assert_eq!(corio::current_task().unwrap().name(), "Task-1");
///     let inner = corio::create_task_named("inner", async {
///         corio::current_task().unwrap().name().to_owned()
///     });
///     assert_eq!(inner.await.unwrap(), "inner");
/// });
/// ```
pub fn current_task() -> Option<TaskInfo> {
    context::with_current(|core| core.and_then(|core| core.current_task()))
}

/// Every task of the running loop that has not ended, the main task first:
/// `asyncio.all_tasks()`.
///
/// Returns an empty `Vec` outside a running loop.
///
/// # Examples
///
/// ```
/// let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
/// runner.run(async {
///     let _worker = corio::create_task_named("worker", std::future::pending::<()>());
///     let names: Vec<String> = corio::all_tasks().iter().map(|t| t.name().to_owned()).collect();
///     assert_eq!(names, ["Task-1", "worker"]);
/// });
/// ```
pub fn all_tasks() -> Vec<TaskInfo> {
    context::with_current(|core| core.map(|core| core.all_tasks()).unwrap_or_default())
}

/// Every live task of the running loop as a tree of who created whom, one
/// line each with name, state (and, for a task suspended on a corio
/// primitive, what it waits on) and creation site (asyncio 3.14's `pstree`).
/// A task whose creator has ended is shown at the top level.
///
/// # Examples
///
/// ```
/// let mut runner = corio::Runner::builder().virtual_time(true).build().unwrap();
/// runner.run(async {
///     let _worker = corio::create_task_named("worker", std::future::pending::<()>());
///     corio::yield_now().await;
///     let tree = corio::task_tree();
///     let lines: Vec<&str> = tree.lines().collect();
///     assert!(lines[0].starts_with("Task-1 [running] created at "));
///     assert!(lines[1].starts_with("└── worker [pending] created at "));
///     let _sleeper = corio::create_task_named("sleeper", corio::sleep(std::time::Duration::from_secs(60)));
///     corio::yield_now().await;
///     assert!(corio::task_tree().contains("sleeper [pending on sleep, 60.000 s left] created at "));
/// });
/// ```
pub fn task_tree() -> String {
    context::with_current_borrowed(|core| info::tree(&core.all_tasks(), core.now())).unwrap_or_default()
}

/// Prints [`task_tree`] to stderr: the task dump of a stuck program.
pub fn dump_tasks() {
    eprint!("{}", task_tree());
}
