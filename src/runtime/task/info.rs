//! What a task is and waits on: `TaskId`, `TaskState`, `WaitingOn`, and the
//! `TaskInfo` snapshots that `current_task`, `all_tasks` and the dumps give.

use std::fmt;
use std::panic::Location;

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
    sleep_deadline: Option<std::time::Instant>,
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
    pub(crate) fn with_sleep_deadline(mut self, deadline: Option<std::time::Instant>) -> TaskInfo {
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
    pub fn sleep_deadline(&self) -> Option<std::time::Instant> {
        self.sleep_deadline
    }
}
