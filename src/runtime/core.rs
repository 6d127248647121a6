//! The loop's state and its turn.
//!
//! `Core` is what a running loop puts in the thread-local context. Every
//! field is a `Cell` or `RefCell`, and no borrow is held while user code
//! runs (polling a task, calling a callback, waking a waker, dropping a
//! future): items are taken out of the queues first.

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::rc::Rc;
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

use slab::Slab;

use super::exception::{self, ExceptionContext, ExceptionHandler};
use super::handles::{CallbackCell, Handle};
use super::shared::{Injected, Shared};
use crate::error::TaskError;
use crate::reactor::{Park, Reactor};
use crate::runtime::task::cell::{Header, Schedulable, TaskCell};
use crate::runtime::task::info::{TaskId, TaskInfo, TaskState, WaitingOn};
use crate::task::handle::Task;
use crate::thread_pool::ThreadPool;
use crate::time::clock::Clock;
use crate::time::timers::{TimerKey, Timers};

/// With work always ready the reactor is still turned (without blocking)
/// every this many turns, so I/O and timers are never starved; tokio uses
/// the same interval.
const IO_INTERVAL: u32 = 61;

/// One unit of ready work.
pub(crate) enum Runnable {
    /// Poll (or cancel) a task.
    Task(Arc<dyn Schedulable>),
    /// Run a `call_soon` / `call_later` callback.
    Callback(Rc<CallbackCell>),
    /// Wake a waker whose timer fired: asyncio runs a timer's callback, which
    /// schedules the sleeping task, so the task runs one turn later.
    Wake(Waker),
    /// Poll the future given to `run_until_complete`, of this generation.
    Main(u64),
    /// Stop the loop after this turn (what `run_until_complete` schedules
    /// when its future is done).
    Stop,
}

/// The future `run_until_complete` drives in place, so it needs no
/// `'static`; it takes part in the FIFO order like a task.
struct MainTask {
    id: TaskId,
    waiting_on: Option<WaitingOn>,
    location: &'static Location<'static>,
}

/// What is running right now, for `current_task`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Current {
    Nothing,
    Main,
    Task(usize),
}

pub(crate) struct Core {
    shared: Arc<Shared>,
    clock: Clock,
    ready: RefCell<VecDeque<Runnable>>,
    timers: RefCell<Timers<Runnable>>,
    reactor: RefCell<Reactor>,
    /// Every task that has not ended, for `all_tasks` and for cleanup.
    tasks: RefCell<Slab<Arc<dyn Schedulable>>>,
    current: Cell<Current>,
    /// The id of what `current` names, kept beside it because every spawn
    /// records its parent.
    current_id: Cell<Option<TaskId>>,
    /// What the task being polled said it waits on, for `task_tree`.
    waiting: Cell<Option<WaitingOn>>,
    main: RefCell<Option<MainTask>>,
    next_task_id: Cell<u64>,
    next_main_generation: Cell<u64>,
    turns_without_io: Cell<u32>,
    stopping: Cell<bool>,
    running: Cell<bool>,
    closed: Cell<bool>,
    exception_handler: RefCell<Option<ExceptionHandler>>,
    thread_pool_size: usize,
    thread_pool: OnceCell<ThreadPool>,
    /// The state of the seeded shuffle of each turn's ready work, if on.
    shuffle: Option<Cell<u64>>,
    debug: Cell<bool>,
    slow_callback_duration: std::time::Duration,
}

/// How a loop is set up: what `Runner::builder()` decides.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoopConfig {
    pub(crate) thread_pool_size: usize,
    pub(crate) virtual_time: bool,
    pub(crate) shuffle: Option<u64>,
    pub(crate) debug: bool,
    pub(crate) slow_callback_duration: std::time::Duration,
}

impl LoopConfig {
    /// asyncio's defaults; debug mode is on if `CORIO_DEBUG=1`, as
    /// `PYTHONASYNCIODEBUG=1` turns it on in asyncio.
    pub(crate) fn new() -> LoopConfig {
        LoopConfig {
            thread_pool_size: ThreadPool::default_size(),
            virtual_time: false,
            shuffle: None,
            debug: std::env::var("CORIO_DEBUG").is_ok_and(|value| !value.is_empty() && value != "0"),
            slow_callback_duration: std::time::Duration::from_millis(100),
        }
    }
}

impl Core {
    pub(crate) fn new(config: LoopConfig) -> std::io::Result<Core> {
        let (reactor, waker) = Reactor::new()?;
        Ok(Core {
            shared: Shared::new(waker),
            clock: Clock::new(config.virtual_time),
            ready: RefCell::new(VecDeque::new()),
            timers: RefCell::new(Timers::new()),
            reactor: RefCell::new(reactor),
            tasks: RefCell::new(Slab::new()),
            current: Cell::new(Current::Nothing),
            current_id: Cell::new(None),
            waiting: Cell::new(None),
            main: RefCell::new(None),
            next_task_id: Cell::new(1),
            next_main_generation: Cell::new(1),
            turns_without_io: Cell::new(0),
            stopping: Cell::new(false),
            running: Cell::new(false),
            closed: Cell::new(false),
            exception_handler: RefCell::new(None),
            thread_pool_size: config.thread_pool_size,
            thread_pool: OnceCell::new(),
            // Zero is a fixed point of xorshift; any other state works.
            shuffle: config.shuffle.map(|seed| Cell::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)),
            debug: Cell::new(config.debug),
            slow_callback_duration: config.slow_callback_duration,
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn id(&self) -> u64 {
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
    pub(crate) fn push_ready(&self, runnable: Runnable) {
        self.ready.borrow_mut().push_back(runnable);
    }

    // ----- callbacks and timers -----

    pub(crate) fn call_soon(&self, callback: Box<dyn FnOnce()>) -> Handle {
        let cell = CallbackCell::new(callback);
        self.push_ready(Runnable::Callback(cell.clone()));
        Handle::new(cell)
    }

    pub(crate) fn call_at(&self, when: Instant, callback: Box<dyn FnOnce()>) -> (Rc<CallbackCell>, TimerKey) {
        let cell = CallbackCell::new(callback);
        let key = self.timers.borrow_mut().insert(when, Runnable::Callback(cell.clone()));
        (cell, key)
    }

    /// Arms a timer that wakes `waker` at `deadline`.
    pub(crate) fn add_timer(&self, deadline: Instant, waker: Waker) -> TimerKey {
        self.timers.borrow_mut().insert(deadline, Runnable::Wake(waker))
    }

    /// Replaces the waker of a pending timer; false if it already fired.
    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) -> bool {
        match self.timers.borrow_mut().get_mut(key) {
            Some(Runnable::Wake(old)) => {
                if !old.will_wake(waker) {
                    *old = waker.clone();
                }
                true
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Disarms a timer that has not fired. Its value is dropped after the
    /// borrow ends, since dropping a callback runs user code.
    pub(crate) fn remove_timer(&self, key: TimerKey) {
        let removed = self.timers.borrow_mut().remove(key);
        drop(removed);
    }

    // ----- tasks -----

    pub(crate) fn spawn<F>(
        &self,
        future: F,
        name: Option<String>,
        location: &'static Location<'static>,
    ) -> Task<F::Output>
    where
        F: Future + 'static,
    {
        self.check_open();
        let id = TaskId(self.next_task_id.get());
        self.next_task_id.set(id.0 + 1);
        let cell = TaskCell::new(future, self.id(), id, self.current_id.get(), name, location);
        let key = self.tasks.borrow_mut().insert(cell.clone());
        cell.header().set_registry_key(key);
        self.push_ready(Runnable::Task(cell.clone()));
        Task::new(cell)
    }

    #[inline]
    pub(crate) fn unregister_task(&self, key: usize) {
        let task = self.tasks.borrow_mut().try_remove(key);
        drop(task);
    }

    /// Marks the task `id`, at registry slot `key`, as the one running;
    /// returns what ran before, for [`leave`](Core::leave).
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
        self.current.set(current);
        self.current_id.set(id);
    }

    /// The task being polled, if it is a task (not the main future).
    pub(crate) fn current_task_raw(&self) -> Option<Arc<dyn Schedulable>> {
        match self.current.get() {
            Current::Task(key) => self.tasks.borrow().get(key).cloned(),
            _ => None,
        }
    }

    pub(crate) fn current_task(&self) -> Option<TaskInfo> {
        match self.current.get() {
            Current::Nothing => None,
            Current::Main => self.main_info(TaskState::Running),
            Current::Task(key) => self.tasks.borrow().get(key).map(|task| TaskInfo::of(task.header())),
        }
    }

    pub(crate) fn all_tasks(&self) -> Vec<TaskInfo> {
        let main_state =
            if self.current.get() == Current::Main { TaskState::Running } else { TaskState::Pending };
        let main = self.main_info(main_state);
        let deadlines = self.sleep_deadlines();
        main.into_iter()
            .chain(self.tasks.borrow().iter().map(|(_, task)| {
                let deadline = deadlines.get(&Arc::as_ptr(task).cast::<()>()).copied();
                TaskInfo::of(task.header()).with_sleep_deadline(deadline)
            }))
            .collect()
    }

    /// The earliest timer deadline of each waker's data pointer. A task's
    /// waker points at its cell, so a sleeping task's deadline is found
    /// here without the task storing it (dumps are rare; tasks are many).
    fn sleep_deadlines(&self) -> std::collections::HashMap<*const (), Instant> {
        let mut deadlines = std::collections::HashMap::new();
        for (deadline, runnable) in self.timers.borrow().iter() {
            if let Runnable::Wake(waker) = runnable {
                let earliest = deadlines.entry(waker.data()).or_insert(deadline);
                *earliest = (*earliest).min(deadline);
            }
        }
        deadlines
    }

    fn main_info(&self, state: TaskState) -> Option<TaskInfo> {
        let main = self.main.borrow();
        let main = main.as_ref()?;
        let waiting_on = if state == TaskState::Pending { main.waiting_on } else { None };
        Some(
            TaskInfo::new(main.id, format!("Task-{}", main.id), state, main.location, None)
                .with_waiting_on(waiting_on),
        )
    }

    pub(crate) fn thread_pool(&self) -> &ThreadPool {
        self.thread_pool.get_or_init(|| ThreadPool::new(self.thread_pool_size))
    }

    // ----- exceptions -----

    pub(crate) fn set_exception_handler(&self, handler: Option<ExceptionHandler>) {
        let old = self.exception_handler.replace(handler);
        drop(old);
    }

    /// Hands `context` to the loop's exception handler, or to the default one.
    pub(crate) fn call_exception_handler(&self, context: &ExceptionContext) {
        let handler = self.exception_handler.borrow().clone();
        match handler {
            Some(handler) => exception::call_custom_handler(&handler, context),
            None => exception::default_exception_handler(context),
        }
    }

    pub(crate) fn report_panic(&self, message: &str, task: Option<&Header>, payload: &(dyn Any + Send)) {
        self.call_exception_handler(&ExceptionContext::for_panic(message, task, payload));
    }

    /// Reports a panic nobody will ever retrieve, as asyncio's "Task exception
    /// was never retrieved".
    #[inline]
    pub(crate) fn report_unretrieved<T>(&self, task: &Header, result: &Result<T, TaskError>) {
        if matches!(result, Err(err) if err.is_panic()) {
            if let Some(context) = ExceptionContext::for_unretrieved(task, result) {
                self.call_exception_handler(&context);
            }
        }
    }

    /// Debug mode's report of a task dropped at close before it finished:
    /// asyncio's "Task was destroyed but it is pending!".
    fn report_destroyed_pending(&self, task: &Header) {
        let mut context = ExceptionContext::new("Task was destroyed but it is pending!");
        context.task = Some(task.name());
        context.task_location = Some(task.location);
        self.call_exception_handler(&context);
    }

    pub(crate) fn set_debug(&self, enabled: bool) {
        self.debug.set(enabled);
    }

    pub(crate) fn debug(&self) -> bool {
        self.debug.get()
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
        if let Some(state) = &self.shuffle {
            shuffle(&mut self.ready.borrow_mut().make_contiguous()[..count], state);
        }
        for _ in 0..count {
            let Some(runnable) = self.ready.borrow_mut().pop_front() else { break };
            self.run_runnable(runnable, main);
        }
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
            return next.map_or(Park::Forever, Park::Until);
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
            _ => Park::Forever,
        }
    }

    fn turn_reactor(&self, park: Park) {
        let now = self.clock.now();
        let mut wakers = Vec::new();
        if let Err(err) = self.reactor.borrow_mut().turn(park, now, &mut wakers) {
            panic!("the event loop's reactor failed: {err}");
        }
        // Woken once the reactor is no longer borrowed.
        wakers.into_iter().for_each(Waker::wake);
        self.turns_without_io.set(0);
        self.take_injected();
    }

    /// The reactor, for registering and polling I/O sources. Never borrow
    /// it across user code.
    pub(crate) fn reactor(&self) -> &RefCell<Reactor> {
        &self.reactor
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

    #[inline]
    fn fire_due_timers(&self) {
        if !self.timers.borrow().is_empty() {
            self.fire_due_timers_slow();
        }
    }

    fn fire_due_timers_slow(&self) {
        let now = self.clock.now();
        let mut timers = self.timers.borrow_mut();
        let mut ready = self.ready.borrow_mut();
        while let Some(runnable) = timers.pop_due(now) {
            ready.push_back(runnable);
        }
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
                Injected::Task(task) => self.push_ready(Runnable::Task(task)),
                Injected::Main(generation) => self.push_ready(Runnable::Main(generation)),
                Injected::Callback(callback) => {
                    self.call_soon(callback);
                }
                Injected::Stop => self.stopping.set(true),
            }
        }
    }

    fn run_runnable(&self, runnable: Runnable, main: &mut dyn FnMut(u64)) {
        if self.debug.get() {
            self.run_timed(runnable, main);
        } else {
            self.run_untimed(runnable, main);
        }
    }

    /// Debug mode: runs `runnable` and reports it if it took longer than
    /// `slow_callback_duration`, in asyncio's words. Measured on the real
    /// clock, also under virtual time: it is the thread that was held up.
    fn run_timed(&self, runnable: Runnable, main: &mut dyn FnMut(u64)) {
        let what = match &runnable {
            Runnable::Task(task) => Some(task.clone()),
            _ => None,
        };
        let started = Instant::now();
        let is_main = matches!(runnable, Runnable::Main(_));
        self.run_untimed(runnable, main);
        let took = started.elapsed();
        if took < self.slow_callback_duration {
            return;
        }
        let mut context = ExceptionContext::new(String::new());
        let subject = match &what {
            Some(task) => {
                context.task = Some(task.header().name());
                context.task_location = Some(task.header().location);
                format!("<Task name='{}'>", task.header().name())
            }
            None if is_main => "<Task name='Task-1'>".to_owned(),
            None => "<Handle callback>".to_owned(),
        };
        context.message = format!("Executing {subject} took {:.3} seconds", took.as_secs_f64());
        self.call_exception_handler(&context);
    }

    fn run_untimed(&self, runnable: Runnable, main: &mut dyn FnMut(u64)) {
        match runnable {
            Runnable::Task(task) => task.run(self),
            Runnable::Callback(callback) => {
                if let Some(callback) = callback.take() {
                    if let Err(payload) = catch_unwind(AssertUnwindSafe(callback)) {
                        self.report_panic("Exception in callback", None, &*payload);
                    }
                }
            }
            Runnable::Wake(waker) => waker.wake(),
            Runnable::Main(generation) => main(generation),
            Runnable::Stop => self.stopping.set(true),
        }
    }

    // ----- running -----

    /// Runs turns until `stop`, polling `future` in place as the loop's main
    /// task; returns its output, or the payload of its panic.
    #[track_caller]
    pub(crate) fn block_on<F: Future>(self: &Rc<Core>, future: F) -> Result<F::Output, Box<dyn Any + Send>> {
        self.check_open();
        let _running = self.start_running();
        let generation = self.next_main_generation.get();
        self.next_main_generation.set(generation + 1);
        let id = TaskId(self.next_task_id.get());
        self.next_task_id.set(id.0 + 1);
        *self.main.borrow_mut() = Some(MainTask { id, location: Location::caller(), waiting_on: None });

        let main_waker = Arc::new(super::task::schedule::MainWaker::new(self.id(), generation));
        let waker = Waker::from(main_waker.clone());
        let mut future = std::pin::pin!(future);
        let mut output = None;
        main_waker.mark_scheduled();
        self.push_ready(Runnable::Main(generation));
        let mut poll_main = |turn_generation: u64| {
            if turn_generation != generation || output.is_some() || !main_waker.take_scheduled() {
                return;
            }
            let previous = self.enter(Current::Main, id);
            let mut cx = std::task::Context::from_waker(&waker);
            let poll = catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(&mut cx)));
            self.leave(previous);
            match poll {
                Ok(std::task::Poll::Pending) => {
                    if let Some(main) = self.main.borrow_mut().as_mut() {
                        main.waiting_on = self.take_waiting();
                    }
                }
                Ok(std::task::Poll::Ready(value)) => output = Some(Ok(value)),
                Err(payload) => output = Some(Err(payload)),
            }
            if output.is_some() {
                // asyncio stops the loop from a done callback, so the work
                // already queued gets one more turn.
                self.push_ready(Runnable::Stop);
            }
        };
        while !self.stopping.get() {
            self.run_once(&mut poll_main);
        }
        self.stopping.set(false);
        *self.main.borrow_mut() = None;
        match output {
            Some(output) => output,
            None => panic!("event loop stopped before the future completed"),
        }
    }

    /// Runs turns until `stop`.
    #[track_caller]
    pub(crate) fn run_forever(self: &Rc<Core>) {
        self.check_open();
        let _running = self.start_running();
        while !self.stopping.get() {
            self.run_once(&mut |_| {});
        }
        self.stopping.set(false);
    }

    #[track_caller]
    fn start_running(self: &Rc<Core>) -> RunningGuard<'_> {
        let enter = super::context::enter(self);
        self.running.set(true);
        RunningGuard { core: self, _enter: enter }
    }

    /// Cancels every task left and runs turns until their drops have run, as
    /// `asyncio.run` does before closing. Tasks created by those drops are
    /// cancelled in the next round; a bounded number of rounds keeps a task
    /// that keeps respawning itself from holding the loop open.
    pub(crate) fn cancel_all_tasks(self: &Rc<Core>) {
        for _ in 0..100 {
            let tasks: Vec<_> = self.tasks.borrow().iter().map(|(_, task)| task.clone()).collect();
            if tasks.is_empty() {
                return;
            }
            for task in tasks {
                crate::runtime::task::cell::request_cancel(task);
            }
            let _running = self.start_running();
            self.run_once(&mut |_| {});
        }
    }

    /// Closes the loop: refuses work from other threads, drops every task's
    /// future and every queued callback (with this loop current, so their
    /// destructors may use it), and shuts the thread pool down.
    pub(crate) fn close(self: &Rc<Core>) {
        if self.running.get() {
            panic!("cannot close a running event loop");
        }
        if self.closed.get() {
            return;
        }
        let _enter = super::context::enter_for_cleanup(self);
        drop(self.shared.close());
        // Destructors may create tasks, callbacks and timers; repeat until
        // nothing is left.
        loop {
            let tasks: Vec<_> = self.tasks.borrow_mut().drain().collect();
            let ready: Vec<_> = self.ready.borrow_mut().drain(..).collect();
            let timers = self.timers.borrow_mut().drain();
            if tasks.is_empty() && ready.is_empty() && timers.is_empty() {
                break;
            }
            for task in tasks {
                if self.debug.get() && !task.header().is_done() {
                    self.report_destroyed_pending(task.header());
                }
                // Its registry slot may already hold a task created by an
                // earlier destructor: keep `finish` from removing that one.
                task.header().set_registry_key(u32::MAX as usize);
                task.abort(self);
            }
            drop(ready);
            drop(timers);
        }
        self.closed.set(true);
        if let Some(pool) = self.thread_pool.get() {
            pool.shutdown();
        }
    }
}

/// Marks the loop running (and current) for a scope.
struct RunningGuard<'a> {
    core: &'a Core,
    _enter: super::context::EnterGuard,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        self.core.running.set(false);
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

/// Shuffles `items` in place (Fisher-Yates) with a xorshift generator whose
/// state is `state`: the same state gives the same order, always.
fn shuffle<T>(items: &mut [T], state: &Cell<u64>) {
    for i in (1..items.len()).rev() {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}
