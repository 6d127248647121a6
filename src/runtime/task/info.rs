//! What a task is and waits on: `TaskId`, `TaskState`, `WaitingOn`, and the
//! `TaskInfo` snapshots that `current_task`, `all_tasks` and the dumps give,
//! and the task tree the dumps print.

use std::collections::HashSet;
use std::fmt;
use std::panic::Location;
use std::time::Instant;

use super::cell::Header;

/// A task's number, unique within its loop (asyncio names tasks `Task-N`
/// after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    /// The number itself.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting for a wake-up.
    Pending,
    /// Queued to run on the loop's next turn.
    Scheduled,
    /// Being polled right now.
    Running,
    /// Returned or panicked.
    Finished,
    /// Cancelled.
    Cancelled,
}

/// What a suspended task waits on, when it waits on a corio primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitingOn {
    /// `sleep`, `sleep_until` or a timeout's deadline.
    Sleep,
    /// `Lock::lock`.
    Lock,
    /// `Semaphore::acquire`.
    Semaphore,
    /// `Event::wait`.
    Event,
    /// `Condition::wait`.
    Condition,
    /// `Barrier::wait`.
    Barrier,
    /// `Queue::get`.
    QueueGet,
    /// `Queue::put`.
    QueuePut,
    /// `Queue::join`.
    QueueJoin,
    /// `TaskGroup::wait`.
    TaskGroup,
    /// `StreamWriter::drain`.
    Drain,
    /// `StreamWriter::wait_closed` or `Server::wait_closed`.
    Closed,
    /// Another task's result.
    Task,
    /// A promise, a thread job (`to_thread`) or work on another loop.
    Promise,
    /// A socket or pipe to become readable (a read, an accept, a child's
    /// exit).
    IoRead,
    /// A socket or pipe to become writable (a write, a connect).
    IoWrite,
}

impl fmt::Display for WaitingOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WaitingOn::Sleep => "sleep",
            WaitingOn::Lock => "Lock",
            WaitingOn::Semaphore => "Semaphore",
            WaitingOn::Event => "Event",
            WaitingOn::Condition => "Condition",
            WaitingOn::Barrier => "Barrier",
            WaitingOn::QueueGet => "Queue.get",
            WaitingOn::QueuePut => "Queue.put",
            WaitingOn::QueueJoin => "Queue.join",
            WaitingOn::TaskGroup => "TaskGroup.wait",
            WaitingOn::Drain => "drain",
            WaitingOn::Closed => "wait_closed",
            WaitingOn::Task => "a task",
            WaitingOn::Promise => "a promise",
            WaitingOn::IoRead => "a read",
            WaitingOn::IoWrite => "a write",
        })
    }
}

/// A snapshot of one task: what [`current_task`](crate::current_task) and
/// [`all_tasks`](crate::all_tasks) return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    id: TaskId,
    name: String,
    state: TaskState,
    location: &'static Location<'static>,
    parent: Option<TaskId>,
    waiting_on: Option<WaitingOn>,
    sleep_deadline: Option<Instant>,
}

impl TaskInfo {
    pub(crate) fn new(
        id: TaskId,
        name: String,
        state: TaskState,
        location: &'static Location<'static>,
        parent: Option<TaskId>,
    ) -> TaskInfo {
        TaskInfo { id, name, state, location, parent, waiting_on: None, sleep_deadline: None }
    }

    /// Records the deadline of the sleep the task waits on.
    pub(crate) fn with_sleep_deadline(mut self, deadline: Option<Instant>) -> TaskInfo {
        if self.waiting_on == Some(WaitingOn::Sleep) {
            self.sleep_deadline = deadline;
        }
        self
    }

    pub(crate) fn with_waiting_on(mut self, waiting_on: Option<WaitingOn>) -> TaskInfo {
        self.waiting_on = waiting_on;
        self
    }

    pub(crate) fn of(header: &Header) -> TaskInfo {
        TaskInfo::new(header.id, header.name(), header.state(), header.location, header.parent())
            .with_waiting_on(header.waiting_on())
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The task's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The task's state when the snapshot was taken.
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// Where the task was created (`create_task`'s caller).
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }

    /// The task that created this one, if it was created inside a task.
    pub fn parent(&self) -> Option<TaskId> {
        self.parent
    }

    /// What the task waits on, if it is suspended on a corio primitive.
    pub fn waiting_on(&self) -> Option<WaitingOn> {
        self.waiting_on
    }

    /// When the sleep the task waits on ends, on the loop's clock (for a
    /// task sleeping itself; a sleep inside `gather` wakes the task through
    /// another waker and shows none).
    pub fn sleep_deadline(&self) -> Option<Instant> {
        self.sleep_deadline
    }
}

/// The tree of `tasks` by parent, one line each with its state and what it
/// waits on (`task_tree`, and the report of a deadlock); `now` is the
/// loop's time, for what is left of a sleep.
pub(crate) fn tree(tasks: &[TaskInfo], now: Instant) -> String {
    let ids: HashSet<TaskId> = tasks.iter().map(TaskInfo::id).collect();
    let is_root = |task: &TaskInfo| task.parent().is_none_or(|parent| !ids.contains(&parent));
    let mut out = String::new();
    for root in tasks.iter().filter(|task| is_root(task)) {
        write_subtree(&mut out, tasks, root, now, "", None);
    }
    out
}

/// Writes `task` and its descendants; `last` is `None` for a root, else
/// whether `task` is its parent's last child.
fn write_subtree(
    out: &mut String,
    tasks: &[TaskInfo],
    task: &TaskInfo,
    now: Instant,
    prefix: &str,
    last: Option<bool>,
) {
    use std::fmt::Write;

    let (branch, child_prefix) = match last {
        None => (String::new(), String::new()),
        Some(true) => (format!("{prefix}└── "), format!("{prefix}    ")),
        Some(false) => (format!("{prefix}├── "), format!("{prefix}│   ")),
    };
    let state = match task.state() {
        TaskState::Pending => "pending",
        TaskState::Scheduled => "scheduled",
        TaskState::Running => "running",
        TaskState::Finished => "finished",
        TaskState::Cancelled => "cancelled",
    };
    let waits = match task.waiting_on() {
        Some(what) if task.state() == TaskState::Pending => match task.sleep_deadline() {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(now);
                format!(" on {what}, {:.3} s left", left.as_secs_f64())
            }
            None => format!(" on {what}"),
        },
        _ => String::new(),
    };
    let _ = writeln!(out, "{branch}{} [{state}{waits}] created at {}", task.name(), task.location());
    let children: Vec<&TaskInfo> = tasks.iter().filter(|child| child.parent() == Some(task.id())).collect();
    for (i, child) in children.iter().enumerate() {
        write_subtree(out, tasks, child, now, &child_prefix, Some(i + 1 == children.len()));
    }
}
