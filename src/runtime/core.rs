//! The loop's state and its turn.
//!
//! `Core` is what a running loop puts in the thread-local context. Every
//! field is a `Cell` or `RefCell`, and no borrow is held while user code
//! runs (polling a task, calling a callback, waking a waker, dropping a
//! future): items are taken out of the queues first.
//!
//! Running the turn until a future completes or the loop stops, and closing
//! the loop, are `EventLoop`'s (`event_loop.rs`); the live tasks are the
//! registry's (`task/registry.rs`); reporting is the exception handler's
//! (`exception.rs`).

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;

use std::time::Instant;

use super::exception::{Exceptions, Timed};
use super::handles::{CallbackCell, Handle};
use super::runner::LoopConfig;
use super::shared::{Injected, Shared};
use super::shuffle::Shuffle;
use super::task::cell::{self, here, RawTask, Step, TaskRef};
use super::task::info::{TaskId, TaskInfo, WaitingOn};
use super::task::registry::{sleep_deadlines, Registry};
use super::task::schedule::LoopSchedule;
use crate::reactor::{Park, Reactor};
use crate::thread_pool::ThreadPool;
use crate::time::clock::Clock;
use crate::time::timers::{TimerKey, Timers};

/// With work always ready the reactor is still turned (without blocking)
/// every this many turns, so I/O and timers are never starved; tokio uses
/// the same interval.
const IO_INTERVAL: u32 = 61;

/// A ready queue with room for more than this many items gives the room
/// back when it is mostly empty, so a burst of spawns does not keep its
/// peak allocated.
const READY_SHRINK_FLOOR: usize = 4096;

/// How a panic of a callback, or of a captured value's drop, is reported
/// (asyncio's words).
pub(crate) const IN_CALLBACK: &str = "Exception in callback";
/// How a panic of another executor's waker is reported.
pub(crate) const IN_WAKER: &str = "Exception in a waker";

/// One entry of the ready queue: work to do on this turn or the next.
pub(crate) enum ReadyItem {
    /// Poll (or cancel) a task.
    Task(RawTask),
    /// Run a `call_soon` / `call_later` callback.
    Callback(Rc<CallbackCell>),
    /// Wake a task whose timer fired: asyncio runs a timer's callback, which
    /// schedules the sleeping task, so the task runs one turn later.
    WakeTask(RawTask),
    /// The same for a waker that is not a task of this loop's (a `gather`
    /// child's, the main future's): it waits in `Core::other_wakes`, in the
    /// order of these entries, which keeps an item to 16 bytes.
    WakeOther,
    /// Poll the future given to `run_until_complete`, of this generation.
    Main(u64),
    /// Stop the loop after this turn (what `run_until_complete` schedules
    /// when its future is done).
    Stop,
}

/// What a timer holds: a waker to wake (a sleep's), or a callback to run
/// (`call_later`'s). Either becomes a [`ReadyItem`] when due.
pub(crate) enum TimerValue {
    Wake(Waker),
    Callback(Rc<CallbackCell>),
}

/// The placeholder of a vacant timer slot: a no-op waker, free to make.
impl Default for TimerValue {
    fn default() -> TimerValue {
        TimerValue::Wake(Waker::noop().clone())
    }
}

/// When a new task takes its first step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// On the next turn, or eagerly if the loop was built with
    /// `eager_tasks(true)`: what `create_task` does.
    AsConfigured,
    /// Inside the call that creates it (`create_eager_task`).
    Eagerly,
    /// On the next turn whatever the loop's setting: corio's own tasks,
    /// which may be made while a structure of theirs is borrowed.
    NextTurn,
}

/// What is running right now, for `current_task`.
#[derive(Debug)]
pub(crate) enum Current {
    Nothing,
    Main,
    Task(RawTask),
}

pub(crate) struct Core {
    pub(super) shared: Arc<Shared>,
    clock: Clock,
    pub(super) ready: RefCell<VecDeque<ReadyItem>>,
    /// The wakers of the `WakeOther` entries of `ready`, in their order.
    pub(super) other_wakes: RefCell<VecDeque<Waker>>,
    pub(super) timers: RefCell<Timers<TimerValue>>,
    reactor: RefCell<Reactor>,
    /// Every task that has not ended, and the main task.
    pub(super) tasks: RefCell<Registry>,
    current: RefCell<Current>,
    /// The id of what `current` names, kept beside it because every spawn
    /// records its parent.
    current_id: Cell<Option<TaskId>>,
    /// What the task being polled said it waits on, for `task_tree`.
    waiting: Cell<Option<WaitingOn>>,
    pub(super) next_main_generation: Cell<u64>,
    turns_without_io: Cell<u32>,
    pub(super) stopping: Cell<bool>,
    pub(super) running: Cell<bool>,
    pub(super) closed: Cell<bool>,
    exceptions: Exceptions,
    thread_pool_size: usize,
    pub(super) thread_pool: OnceCell<ThreadPool>,
    shuffle: Option<Shuffle>,
    /// Whether a loop that would wait for ever with nothing able to wake it
    /// ends the run with a panic (`deadlock.rs`); always under virtual time.
    pub(super) detect_deadlocks: bool,
    /// Whether `create_task` starts tasks eagerly (`Builder::eager_tasks`).
    eager_tasks: bool,
}

impl Core {
    pub(crate) fn new(config: LoopConfig) -> std::io::Result<Core> {
        let (reactor, waker) = Reactor::new()?;
        let clock = Clock::new(config.virtual_time);
        Ok(Core {
            shared: Shared::new(waker),
            timers: RefCell::new(Timers::new(clock.epoch())),
            clock,
            ready: RefCell::new(VecDeque::new()),
            other_wakes: RefCell::new(VecDeque::new()),
            reactor: RefCell::new(reactor),
            tasks: RefCell::new(Registry::new()),
            current: RefCell::new(Current::Nothing),
            current_id: Cell::new(None),
            waiting: Cell::new(None),
            next_main_generation: Cell::new(1),
            turns_without_io: Cell::new(0),
            stopping: Cell::new(false),
            running: Cell::new(false),
            closed: Cell::new(false),
            exceptions: Exceptions::new(config.debug, config.slow_callback_duration),
            thread_pool_size: config.thread_pool_size,
            thread_pool: OnceCell::new(),
            shuffle: config.shuffle.map(Shuffle::new),
            detect_deadlocks: config.detect_deadlocks || config.virtual_time,
            eager_tasks: config.eager_tasks,
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn id(&self) -> u32 {
        self.shared.id()
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    pub(crate) fn is_running(&self) -> bool {
        self.running.get()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    #[track_caller]
    pub(crate) fn check_open(&self) {
        if self.closed.get() {
            panic!("event loop is closed");
        }
    }

    pub(crate) fn stop(&self) {
        self.stopping.set(true);
    }

    #[inline]
    pub(crate) fn push_ready(&self, item: ReadyItem) {
        self.ready.borrow_mut().push_back(item);
    }

    /// The exception handler and debug mode's reports.
    pub(crate) fn exceptions(&self) -> &Exceptions {
        &self.exceptions
    }

    /// The loop's thread pool, started on first use.
    pub(crate) fn thread_pool(&self) -> &ThreadPool {
        self.thread_pool.get_or_init(|| ThreadPool::new(self.thread_pool_size))
    }

    /// The reactor, for registering and polling I/O sources. Never borrow
    /// it across user code.
    pub(crate) fn reactor(&self) -> &RefCell<Reactor> {
        &self.reactor
    }

    // ----- callbacks and timers -----

    pub(crate) fn call_soon(&self, callback: Box<dyn FnOnce()>) -> Handle {
        let cell = CallbackCell::new(callback);
        self.push_ready(ReadyItem::Callback(cell.clone()));
        Handle::new(cell)
    }

    pub(crate) fn call_at(&self, when: Instant, callback: Box<dyn FnOnce()>) -> (Rc<CallbackCell>, TimerKey) {
        let cell = CallbackCell::new(callback);
        let key = self.timers.borrow_mut().insert(when, TimerValue::Callback(cell.clone()));
        (cell, key)
    }

    /// Arms a timer that wakes `waker` at `deadline`.
    pub(crate) fn add_timer(&self, deadline: Instant, waker: Waker) -> TimerKey {
        self.timers.borrow_mut().insert(deadline, TimerValue::Wake(waker))
    }

    /// Arms a timer that wakes `waker` at `deadline`, unless the deadline has
    /// passed (then `None`): what a timeout does when its body suspends.
    pub(crate) fn add_timer_unless_passed(&self, deadline: Instant, waker: &Waker) -> Option<TimerKey> {
        // Cloned before the borrow: cloning a foreign waker runs its code.
        let value = TimerValue::Wake(waker.clone());
        let mut timers = self.timers.borrow_mut();
        let nanos = timers.nanos_of(deadline);
        if self.clock.may_have_passed(nanos) && deadline <= self.clock.now() {
            return None;
        }
        Some(timers.insert_nanos(nanos, value))
    }

    /// Replaces the waker of a pending timer; false if it already fired.
    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) -> bool {
        let (found, replaced) = match self.timers.borrow_mut().get_mut(key) {
            Some(TimerValue::Wake(old)) if !old.will_wake(waker) => {
                (true, Some(std::mem::replace(old, waker.clone())))
            }
            Some(_) => (true, None),
            None => (false, None),
        };
        // Dropped once the timers are not borrowed: a waker's drop may set
        // a timer of its own.
        drop(replaced);
        found
    }

    /// Wakes `waker` on the next turn, as a timer firing now would.
    pub(crate) fn wake_next_turn(&self, waker: &Waker) {
        let item = self.wake_item(waker.clone());
        self.push_ready(item);
    }

    /// The ready item that wakes `waker`: its task, if it is one of this
    /// loop's; else a `WakeOther` entry, with the waker kept beside.
    fn wake_item(&self, waker: Waker) -> ReadyItem {
        match RawTask::from_waker(waker) {
            Ok(task) => ReadyItem::WakeTask(task),
            Err(other) => {
                self.other_wakes.borrow_mut().push_back(other);
                ReadyItem::WakeOther
            }
        }
    }

    /// Disarms a timer that has not fired. Its value is dropped after the
    /// borrow ends, since dropping a callback runs user code.
    pub(crate) fn remove_timer(&self, key: TimerKey) {
        let removed = self.timers.borrow_mut().remove(key);
        drop(removed);
    }

    // ----- tasks -----

    /// Makes a task of `future` and registers it. It starts on the next
    /// turn, or, if `start` says so, runs its first step inside this call,
    /// up to its first suspension (asyncio's eager tasks). The public `Task`
    /// handle wraps what this returns.
    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<String>,
        location: &'static Location<'static>,
        start: Start,
    ) -> TaskRef<F::Output>
    where
        F: Future + 'static,
    {
        self.check_open();
        let id = self.tasks.borrow_mut().next_id();
        let task = cell::spawn::<F, LoopSchedule>(future, self.id(), id, self.current_id.get(), location);
        if let Some(name) = name {
            task.raw().header().set_name(name);
        }
        self.tasks.borrow_mut().insert(task.raw().clone());
        let eager = match start {
            Start::AsConfigured => self.eager_tasks,
            Start::Eagerly => true,
            Start::NextTurn => false,
        };
        // Only on the loop running here (asyncio: only if the loop is
        // running): a task made before `run`, or for this loop from a task
        // of another, starts on the loop's next turn.
        let eager = eager && self.running.get() && here::get() == self.id();
        if eager {
            // What the task that creates this one noted it waits on is
            // its own: kept aside while the new task takes its first step.
            let outer_waiting = self.waiting.take();
            self.run_task(task.raw().clone());
            self.waiting.set(outer_waiting);
        } else {
            self.push_ready(ReadyItem::Task(task.raw().clone()));
        }
        task
    }

    /// Runs one step of a task the loop took up from the ready queue.
    fn run_task(&self, task: RawTask) {
        if !task.take_scheduled() {
            return;
        }
        let id = task.header().id;
        let previous = self.enter(Current::Task(task.clone()), id);
        let step = task.step(&self.exceptions);
        self.leave(previous);
        match step {
            Step::Pending => task.header().set_waiting_on(self.take_waiting()),
            Step::Ended => self.task_ended(&task),
            Step::Skipped => {}
        }
    }

    /// Ends the idle task `task` as cancelled now: its future is dropped
    /// here, before this returns. False if it was not idle (running, or
    /// ended), and nothing was done.
    pub(crate) fn cancel_now(&self, task: &RawTask) -> bool {
        if !task.abort(&self.exceptions) {
            return false;
        }
        self.task_ended(task);
        true
    }

    /// What the loop does once a task ended (its output is already with its
    /// handle): it leaves the registry, its awaiter is woken, and its done
    /// callbacks are scheduled.
    pub(crate) fn task_ended(&self, task: &RawTask) {
        let link = self.tasks.borrow_mut().remove(task);
        drop(link);
        task.wake_awaiter();
        for callback in task.take_callbacks() {
            self.call_soon(callback);
        }
    }

    /// Marks the task `id` (or the main task) as the one running; returns
    /// what ran before, for [`leave`](Core::leave).
    #[inline]
    pub(crate) fn enter(&self, current: Current, id: TaskId) -> (Current, Option<TaskId>) {
        self.waiting.set(None);
        (self.current.replace(current), self.current_id.replace(Some(id)))
    }

    #[inline]
    pub(crate) fn note_waiting(&self, what: WaitingOn) {
        self.waiting.set(Some(what));
    }

    /// What the task just polled said it waits on.
    #[inline]
    pub(crate) fn take_waiting(&self) -> Option<WaitingOn> {
        self.waiting.take()
    }

    #[inline]
    pub(crate) fn leave(&self, (current, id): (Current, Option<TaskId>)) {
        let ran = self.current.replace(current);
        self.current_id.set(id);
        drop(ran);
    }

    /// The task being polled, if it is a task (not the main future).
    pub(crate) fn current_task_raw(&self) -> Option<RawTask> {
        match &*self.current.borrow() {
            Current::Task(task) => Some(task.clone()),
            _ => None,
        }
    }

    /// A snapshot of what runs now: `asyncio.current_task()`.
    pub(crate) fn current_task(&self) -> Option<TaskInfo> {
        self.tasks.borrow().current_info(&self.current.borrow())
    }

    /// A snapshot of every live task: `asyncio.all_tasks()`.
    pub(crate) fn all_tasks(&self) -> Vec<TaskInfo> {
        let deadlines = sleep_deadlines(&self.timers.borrow());
        self.tasks.borrow().info(&self.current.borrow(), &deadlines)
    }

    // ----- the turn -----

    /// One turn of the loop: asyncio's `BaseEventLoop._run_once`.
    ///
    /// 1. Take what other threads injected.
    /// 2. Choose how long the reactor may block: not at all if work is ready
    ///    or the loop is stopping; else until the next timer, else until an
    ///    event or a wake-up ([`park_when_idle`](Core::park_when_idle)).
    /// 3. Turn the reactor. While work stays ready this happens only every
    ///    [`IO_INTERVAL`] turns, since a zero-timeout `epoll_wait` per turn
    ///    would dominate short turns.
    /// 4. Move every due timer to the back of the ready queue, earliest first.
    /// 5. Run exactly the work that is ready now (in a seeded random order
    ///    when shuffling). What it schedules runs in the next turn, so
    ///    `sleep(Duration::ZERO)` yields for one turn.
    ///
    /// `main` polls the future of `run_until_complete` when its turn comes.
    pub(crate) fn run_once(&self, main: &mut dyn FnMut(u64)) {
        self.take_injected();
        let idle = self.ready.borrow().is_empty() && !self.stopping.get();
        if idle || self.turns_without_io.get() >= IO_INTERVAL {
            let park = if idle { self.park_when_idle() } else { Park::No };
            self.turn_reactor(park);
        } else {
            self.turns_without_io.set(self.turns_without_io.get() + 1);
        }
        self.fire_due_timers();
        let count = self.ready.borrow().len();
        if let Some(shuffle) = &self.shuffle {
            shuffle.shuffle(&mut self.ready.borrow_mut().make_contiguous()[..count]);
        }
        for _ in 0..count {
            let Some(item) = self.ready.borrow_mut().pop_front() else { break };
            self.run_item(item, main);
        }
        self.shrink_ready_queue();
    }

    /// How long an idle loop may block in the reactor.
    ///
    /// On the real clock: until the next deadline, or until an event. On a
    /// virtual clock the loop first looks, without blocking, at what the
    /// reactor and other threads have; if that is nothing and no
    /// `to_thread` job is in flight, the clock jumps exactly to the next
    /// deadline and the loop does not block at all. Otherwise (a job in
    /// flight, no timer, or auto-advance off) it blocks until an event.
    fn park_when_idle(&self) -> Park {
        let next = self.timers.borrow().next_deadline();
        if !self.clock.is_virtual() {
            return next.map_or_else(|| self.park_forever(), Park::Until);
        }
        self.turn_reactor(Park::No);
        if !self.ready.borrow().is_empty() {
            return Park::No;
        }
        match next {
            Some(deadline) if self.clock.auto_advances() && self.shared.jobs_in_flight() == 0 => {
                self.clock.advance_to(deadline);
                Park::No
            }
            None => self.park_forever(),
            Some(_) => Park::Forever,
        }
    }

    fn turn_reactor(&self, park: Park) {
        let now = self.clock.now();
        let mut wakers = Vec::new();
        if let Err(err) = self.reactor.borrow_mut().turn(park, now, &mut wakers) {
            panic!("the event loop's reactor failed: {err}");
        }
        // Woken once the reactor is no longer borrowed. Wakers of other
        // executors run their code here.
        for waker in wakers {
            self.guarded(IN_WAKER, || waker.wake());
        }
        self.turns_without_io.set(0);
        self.take_injected();
    }

    /// Gives back the room of a ready queue that is mostly empty (amortized:
    /// at least seven eighths of the room were taken by items that left).
    #[inline]
    fn shrink_ready_queue(&self) {
        let mut ready = self.ready.borrow_mut();
        if ready.capacity() > READY_SHRINK_FLOOR && ready.len() < ready.capacity() / 8 {
            let keep = (ready.len() * 2).max(READY_SHRINK_FLOOR);
            ready.shrink_to(keep);
        }
    }

    /// Moves a virtual clock forward by `by` and queues the timers now due,
    /// ahead of anything scheduled later; false on the real clock.
    pub(crate) fn advance_clock(&self, by: std::time::Duration) -> bool {
        let moved = self.clock.advance(by);
        if moved {
            self.fire_due_timers();
        }
        moved
    }

    /// Turns the virtual clock's auto-advance on or off; false on the real
    /// clock.
    pub(crate) fn set_auto_advance(&self, enabled: bool) -> bool {
        self.clock.set_auto_advance(enabled)
    }

    /// Queues the timers that are due; reads the clock only if the earliest
    /// may be (see `Clock::may_have_passed`).
    #[inline]
    fn fire_due_timers(&self) {
        let next = self.timers.borrow().next_deadline_nanos();
        if next.is_some_and(|next| self.clock.may_have_passed(next)) {
            self.fire_due_timers_slow();
        }
    }

    fn fire_due_timers_slow(&self) {
        let now = self.clock.now();
        let mut timers = self.timers.borrow_mut();
        let mut ready = self.ready.borrow_mut();
        timers.take_due(now, |value| {
            ready.push_back(match value {
                TimerValue::Callback(callback) => ReadyItem::Callback(callback),
                TimerValue::Wake(waker) => self.wake_item(waker),
            })
        });
    }

    #[inline]
    fn take_injected(&self) {
        if self.shared.has_injected() {
            self.take_injected_slow();
        }
    }

    fn take_injected_slow(&self) {
        for item in self.shared.take_injected() {
            match item {
                // The loop runs here while it takes its injected work, so
                // `into_local` succeeds; a refusal would only drop the entry.
                Injected::Task(task) => {
                    if let Ok(task) = task.into_local() {
                        self.push_ready(ReadyItem::Task(task));
                    }
                }
                Injected::Main(generation) => self.push_ready(ReadyItem::Main(generation)),
                Injected::Callback(callback) => {
                    self.call_soon(callback);
                }
                Injected::Stop => self.stopping.set(true),
            }
        }
    }

    /// Runs one ready item; in debug mode, timed, so a slow one is reported.
    /// Runs `f`, which runs or drops a user's code (a callback, a waker of
    /// another executor, a captured value): a panic is reported, under
    /// `message`, as asyncio reports an exception in a callback, and the
    /// loop goes on.
    pub(crate) fn guarded(&self, message: &str, f: impl FnOnce()) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
            self.exceptions.report_panic(message, None, &*payload);
        }
    }

    fn run_item(&self, item: ReadyItem, main: &mut dyn FnMut(u64)) {
        if !self.exceptions.debug() {
            return self.run_untimed(item, main);
        }
        let step = match &item {
            ReadyItem::Task(task) => Timed::Task(task.clone()),
            ReadyItem::Main(_) => Timed::Main,
            _ => Timed::Callback,
        };
        self.exceptions.run_timed(step, || self.run_untimed(item, main));
    }

    fn run_untimed(&self, item: ReadyItem, main: &mut dyn FnMut(u64)) {
        match item {
            ReadyItem::Task(task) => self.run_task(task),
            ReadyItem::Callback(callback) => {
                if let Some(callback) = callback.take() {
                    self.guarded(IN_CALLBACK, callback);
                }
            }
            ReadyItem::WakeTask(task) => task.wake(),
            ReadyItem::WakeOther => {
                let waker = self.other_wakes.borrow_mut().pop_front();
                if let Some(waker) = waker {
                    self.guarded(IN_WAKER, || waker.wake());
                }
            }
            ReadyItem::Main(generation) => main(generation),
            ReadyItem::Stop => self.stopping.set(true),
        }
    }
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("id", &self.id())
            .field("running", &self.running.get())
            .field("closed", &self.closed.get())
            .field("ready", &self.ready.borrow().len())
            .field("timers", &self.timers.borrow().len())
            .field("tasks", &self.tasks.borrow().len())
            .finish_non_exhaustive()
    }
}
