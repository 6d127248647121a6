//! The live tasks of one loop, and its main task: what `all_tasks`, task
//! dumps and the loop's cleanup see.

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use super::cell::{RawTask, TaskList};
use super::info::{TaskId, TaskInfo, TaskState, WaitingOn};
use super::schedule::MainWaker;
use crate::runtime::core::{Current, TimerValue};
use crate::time::timers::Timers;

/// Every task of a loop that has not ended, in creation order, and the main
/// task while `run_until_complete` runs.
pub(crate) struct Registry {
    tasks: TaskList,
    main: Option<MainTask>,
    next_id: u64,
}

/// The future `run_until_complete` drives in place, so it needs no
/// `'static`. It has no cell, but it is a task for `current_task` and the
/// dumps, as asyncio's main task is.
struct MainTask {
    id: TaskId,
    waiting_on: Option<WaitingOn>,
    location: &'static Location<'static>,
    /// Its waker, and how many clones of it corio's structures of this
    /// thread keep (`task/parked.rs`), for the deadlock check.
    waker: Arc<MainWaker>,
    parked: Rc<Cell<usize>>,
}

impl Registry {
    pub(crate) fn new() -> Registry {
        Registry { tasks: TaskList::default(), main: None, next_id: 1 }
    }

    /// An id no other task of the loop had.
    pub(crate) fn next_id(&mut self) -> TaskId {
        let id = TaskId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Adds a task.
    pub(crate) fn insert(&mut self, task: RawTask) {
        self.tasks.push_back(task);
    }

    /// Takes `task` out; the caller drops the reference outside any borrow.
    pub(crate) fn remove(&mut self, task: &RawTask) -> Option<RawTask> {
        self.tasks.remove(task)
    }

    /// Every live task, for cancelling them all.
    pub(crate) fn live(&self) -> Vec<RawTask> {
        self.tasks.to_vec()
    }

    /// Takes every task out, as the loop closes.
    pub(crate) fn drain(&mut self) -> Vec<RawTask> {
        self.tasks.drain()
    }

    pub(crate) fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Records the main task of a `run_until_complete` that starts, with
    /// the waker it is polled with.
    pub(crate) fn start_main(
        &mut self,
        location: &'static Location<'static>,
        waker: Arc<MainWaker>,
    ) -> TaskId {
        let id = self.next_id();
        self.main = Some(MainTask { id, waiting_on: None, location, waker, parked: Rc::new(Cell::new(0)) });
        id
    }

    /// The main task's waker and its count of kept clones, while one runs.
    pub(crate) fn main_waker(&self) -> Option<(&Arc<MainWaker>, &Rc<Cell<usize>>)> {
        self.main.as_ref().map(|main| (&main.waker, &main.parked))
    }

    /// Notes what the main task waits on after a poll.
    pub(crate) fn set_main_waiting(&mut self, waiting_on: Option<WaitingOn>) {
        if let Some(main) = &mut self.main {
            main.waiting_on = waiting_on;
        }
    }

    pub(crate) fn end_main(&mut self) {
        self.main = None;
    }

    /// A snapshot of what runs now.
    pub(crate) fn current_info(&self, current: &Current) -> Option<TaskInfo> {
        match current {
            Current::Nothing => None,
            Current::Main => self.main_info(TaskState::Running),
            Current::Task(task) => Some(TaskInfo::of(task.header())),
        }
    }

    /// A snapshot of every live task, the main task first; `deadlines` are
    /// what [`sleep_deadlines`] found.
    pub(crate) fn info(&self, current: &Current, deadlines: &HashMap<*const (), Instant>) -> Vec<TaskInfo> {
        let main_state =
            if matches!(current, Current::Main) { TaskState::Running } else { TaskState::Pending };
        let main = self.main_info(main_state);
        main.into_iter()
            .chain(self.tasks.to_vec().iter().map(|task| {
                let deadline = deadlines.get(&task.addr()).copied();
                TaskInfo::of(task.header()).with_sleep_deadline(deadline)
            }))
            .collect()
    }

    fn main_info(&self, state: TaskState) -> Option<TaskInfo> {
        let main = self.main.as_ref()?;
        let waiting_on = if state == TaskState::Pending { main.waiting_on } else { None };
        Some(
            TaskInfo::new(main.id, format!("Task-{}", main.id), state, main.location, None)
                .with_waiting_on(waiting_on),
        )
    }
}

/// The earliest timer deadline of each waker's data pointer. A task's
/// waker points at its cell, so a sleeping task's deadline is found here
/// without the task storing it (dumps are rare; tasks are many).
pub(crate) fn sleep_deadlines(timers: &Timers<TimerValue>) -> HashMap<*const (), Instant> {
    let mut deadlines = HashMap::new();
    for (deadline, value) in timers.iter() {
        if let TimerValue::Wake(waker) = value {
            let earliest = deadlines.entry(waker.data()).or_insert(deadline);
            *earliest = (*earliest).min(deadline);
        }
    }
    deadlines
}
